import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
/** The prelude's first field: the message's total length in bytes (big-endian uint32). */
const PRELUDE_LENGTH_BYTES = 4;
/** Bounds a message so a corrupt length cannot make the decoder buffer without end (AWS caps at 16 MiB). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export class SonicProtocolError extends Error {
  override readonly name = 'SonicProtocolError';
}

/** One Nova Sonic input event: `{"event":{"<name>":{…}}}`. */
export interface SonicInputEvent {
  name: string;
  body: Record<string, unknown>;
}

/**
 * Decodes the SDK's request body of InvokeModelWithBidirectionalStream. On Node the SDK signs every input
 * message: an outer event-stream message with `:date` and `:chunk-signature` headers carries the encoded inner
 * message (`:event-type: chunk`, JSON payload `{"bytes":"<base64>"}`), and an outer message with an empty body
 * ends the stream. The base64 bytes are the Sonic event JSON.
 */
export class SonicInputDecoder {
  #buffered: Uint8Array = new Uint8Array(0);

  /** Returns the events completed by `chunk`; throws SonicProtocolError on malformed input. */
  push(chunk: Uint8Array): SonicInputEvent[] {
    this.#buffered = concat(this.#buffered, chunk);
    const events: SonicInputEvent[] = [];
    for (;;) {
      if (this.#buffered.length < PRELUDE_LENGTH_BYTES) break;
      const length = new DataView(this.#buffered.buffer, this.#buffered.byteOffset).getUint32(0);
      if (length < 16 || length > MAX_MESSAGE_BYTES) throw new SonicProtocolError(`event-stream message of ${length} bytes`);
      if (this.#buffered.length < length) break;
      const message = this.#buffered.subarray(0, length);
      this.#buffered = this.#buffered.subarray(length);
      const event = decodeMessage(message);
      if (event !== undefined) events.push(event);
    }
    return events;
  }
}

function decodeMessage(bytes: Uint8Array): SonicInputEvent | undefined {
  let message = decode(bytes);
  if (':chunk-signature' in message.headers) {
    if (message.body.length === 0) return undefined; // the signed end-of-stream marker
    message = decode(message.body);
  }
  const eventType = message.headers[':event-type']?.value;
  if (eventType !== 'chunk') throw new SonicProtocolError(`unexpected input event type ${String(eventType)}`);
  const part = parseJson(toUtf8(message.body), 'chunk payload');
  const base64 = isRecord(part) ? part['bytes'] : undefined;
  if (typeof base64 !== 'string') throw new SonicProtocolError('chunk payload has no "bytes"');
  const document = parseJson(Buffer.from(base64, 'base64').toString('utf8'), 'chunk bytes');
  const wrapper = isRecord(document) ? document['event'] : undefined;
  if (!isRecord(wrapper)) throw new SonicProtocolError('chunk bytes are not {"event":{…}}');
  const names = Object.keys(wrapper);
  const name = names[0];
  const body = name === undefined ? undefined : wrapper[name];
  if (names.length !== 1 || name === undefined || !isRecord(body)) {
    throw new SonicProtocolError(`an event must hold exactly one named object, got [${names.join(', ')}]`);
  }
  return { name, body };
}

function decode(bytes: Uint8Array): ReturnType<EventStreamCodec['decode']> {
  try {
    return codec.decode(bytes);
  } catch (error) {
    throw new SonicProtocolError(`invalid event-stream message: ${(error as Error).message}`);
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SonicProtocolError(`${what} is not JSON`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function concat(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length === 0) return right;
  const joined = new Uint8Array(left.length + right.length);
  joined.set(left, 0);
  joined.set(right, left.length);
  return joined;
}
