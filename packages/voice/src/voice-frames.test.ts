import { describe, expect, it } from 'vitest';
import { VoiceClientFrameSchema, VoiceServerFrameSchema, VoiceSocketQuerySchema, VoiceTicketRequestSchema } from '@bedrock-mcp/contracts';

describe('voice frames', () => {
  it('parses the socket query of the seed and of ticket clients', () => {
    expect(VoiceSocketQuerySchema.parse({ token: 'k', user_id: 'alice', mcp_server_ids: 'a, b,,c', voice_id: 'tiffany' })).toEqual({
      token: 'k',
      user_id: 'alice',
      mcp_server_ids: ['a', 'b', 'c'],
      voice_id: 'tiffany',
    });
    expect(VoiceSocketQuerySchema.parse({ ticket: 't' })).toEqual({ ticket: 't', mcp_server_ids: [] });
    expect(VoiceSocketQuerySchema.safeParse({ mcp_server_ids: 'ok,../etc' }).success).toBe(false);
    expect(VoiceSocketQuerySchema.safeParse({ user_id: 'a/b' }).success).toBe(false);
  });

  it('accepts the server frames the voice session emits and refuses unknown fields', () => {
    const frames = [
      { type: 'connection_established', sessionId: 's' },
      { type: 'ready', voiceId: 'matthew' },
      { type: 'text', role: 'user', utteranceId: 'u1', content: 'hi', final: true, user: 'hi' },
      { type: 'toolUse', toolUseId: 't', name: 'everything__echo', input: { message: 'x' } },
      { type: 'toolResult', toolUseId: 't', name: 'everything__echo', content: 'Echo: x', isError: false },
      { type: 'audio_data', data: 'AAA=', sampleRate: 24000 },
      { type: 'interrupted' },
      { type: 'error', code: 'upstream_error', message: 'boom' },
    ];
    for (const frame of frames) expect(VoiceServerFrameSchema.parse(frame)).toEqual(frame);
    expect(VoiceServerFrameSchema.safeParse({ type: 'ready', voiceId: 'x', extra: 1 }).success).toBe(false);
  });

  it('parses client control frames and ticket requests strictly', () => {
    expect(VoiceClientFrameSchema.parse({ type: 'end_of_utterance' })).toEqual({ type: 'end_of_utterance' });
    expect(VoiceClientFrameSchema.safeParse({ type: 'audio' }).success).toBe(false);
    expect(VoiceTicketRequestSchema.parse({ mcp_server_ids: ['everything'], voice_id: 'amy' })).toEqual({ mcp_server_ids: ['everything'], voice_id: 'amy' });
    expect(VoiceTicketRequestSchema.safeParse({ apiKey: 'x' }).success).toBe(false);
  });
});
