import { randomBytes } from 'node:crypto';
import type { ChatJob } from '@bedrock-mcp/contracts';

/** A valid chat job with the seed's defaults and fresh turn and user ids; override what a test needs. */
export function testChatJob(overrides: Partial<ChatJob> = {}): ChatJob {
  return {
    turnId: `chatcmpl-${randomBytes(9).toString('base64url')}`,
    userId: `user-${randomBytes(4).toString('hex')}`,
    model: 'test.model-v1',
    messages: [{ role: 'user', content: 'hello' }],
    mcpServerIds: [],
    keepSession: false,
    maxTokens: 4000,
    temperature: 0.5,
    thinking: { enabled: false, budgetTokens: 1024 },
    onlyNMostRecentImages: 3,
    createdAt: Date.now(),
    ...overrides,
  };
}
