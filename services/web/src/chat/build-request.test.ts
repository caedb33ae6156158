import { ChatCompletionRequestSchema, type StreamEvent } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { defaultChatOptions } from '../settings/chat-options.js';
import { buildChatRequest } from './build-request.js';
import type { ConversationMessage, UserChatMessage } from './conversation.js';
import { createTurn, reduceTurn } from './turn-reducer.js';

const user = (text: string): UserChatMessage => ({ id: `u-${text}`, role: 'user', text, attachments: [] });
function answered(text: string): ConversationMessage {
  const event = { type: 'text_delta', text, turnId: 'chatcmpl-abcdefgh', seq: 1, ts: 1 } as StreamEvent;
  return { id: `a-${text}`, role: 'assistant', turn: reduceTurn({ ...createTurn('r'), turnId: 'chatcmpl-abcdefgh' }, { type: 'event', event }) };
}

describe('buildChatRequest', () => {
  const history: ConversationMessage[] = [user('hi'), answered('hello'), user('failed question'), { id: 'a-x', role: 'assistant', turn: createTurn('r2') }];

  it('replays the text history without keep_session, leaving out unanswered questions', () => {
    const body = buildChatRequest({
      history,
      message: user('next'),
      options: { ...defaultChatOptions, model: 'm1', systemPrompt: 'Be brief.' },
      mcpServerIds: ['local_fs'],
      supportsThinking: false,
      conversationId: 'c-1',
    });
    expect(body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'next' },
    ]);
    expect(body).toMatchObject({ model: 'm1', keep_session: false, mcp_server_ids: ['local_fs'], conversation_id: 'c-1', extra_params: { enable_thinking: false } });
    expect(ChatCompletionRequestSchema.safeParse(body).success).toBe(true);
  });

  it('sends only the new message with keep_session, and thinking only where the model supports it', () => {
    const options = { ...defaultChatOptions, model: 'm1', keepSession: true, enableThinking: true, budgetTokens: 2048 };
    const body = buildChatRequest({ history, message: user('next'), options, mcpServerIds: [], supportsThinking: true, conversationId: 'c-1' });
    expect(body.messages).toEqual([{ role: 'user', content: 'next' }]);
    expect(body.extra_params).toEqual({ enable_thinking: true, budget_tokens: 2048 });
    const unsupported = buildChatRequest({ history, message: user('next'), options, mcpServerIds: [], supportsThinking: false, conversationId: 'c-1' });
    expect(unsupported.extra_params?.enable_thinking).toBe(false);
  });
});
