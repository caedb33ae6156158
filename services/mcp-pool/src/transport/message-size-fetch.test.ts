import { describe, expect, it } from 'vitest';
import { limitMessageSize } from './message-size-fetch.js';
import { MessageTooLargeError } from './json-rpc-line-reader.js';

/** A fetch answering with `chunks` as the body, of content type `type`. */
const serving = (type: string, chunks: string[]) => async () => {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': type } });
};

async function read(type: string, chunks: string[], maxBytes: number): Promise<{ text?: string; error?: unknown; told: MessageTooLargeError[] }> {
  const told: MessageTooLargeError[] = [];
  const response = await limitMessageSize(serving(type, chunks), maxBytes, (error) => told.push(error))('http://server.test/mcp');
  try {
    return { text: await response.text(), told };
  } catch (error) {
    return { error, told };
  }
}

describe('limitMessageSize (HTTP MCP transports)', () => {
  it('passes an SSE stream of any length whose events each fit, CRLF or LF', async () => {
    const event = (n: number) => `event: message\r\ndata: ${'x'.repeat(40)}${n}\r\n\r\n`;
    const chunks = Array.from({ length: 50 }, (_, n) => event(n));
    // Split one blank line's CRLF CRLF between chunks too.
    const split = ['data: 1\r\n\r', '\ndata: 2\n\n'];
    const result = await read('text/event-stream', [...chunks, ...split], 80);
    expect(result.error).toBeUndefined();
    expect(result.text).toContain('data: 2');
  });

  it('errors an SSE event past the limit, and says so', async () => {
    const result = await read('text/event-stream', ['data: ok\n\n', `data: ${'y'.repeat(60)}`, `${'y'.repeat(60)}\n\n`], 100);
    expect(result.error).toBeInstanceOf(MessageTooLargeError);
    expect(result.told[0]?.message).toMatch(/longer than 100 bytes \(MCP_MAX_MESSAGE_BYTES\)/);
  });

  it('counts any other body as one message', async () => {
    expect((await read('application/json', ['{"a":', '1}'], 100)).text).toBe('{"a":1}');
    const result = await read('application/json', ['{"a":"', 'z'.repeat(200), '"}'], 100);
    expect(result.error).toBeInstanceOf(MessageTooLargeError);
    expect(result.told).toHaveLength(1);
  });
});
