import { planTurn, type EmulatorRuntime } from './emulator-runtime.js';
import { defaultFailureMessage, httpEquivalentOf } from './failure-equivalents.js';
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
import { openaiConversationView, type OpenAIChatRequest } from './openai-request.js';
import { chatCompletionBody, chatCompletionChunks, modelListBody, openaiErrorObject } from './openai-wire.js';
import { generatedId } from './reply-plan.js';
import type { EmulatedFailure, HttpFailure, OpenAIRecordedRequest } from './types.js';

const DEFAULT_MODEL = 'emulator-model';

/** `POST /v1/chat/completions`, streaming (SSE) or not. */
export async function handleChatCompletions(
  request: ExchangeRequest,
  response: ExchangeResponse,
  info: ExchangeInfo,
  runtime: EmulatorRuntime,
): Promise<void> {
  const rawBody = await readBody(request);
  const parsed = parseJsonObject(rawBody);
  if (!parsed.ok) {
    sendOpenAIError(response, { kind: 'http', status: 400, message: parsed.error });
    return;
  }
  const body = parsed.value as OpenAIChatRequest;
  const recorded: OpenAIRecordedRequest = {
    ...info,
    provider: 'openai',
    operation: 'chat.completions',
    modelId: body.model,
    stream: body.stream === true,
    body,
  };
  runtime.record(recorded);

  const failure = runtime.book.takeFailure('openai');
  if (failure !== undefined && (failure.kind === 'http' || !recorded.stream)) {
    failWithoutReply(response, failure);
    return;
  }
  const model = body.model ?? DEFAULT_MODEL;
  const plan = await planTurn(runtime, {
    request: recorded,
    modelId: model,
    conversation: openaiConversationView(body),
    toolUseIdPrefix: 'call_',
    requestChars: rawBody.length,
  });
  const identity = { id: generatedId('chatcmpl-'), created: Math.floor(Date.now() / 1000), model };
  if (!recorded.stream) {
    sendJson(response, 200, chatCompletionBody(plan, identity));
    return;
  }
  const chunks = chatCompletionChunks(plan, identity, body.stream_options?.include_usage === true);
  await streamFrames(
    response,
    {
      contentType: 'text/event-stream',
      frames: [...chunks.map(sseData), 'data: [DONE]\n\n'],
      delayMs: plan.chunkDelayMs,
      interruption: interruptionOf(failure),
    },
    runtime.signal,
  );
}

/** `GET /v1/models`. Never consumes a queued failure. */
export function handleListModels(response: ExchangeResponse, info: ExchangeInfo, runtime: EmulatorRuntime): void {
  runtime.record({ ...info, provider: 'openai', operation: 'models', modelId: undefined, stream: false, body: undefined });
  sendJson(response, 200, modelListBody(runtime.openaiModels));
}

function sseData(payload: object): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

function failWithoutReply(response: ExchangeResponse, failure: EmulatedFailure): void {
  if (failure.kind === 'disconnect') abortExchange(response);
  else sendOpenAIError(response, failure.kind === 'http' ? failure : { ...httpEquivalentOf(failure), errorType: undefined });
}

export function sendOpenAIError(response: ExchangeResponse, failure: HttpFailure): void {
  const message = failure.message ?? defaultFailureMessage(failure.status);
  sendJson(response, failure.status, { error: openaiErrorObject(failure.status, message, failure.errorType) });
}

/** The OpenAI client throws an APIError when an SSE payload carries an `error` member. */
function interruptionOf(failure: EmulatedFailure | undefined): StreamInterruption | undefined {
  if (failure === undefined || failure.kind === 'http') return undefined;
  const afterFrames = failure.afterChunks ?? 0;
  if (failure.kind === 'disconnect') return { afterFrames, disconnect: true };
  const { status, message } = httpEquivalentOf(failure);
  return { afterFrames, finalFrame: sseData({ error: openaiErrorObject(status, message ?? '') }) };
}
