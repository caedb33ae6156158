import { ToolResultSchema } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { mapToolResult } from './result-mapper.js';

describe('mapToolResult', () => {
  it('keeps text, images, embedded resources, resource links, structured content and isError', () => {
    const result = mapToolResult(
      {
        content: [
          { type: 'text', text: 'hello' },
          { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
          { type: 'resource', resource: { uri: 'demo://text/1', mimeType: 'text/plain', text: 'resource text' } },
          { type: 'resource', resource: { uri: 'demo://blob/1', mimeType: 'application/octet-stream', blob: 'AAEC' } },
          { type: 'resource_link', uri: 'demo://link/1', name: 'link', mimeType: 'text/markdown' },
        ],
        structuredContent: { sum: 3 },
        isError: true,
      },
      10_000,
    );
    expect(ToolResultSchema.parse(result)).toEqual(result);
    expect(result).toEqual({
      content: [
        { type: 'text', text: 'hello' },
        { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
        { type: 'resource', uri: 'demo://text/1', mimeType: 'text/plain', text: 'resource text' },
        { type: 'resource', uri: 'demo://blob/1', mimeType: 'application/octet-stream', blob: 'AAEC' },
        { type: 'resource', uri: 'demo://link/1', mimeType: 'text/markdown' },
      ],
      structuredContent: { sum: 3 },
      isError: true,
      truncatedBytes: 0,
    });
  });

  it('cuts a result over the limit and says how many bytes were dropped', () => {
    const result = mapToolResult({ content: [{ type: 'text', text: 'x'.repeat(15_000) }] }, 2048);
    expect(result.truncatedBytes).toBe(15_000 - (2048 - 64));
    expect(result.content).toHaveLength(2);
    expect(result.content[0]).toEqual({ type: 'text', text: 'x'.repeat(2048 - 64) });
    expect(result.content[1]).toEqual({ type: 'text', text: '[… truncated 13,016 bytes]' });
    const size = result.content.reduce((sum, part) => sum + (part.type === 'text' ? Buffer.byteLength(part.text) : 0), 0);
    expect(size).toBeLessThanOrEqual(2048);
  });

  it('drops a binary part that does not fit rather than cutting it, and never splits a UTF-8 character', () => {
    const result = mapToolResult(
      {
        content: [
          { type: 'text', text: 'é'.repeat(600) },
          { type: 'image', data: 'A'.repeat(5000), mimeType: 'image/png' },
          { type: 'text', text: 'after' },
        ],
      },
      1024,
    );
    expect(result.content.map((part) => part.type)).toEqual(['text', 'text']);
    const first = result.content[0] as { text: string };
    expect(first.text).toMatch(/^é+$/);
    expect(Buffer.byteLength(first.text)).toBeLessThanOrEqual(1024 - 64);
    expect(result.truncatedBytes).toBe(1200 - Buffer.byteLength(first.text) + 5000 + 5);
    expect((result.content[1] as { text: string }).text).toMatch(/^\[… truncated [\d,]+ bytes\]$/);
  });

  it('leaves a result exactly at the limit alone', () => {
    const result = mapToolResult({ content: [{ type: 'text', text: 'y'.repeat(1024) }] }, 1024);
    expect(result.truncatedBytes).toBe(0);
    expect(result.content).toHaveLength(1);
  });
});
