import { ChatCompletionRequestSchema } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { defaultChatOptions } from '../settings/chat-options.js';
import { buildChatRequest } from './build-request.js';
import type { UserChatMessage } from './conversation.js';

const user = (text: string): UserChatMessage => ({ id: `u-${text}`, role: 'user', text, attachments: [] });

describe('buildChatRequest', () => {
  it('sends the system prompt and the new message only: the conversation is kept server-side', () => {
    const body = buildChatRequest({
      message: user('next'),
      options: { ...defaultChatOptions, model: 'm1', systemPrompt: 'Be brief.' },
      mcpServerIds: ['local_fs'],
      supportsThinking: false,
      conversationId: 'c-1',
    });
    expect(body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'next' },
    ]);
    expect(body).toMatchObject({ model: 'm1', mcp_server_ids: ['local_fs'], conversation_id: 'c-1', extra_params: { enable_thinking: false } });
    expect(body).not.toHaveProperty('replace_last');
    expect(ChatCompletionRequestSchema.safeParse(body).success).toBe(true);
  });

  it('asks to replace the last exchange for edit-and-resend and regenerate', () => {
    const body = buildChatRequest({ message: user('again'), options: { ...defaultChatOptions, model: 'm1' }, mcpServerIds: [], supportsThinking: false, conversationId: 'c-1', replaceLast: true });
    expect(body.replace_last).toBe(true);
    expect(ChatCompletionRequestSchema.parse(body).replace_last).toBe(true);
  });

  it('sends thinking only where the model supports it', () => {
    const options = { ...defaultChatOptions, model: 'm1', enableThinking: true, budgetTokens: 2048 };
    const body = buildChatRequest({ message: user('next'), options, mcpServerIds: [], supportsThinking: true, conversationId: 'c-1' });
    expect(body.messages).toEqual([{ role: 'user', content: 'next' }]);
    expect(body.extra_params).toEqual({ enable_thinking: true, budget_tokens: 2048 });
    const unsupported = buildChatRequest({ message: user('next'), options, mcpServerIds: [], supportsThinking: false, conversationId: 'c-1' });
    expect(unsupported.extra_params?.enable_thinking).toBe(false);
  });
});
