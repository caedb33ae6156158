import { ConversationMessageSchema } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { blobId, recordedExchange } from '../testing/stored-conversations.js';
import { storedToChatMessages } from './stored-conversation.js';

const blobUrl = (id: string) => `/v1/conversations/c1/blobs/${id}`;

describe('storedToChatMessages', () => {
  it('turns a recorded exchange into the live view’s messages: files and images by blob URL, thinking, the ask’s outcome, the tool call with its result', () => {
    const stored = recordedExchange(1);
    for (const message of stored) ConversationMessageSchema.parse(message);
    const [question, answer] = storedToChatMessages(stored, blobUrl);

    expect(question).toEqual({
      id: 'msg_user000001',
      role: 'user',
      text: 'Question 1: show me the chart',
      attachments: [
        { id: 'msg_user000001-1', kind: 'image', name: 'chart.png', mimeType: 'image/png', size: 68, data: '', url: blobUrl(blobId('a')) },
        { id: 'msg_user000001-2', kind: 'document', name: 'report.pdf', mimeType: 'application/pdf', size: 2048, data: '', url: blobUrl(blobId('b')) },
      ],
    });
    expect(answer?.role).toBe('assistant');
    if (answer?.role !== 'assistant') return;
    const { turn } = answer;
    expect(turn).toMatchObject({ turnId: 'chatcmpl-turn000001', status: 'done', finishReason: 'end_turn', usage: { totalTokens: 15 }, model: 'm', pending: [] });
    expect(turn.blocks.map((block) => block.kind)).toEqual(['thinking', 'ask', 'tool', 'text']);
    expect(turn.blocks[0]).toMatchObject({ kind: 'thinking', text: 'The person wants the chart.', closed: true });
    expect(turn.blocks[1]).toMatchObject({ kind: 'ask', outcome: 'approved', ask: { id: 'ask_approve0001' } });
    expect(turn.blocks[2]).toMatchObject({
      kind: 'tool',
      toolUseId: 'tu_1',
      serverId: 'everything',
      toolName: 'echo',
      input: { message: 'ping' },
      inputText: '{"message":"ping"}',
      status: 'done',
      durationMs: 12,
      result: [
        { type: 'text', text: 'Echo: ping' },
        { type: 'image', mimeType: 'image/png', data: '', url: blobUrl(blobId('c')) },
      ],
    });
    expect(turn.blocks[3]).toMatchObject({ kind: 'text', text: '**Answer 1**: here is the chart.' });
  });

  it('shows a stopped answer as stopped and a failed one with its error', () => {
    const [, stopped] = recordedExchange(1);
    const [, failed] = recordedExchange(2);
    const messages = storedToChatMessages(
      [
        { ...stopped!, finish_reason: 'stop_requested' },
        { ...failed!, finish_reason: 'error', error: { code: 'model_error', message: 'The model failed.' } },
      ],
      blobUrl,
    );
    expect(messages.map((message) => (message.role === 'assistant' ? message.turn.status : message.role))).toEqual(['stopped', 'error']);
    expect(messages[1]?.role === 'assistant' && messages[1].turn.error).toEqual({ code: 'model_error', message: 'The model failed.' });
  });

  it('adds an empty streaming answer for a turn still running, to be filled by resuming its stream', () => {
    const [question] = recordedExchange(3, 'chatcmpl-running01');
    const messages = storedToChatMessages([question!], blobUrl, 'chatcmpl-running01');
    expect(messages).toHaveLength(2);
    expect(messages[1]).toMatchObject({ role: 'assistant', turn: { turnId: 'chatcmpl-running01', status: 'streaming', lastSeq: 0, blocks: [] } });
  });

  it('keeps a resource result’s blob as a download and a text resource as text', () => {
    const [, answer] = recordedExchange(4);
    const parts = [
      {
        type: 'tool_call' as const,
        tool_use_id: 'tu_r',
        name: 'files__read',
        input: {},
        status: 'error' as const,
        result: {
          content: [
            { type: 'resource' as const, uri: 'file:///a.bin', blob: { blob_id: blobId('d'), media_type: 'application/octet-stream', bytes: 3 } },
            { type: 'resource' as const, uri: 'file:///a.txt', mime_type: 'text/plain', text: 'hello' },
          ],
          is_error: true,
        },
      },
    ];
    const [message] = storedToChatMessages([{ ...answer!, parts }], blobUrl);
    const tool = message?.role === 'assistant' ? message.turn.blocks[0] : undefined;
    expect(tool).toMatchObject({
      kind: 'tool',
      status: 'error',
      result: [
        { type: 'resource', uri: 'file:///a.bin', mimeType: 'application/octet-stream', url: blobUrl(blobId('d')) },
        { type: 'resource', uri: 'file:///a.txt', mimeType: 'text/plain', text: 'hello' },
      ],
    });
  });
});
