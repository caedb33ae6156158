import { VoiceTicketResponseSchema } from '@bedrock-mcp/contracts';
import { createHistoryKeys } from '@bedrock-mcp/turns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STACK_NOVA_MODEL, type Stack } from './support/stack.js';
import { isFinalText, VoiceSocket, voiceSocketUrl } from './support/voice-socket.js';

// The whole platform as processes (gateway, agent worker, mcp-pool) against the model emulator: the
// gateway process builds its Sonic client from the SDK's defaults, so AWS_ENDPOINT_URL_BEDROCK_RUNTIME
// takes it to the emulator, and the voice transcripts and the text chat share one history.

let stack: Stack;
const sockets: VoiceSocket[] = [];

beforeAll(async () => {
  // The tests read the last model request: no title call after a first exchange.
  stack = await startStack({ label: 'voice', workerEnv: { CONVERSATION_TITLES: 'first_message' } });
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
});
afterAll(async () => {
  await stack?.stop();
});

async function openVoice(userId: string, body: Record<string, unknown>, extra: Record<string, string> = {}): Promise<VoiceSocket> {
  const res = await stack.fetch('/v1/voice/ticket', { method: 'POST', userId, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  const { ticket } = VoiceTicketResponseSchema.parse(await res.json());
  const socket = new VoiceSocket(voiceSocketUrl(stack.gatewayUrl, { ticket, ...extra }));
  sockets.push(socket);
  await socket.waitFor((frame) => frame.type === 'ready', 'ready');
  return socket;
}

const messageTexts = (body: unknown) =>
  ((body as { messages: Array<{ role: string; content: Array<{ text?: string }> }> }).messages ?? []).map((message) => ({
    role: message.role,
    text: message.content.map((block) => block.text ?? '').join(''),
  }));

/** The messages of the user's default conversation's record (GET /v1/conversations/default). */
async function recorded(userId: string): Promise<Array<{ role: string; turn_id: string; parts: unknown[] }>> {
  const res = await stack.fetch('/v1/conversations/default', { userId });
  return res.status === 200 ? ((await res.json()) as { messages: Array<{ role: string; turn_id: string; parts: unknown[] }> }).messages : [];
}

describe('voice and text share one conversation', () => {
  it('a spoken exchange (with a tool through the pool) is in the history a keep_session text chat sends, and voice continues from the text', async () => {
    const user = 'vera';
    stack.emulator.scriptSonic({
      audioMs: 400,
      turns: [
        {
          userTranscript: 'my favourite fruit is papaya',
          toolUse: { name: 'everything__echo', input: { message: 'papaya' } },
          assistantText: ({ toolResult }) => `Noted: ${toolResult ?? 'nothing'}.`,
        },
        { userTranscript: 'and what did I just type', assistantText: ({ session }) => `You typed: ${session.history.at(-2)?.text ?? '?'}` },
      ],
    });
    stack.emulator.script([{ when: { lastUserText: 'which fruit did I name' }, reply: { text: 'You named papaya.' } }]);

    const voice = await openVoice(user, { mcp_server_ids: ['everything'], voice_id: 'amy' });
    voice.speak();
    await voice.waitFor(isFinalText('assistant', 'Noted: Echo: papaya.'), 'the spoken answer');
    expect(voice.of('toolResult')).toEqual([{ type: 'toolResult', toolUseId: expect.any(String), name: 'everything__echo', content: 'Echo: papaya', isError: false }]);
    await voice.waitFor(() => voice.of('audio_data').reduce((sum, frame) => sum + Buffer.from(frame.data, 'base64').length / 2, 0) === 24_000 * 0.4, 'the audio');
    expect(voice.of('audio_data').every((frame) => frame.sampleRate === 24_000)).toBe(true);
    expect(stack.emulator.sonicSessions[0]?.promptStart?.['audioOutputConfiguration']).toMatchObject({ voiceId: 'amy', sampleRateHertz: 24_000 });
    expect((await voice.close()).code).toBe(1000);

    const deadline = Date.now() + 10_000;
    while ((await stack.redis.client.llen(createHistoryKeys(stack.keys.prefix).history({ userId: user, conversationId: null }))) < 2) {
      if (Date.now() > deadline) throw new Error('the transcripts never reached the history');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // The chat list shows the spoken exchange too: the default conversation's record.
    await expect.poll(async () => (await recorded(user)).length).toBe(2);
    const [said, answered] = await recorded(user);
    expect(said).toMatchObject({ role: 'user', turn_id: expect.stringMatching(/^chatcmpl-/), parts: [{ type: 'text', text: 'my favourite fruit is papaya' }] });
    // The answer is led by the tool call it made, as a text turn's is.
    expect(answered).toMatchObject({
      role: 'assistant',
      turn_id: said!.turn_id,
      finish_reason: 'end_turn',
      parts: [
        { type: 'tool_call', name: 'everything__echo', server_id: 'everything', tool_name: 'echo', input: { message: 'papaya' }, status: 'done', result: { content: [{ type: 'text', text: 'Echo: papaya' }], is_error: false } },
        { type: 'text', text: 'Noted: Echo: papaya.' },
      ],
    });

    const chat = await stack.fetch('/v1/chat/completions', {
      method: 'POST',
      userId: user,
      body: JSON.stringify({ model: STACK_NOVA_MODEL, keep_session: true, stream: false, messages: [{ role: 'user', content: 'which fruit did I name' }] }),
    });
    expect(chat.status).toBe(200);
    expect(JSON.stringify(await chat.json())).toContain('You named papaya.');
    const sent = stack.emulator.requests.filter((request) => request.provider === 'bedrock').at(-1)!;
    expect(messageTexts(sent.body)).toEqual([
      { role: 'user', text: 'my favourite fruit is papaya' },
      { role: 'assistant', text: 'Noted: Echo: papaya.' },
      { role: 'user', text: 'which fruit did I name' },
    ]);

    // And back: a new voice conversation starts from the typed exchange.
    const again = await openVoice(user, {});
    again.speak();
    await again.waitFor(isFinalText('assistant', 'You typed: which fruit did I name'), 'the answer that saw the text chat');
    expect(stack.emulator.sonicSessions[1]?.history.map((turn) => turn.text)).toEqual([
      'my favourite fruit is papaya',
      'Noted: Echo: papaya.',
      'which fruit did I name',
      'You named papaya.',
    ]);
    expect((await again.close()).code).toBe(1000);
    const textOf = (parts: unknown[]) => (parts as Array<{ type: string; text?: string }>).flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
    await expect.poll(async () => (await recorded(user)).map((message) => `${message.role}: ${textOf(message.parts)}`)).toEqual([
      'user: my favourite fruit is papaya',
      'assistant: Noted: Echo: papaya.',
      'user: which fruit did I name',
      'assistant: You named papaya.',
      'user: and what did I just type',
      'assistant: You typed: which fruit did I name',
    ]);
  });

  it('a tool call still running when the session ends is recorded, cancelled, as the exchange\'s answer', async () => {
    const user = 'wren';
    stack.emulator.scriptSonic({
      audioMs: 400,
      turns: [{ userTranscript: 'run the slow job', toolUse: { name: 'everything__trigger-long-running-operation', input: { duration: 5, steps: 5 } }, assistantText: 'It ran.' }],
    });
    const voice = await openVoice(user, { mcp_server_ids: ['everything'] });
    voice.speak();
    await voice.waitFor((frame) => frame.type === 'toolUse', 'the tool call');
    expect((await voice.close()).code).toBe(1000);

    await expect.poll(async () => (await recorded(user)).length).toBe(2);
    const [said, called] = await recorded(user);
    expect(said).toMatchObject({ role: 'user', parts: [{ type: 'text', text: 'run the slow job' }] });
    expect(called).toMatchObject({
      role: 'assistant',
      turn_id: said!.turn_id,
      finish_reason: 'stop_requested',
      parts: [{ type: 'tool_call', name: 'everything__trigger-long-running-operation', server_id: 'everything', input: { duration: 5, steps: 5 }, status: 'cancelled' }],
    });
    expect(called!.parts).toHaveLength(1);
  });
});
