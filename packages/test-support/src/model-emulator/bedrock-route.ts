import { bedrockConversationView, type BedrockConverseRequest } from './bedrock-request.js';
import {
  bedrockErrorResponse,
  converseResponseBody,
  converseStreamEvents,
  streamExceptionPayload,
} from './bedrock-wire.js';
import { planTurn, type EmulatorRuntime } from './emulator-runtime.js';
import { EVENT_STREAM_CONTENT_TYPE, encodeEvent, encodeException } from './event-stream-encoding.js';
import { httpEquivalentOf } from './failure-equivalents.js';
import {
  abortExchange,
  parseJsonObject,
  readBody,
  sendJson,
  streamFrames,
  type ExchangeInfo,
  type ExchangeRequest,
  type ExchangeResponse,
  type StreamInterruption,
} from './http-exchange.js';
import type { BedrockRecordedRequest, EmulatedFailure, HttpFailure } from './types.js';

export interface BedrockTarget {
  operation: 'converse' | 'converse-stream';
  /** Already URL-decoded. */
  modelId: string;
}

/** `POST /model/{modelId}/converse` and `/converse-stream`. */
export async function handleBedrockConverse(
  request: ExchangeRequest,
  response: ExchangeResponse,
  info: ExchangeInfo,
  target: BedrockTarget,
  runtime: EmulatorRuntime,
): Promise<void> {
  const rawBody = await readBody(request);
  const parsed = parseJsonObject(rawBody);
  if (!parsed.ok) {
    sendBedrockError(response, { kind: 'http', status: 400, message: parsed.error });
    return;
  }
  const recorded: BedrockRecordedRequest = {
    ...info,
    provider: 'bedrock',
    operation: target.operation,
    modelId: target.modelId,
    stream: target.operation === 'converse-stream',
    body: parsed.value as BedrockConverseRequest,
  };
  runtime.record(recorded);
  const cache = runtime.promptCache.account(target.modelId, recorded.body);
  if (!cache.ok) {
    sendBedrockError(response, { kind: 'http', status: 400, errorType: 'ValidationException', message: cache.message });
    return;
  }
  if (cache.account) recorded.promptCache = cache.account;

  const failure = runtime.book.takeFailure('bedrock');
  if (failure !== undefined && failsBeforeReply(failure, recorded.stream)) {
    failWithoutReply(response, failure);
    return;
  }
  const plan = await planTurn(runtime, {
    request: recorded,
    modelId: target.modelId,
    conversation: bedrockConversationView(recorded.body),
    toolUseIdPrefix: 'tooluse_',
    requestChars: rawBody.length,
    promptCache: cache.account,
  });
  const latencyMs = Date.now() - info.receivedAt.getTime();
  if (!recorded.stream) {
    sendJson(response, 200, converseResponseBody(plan, latencyMs));
    return;
  }
  const frames = converseStreamEvents(plan, latencyMs).map((event) => encodeEvent(event.eventType, event.payload));
  await streamFrames(
    response,
    { contentType: EVENT_STREAM_CONTENT_TYPE, frames, delayMs: plan.chunkDelayMs, interruption: interruptionOf(failure) },
    runtime.signal,
  );
}

/** HTTP failures always answer instead of the model; stream failures do so for non-streaming calls. */
function failsBeforeReply(failure: EmulatedFailure, streaming: boolean): boolean {
  return failure.kind === 'http' || !streaming;
}

function failWithoutReply(response: ExchangeResponse, failure: EmulatedFailure): void {
  if (failure.kind === 'disconnect') abortExchange(response);
  else sendBedrockError(response, failure.kind === 'http' ? failure : httpEquivalentOf(failure));
}

export function sendBedrockError(response: ExchangeResponse, failure: HttpFailure): void {
  const error = bedrockErrorResponse(failure);
  sendJson(response, error.status, error.body, error.headers);
}

function interruptionOf(failure: EmulatedFailure | undefined): StreamInterruption | undefined {
  if (failure === undefined || failure.kind === 'http') return undefined;
  const afterFrames = failure.afterChunks ?? 0;
  if (failure.kind === 'disconnect') return { afterFrames, disconnect: true };
  return { afterFrames, finalFrame: encodeException(failure.exception, streamExceptionPayload(failure)) };
}
