import { describe, expect, it } from 'vitest';
import { chunk, DeltaChunkEncoder, type StreamFormatContext } from './stream-formatter.js';

const texts = ['', 'plain', 'quotes " and \\ backslash', 'new\nline\ttab\u0001', 'héllo 😀 \u2028', 'lone \ud800 surrogate', '</script><b>'];
const contexts: StreamFormatContext[] = [
  { id: 'chatcmpl-abcdefgh12', model: 'm', created: 1_764_172_800, includeUsage: false },
  { id: 'chatcmpl-"odd"\\id', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0 é', created: 0, includeUsage: true },
];

describe('DeltaChunkEncoder', () => {
  it('encodes a text or reasoning delta byte for byte as JSON.stringify does the chunk object', () => {
    for (const context of contexts) {
      const encoder = new DeltaChunkEncoder(context);
      for (const text of texts) {
        expect(encoder.encode('content', text).json).toBe(JSON.stringify(chunk(context, { delta: { content: text }, finish_reason: null })));
        expect(encoder.encode('reasoning_content', text).json).toBe(JSON.stringify(chunk(context, { delta: { reasoning_content: text }, finish_reason: null })));
      }
    }
  });
});
