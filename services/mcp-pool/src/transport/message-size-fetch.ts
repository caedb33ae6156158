import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { MessageTooLargeError } from './json-rpc-line-reader.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Wraps the fetch an HTTP MCP transport uses so that no single message it reads from the server can
 * pass `maxMessageBytes`: an SSE stream (`text/event-stream`) may run as long as it likes, but no
 * one event in it; any other body is one message. The SDK transports expose no size hook of their
 * own (they read bodies with `response.json()` and an SSE parser that buffers an event whole), so
 * the limit is applied to the body stream they are handed. Past it the stream errors (the request
 * fails) and `onTooLarge` is told why.
 */
export function limitMessageSize(fetchImpl: FetchLike, maxMessageBytes: number, onTooLarge: (error: MessageTooLargeError) => void): FetchLike {
  return async (url, init) => {
    const response = await fetchImpl(url, init);
    if (!response.body) return response;
    const eventStream = (response.headers.get('content-type') ?? '').toLowerCase().includes('text/event-stream');
    const limit = eventStream ? sseEventLimit(maxMessageBytes) : bodyLimit(maxMessageBytes);
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          if (limit(chunk)) {
            controller.enqueue(chunk);
            return;
          }
          const error = new MessageTooLargeError(`the server sent a message longer than ${maxMessageBytes} bytes (MCP_MAX_MESSAGE_BYTES)`);
          onTooLarge(error);
          controller.error(error);
        },
      }),
    );
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** A whole body as one message: false once its bytes pass the limit. */
function bodyLimit(maxBytes: number): (chunk: Uint8Array) => boolean {
  let bytes = 0;
  return (chunk) => (bytes += chunk.length) <= maxBytes;
}

/** SSE events (ended by a blank line: LF LF or CR LF CR LF): false once one event's bytes pass the limit. */
function sseEventLimit(maxBytes: number): (chunk: Uint8Array) => boolean {
  let eventBytes = 0;
  /** Bytes of the current line other than line-end CRs. */
  let lineBytes = 0;
  return (chunk) => {
    let from = 0;
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, from)) {
      lineBytes += contentBytes(chunk, from, lf);
      eventBytes += lf + 1 - from;
      if (eventBytes > maxBytes) return false;
      // An empty line ends the event.
      if (lineBytes === 0) eventBytes = 0;
      lineBytes = 0;
      from = lf + 1;
    }
    lineBytes += contentBytes(chunk, from, chunk.length);
    eventBytes += chunk.length - from;
    return eventBytes <= maxBytes;
  };
}

/** Bytes of chunk[from, to) without trailing CRs (a CR before LF is part of the line end, even across chunks). */
function contentBytes(chunk: Uint8Array, from: number, to: number): number {
  let end = to;
  while (end > from && chunk[end - 1] === CR) end -= 1;
  return end - from;
}
