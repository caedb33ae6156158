import type { ChatMessage } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import type { GatewayError } from './gateway-error.js';
import { assertRawMessageCount, assertRequestCounts } from './request-count-limits.js';

const limits = { maxMessages: 3, maxImages: 1, maxDocuments: 1 };
const image = { type: 'image_url', image_url: { url: 'https://example.com/a.png' } } as const;
const file = { type: 'file', file: { file_data: 'aGk=' } } as const;
const thrown = (run: () => void): GatewayError | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error as GatewayError;
  }
};

describe('assertRequestCounts', () => {
  it('accepts a request at every limit', () => {
    const messages: ChatMessage[] = [{ role: 'system', content: 's' }, { role: 'user', content: [image, file] }, { role: 'assistant', content: 'a' }];
    expect(() => assertRequestCounts(messages, limits)).not.toThrow();
  });

  it('names `messages`, or the first part past the image or document limit, counted over all user messages', () => {
    const tooMany: ChatMessage[] = Array.from({ length: 4 }, () => ({ role: 'user', content: 'x' }));
    expect(thrown(() => assertRequestCounts(tooMany, limits))).toMatchObject({ code: 'invalid_request', param: 'messages' });
    const images: ChatMessage[] = [{ role: 'user', content: [image] }, { role: 'user', content: [{ type: 'text', text: 't' }, image] }];
    expect(thrown(() => assertRequestCounts(images, limits))).toMatchObject({ status: 400, param: 'messages[1].content[1]' });
    const documents: ChatMessage[] = [{ role: 'user', content: [file, image, file] }];
    expect(thrown(() => assertRequestCounts(documents, limits))).toMatchObject({ param: 'messages[0].content[2]', message: expect.stringContaining('documents') });
  });
});

describe('assertRawMessageCount (before the schema walks the body)', () => {
  it('refuses a long messages array and ignores what is not one', () => {
    expect(thrown(() => assertRawMessageCount({ messages: [1, 2, 3, 4] }, 3))).toMatchObject({ param: 'messages' });
    for (const body of [null, undefined, 'x', { messages: 'not an array' }, { messages: [1, 2, 3] }]) expect(() => assertRawMessageCount(body, 3)).not.toThrow();
  });
});
