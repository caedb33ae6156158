import type { OutgoingHttpHeaders } from 'node:http';
import { sendBedrockError } from './bedrock-route.js';
import type { EmulatorRuntime } from './emulator-runtime.js';
import { EVENT_STREAM_CONTENT_TYPE, encodeException } from './event-stream-encoding.js';
import { abortExchange, type ExchangeInfo, type ExchangeRequest, type ExchangeResponse } from './http-exchange.js';
import { SonicConversation, type SonicEnding } from './sonic-conversation.js';
import { SonicInputDecoder, SonicProtocolError, type SonicInputEvent } from './sonic-input-decoder.js';
import type { SonicReceivedEvent, SonicSessionRecord } from './sonic-types.js';
import type { EmulatedFailure } from './types.js';

/** What Bedrock says when a Sonic session reaches its time limit (seen as ModelTimeoutException in the SDK). */
export const SONIC_SESSION_LIMIT_MESSAGE = 'Model has timed out in processing the request. Try your request again.';
/** After the response ends, how long the client may take to end its input before the stream is reset (ms). */
const INPUT_DRAIN_MS = 1000;
/** Lets the last frames reach the client before a reset, which would make it drop them unread (ms). */
const RESET_GRACE_MS = 50;

/** The members of both response kinds this route uses (their overloads make the union uncallable). */
interface StreamSink {
  writeHead(statusCode: number, headers: OutgoingHttpHeaders): unknown;
  write(chunk: string | Uint8Array): boolean;
  end(chunk?: string | Uint8Array): unknown;
  once(event: 'close', listener: () => void): unknown;
  readonly writableEnded: boolean;
}

/**
 * `POST /model/{modelId}/invoke-with-bidirectional-stream` (Nova Sonic): answers 200 at once, then reads the
 * client's events and writes the conversation's frames on the same HTTP/2 stream until either side ends.
 */
export async function handleSonicStream(
  request: ExchangeRequest,
  response: ExchangeResponse,
  info: ExchangeInfo,
  modelId: string,
  runtime: EmulatorRuntime,
): Promise<void> {
  const record = newRecord(info, modelId);
  runtime.recordSonic(record);
  const failure = runtime.book.takeFailure('bedrock');
  if (failure?.kind === 'http') {
    record.outcome = 'failed';
    record.error = failure.message ?? `HTTP ${failure.status}`;
    sendBedrockError(response, failure);
    return;
  }

  const sink: StreamSink = response;
  sink.writeHead(200, { 'content-type': EVENT_STREAM_CONTENT_TYPE, 'cache-control': 'no-cache' });
  // Bedrock answers at once; HTTP/2 (compat) would hold the headers back until the first frame. (Node's
  // Http2ServerResponse has flushHeaders, its type declarations do not.)
  (response as { flushHeaders?: () => void }).flushHeaders?.();
  const output = new FrameBudget(response, failure);
  const conversation = new SonicConversation({
    record,
    book: runtime.sonic,
    write: (frame) => output.write(frame),
    finish: (ending) => finish(response, ending),
  });
  output.onExhausted = (ending) => conversation.close(ending, 'failed', failure?.kind === 'stream' ? failure.message : failure?.kind);

  const limitMs = conversation.settings.sessionLimitMs;
  const limitTimer =
    limitMs === undefined
      ? undefined
      : setTimeout(() => {
          const ending = { kind: 'exception', exceptionType: 'modelTimeoutException', message: SONIC_SESSION_LIMIT_MESSAGE, outcome: 'timed_out' } as const;
          conversation.close(ending, 'timed_out', SONIC_SESSION_LIMIT_MESSAGE);
        }, limitMs);
  const onShutdown = (): void => conversation.close({ kind: 'ended' }, 'aborted');
  runtime.signal.addEventListener('abort', onShutdown, { once: true });
  sink.once('close', () => conversation.close({ kind: 'ended' }, 'aborted'));

  try {
    await readEvents(request, (event) => {
      record.events.push(logged(event));
      conversation.receive(event);
    });
    conversation.inputEnded();
  } catch (error) {
    if (error instanceof SonicProtocolError) conversation.reject(error.message);
    else conversation.close({ kind: 'ended' }, 'aborted');
  } finally {
    clearTimeout(limitTimer);
    runtime.signal.removeEventListener('abort', onShutdown);
  }
}

async function readEvents(request: ExchangeRequest, onEvent: (event: SonicInputEvent) => void): Promise<void> {
  const decoder = new SonicInputDecoder();
  for await (const chunk of request) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    for (const event of decoder.push(bytes)) onEvent(event);
  }
}

function finish(response: ExchangeResponse, ending: SonicEnding): void {
  const sink: StreamSink = response;
  if (sink.writableEnded) return;
  if (ending.kind === 'reset') {
    setTimeout(() => abortExchange(response), RESET_GRACE_MS).unref();
    return;
  }
  if (ending.kind === 'exception') sink.end(encodeException(ending.exceptionType, { message: ending.message }));
  else sink.end();
  // The client normally ends its input when it sees the end; one that keeps sending gets the stream reset.
  setTimeout(() => abortExchange(response), INPUT_DRAIN_MS).unref();
}

/** Counts output frames so an injected stream failure or disconnect happens after `afterChunks` of them. */
class FrameBudget {
  onExhausted: (ending: SonicEnding) => void = () => undefined;
  #written = 0;
  #spent = false;

  constructor(
    private readonly response: ExchangeResponse,
    private readonly failure: Exclude<EmulatedFailure, { kind: 'http' }> | undefined,
  ) {}

  write(frame: Uint8Array): void {
    const sink: StreamSink = this.response;
    if (this.#spent || sink.writableEnded) return;
    if (this.failure !== undefined && this.#written >= (this.failure.afterChunks ?? 0)) {
      this.#spent = true;
      if (this.failure.kind === 'stream') {
        const message = this.failure.message ?? `emulated failure: ${this.failure.exception}`;
        this.onExhausted({ kind: 'exception', exceptionType: this.failure.exception, message, outcome: 'failed' });
      } else {
        this.onExhausted({ kind: 'reset' });
      }
      return;
    }
    this.#written += 1;
    sink.write(frame);
  }
}

function newRecord(info: ExchangeInfo, modelId: string): SonicSessionRecord {
  return {
    modelId,
    path: info.path,
    httpVersion: info.httpVersion,
    headers: info.headers,
    receivedAt: info.receivedAt,
    events: [],
    promptStart: undefined,
    systemPrompt: undefined,
    history: [],
    toolResults: [],
    audioInputBytes: 0,
    utterances: [],
    interruptions: 0,
    outcome: 'open',
    error: undefined,
  };
}

/** Audio content is logged as its decoded size. */
function logged(event: SonicInputEvent): SonicReceivedEvent {
  if (event.name !== 'audioInput' || typeof event.body['content'] !== 'string') {
    return { name: event.name, body: event.body, receivedAt: Date.now() };
  }
  const { content, ...rest } = event.body;
  return { name: event.name, body: { ...rest, contentBytes: Buffer.from(content, 'base64').length }, receivedAt: Date.now() };
}
