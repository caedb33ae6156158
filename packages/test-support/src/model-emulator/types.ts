import type { BedrockConverseRequest } from './bedrock-request.js';
import type { OpenAIChatRequest } from './openai-request.js';
import type { PromptCacheAccount } from './prompt-cache.js';
import type { SonicScript, SonicSessionRecord } from './sonic-types.js';

export type Provider = 'bedrock' | 'openai';

/** A string matches when the subject contains it; a RegExp when it tests true. */
export type TextMatcher = string | RegExp;

/** Provider-neutral stop reasons, named as in Bedrock; mapped to OpenAI `finish_reason` on the wire. */
export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'content_filtered';

// ---------------------------------------------------------------- script

/** Every given field must match; an empty (or absent) condition matches any request. */
export interface RuleCondition {
  /** The last message is a user turn whose text contains / matches this. */
  lastUserText?: TextMatcher;
  /** The last message carries a result for a tool of this name. */
  afterToolResult?: string;
  /** The requested model id (Bedrock path model id, OpenAI `model`). */
  model?: TextMatcher;
  provider?: Provider;
}

export type ReasoningReply = { text: string; signature?: string } | { redacted: string /* base64 */ };

export interface ToolUseReply {
  name: string;
  input: Record<string, unknown>;
  /** Generated (`tooluse_…` for Bedrock, `call_…` for OpenAI) unless given. */
  id?: string;
}

export interface UsageReply {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface EmulatorReply {
  text?: string;
  reasoning?: ReasoningReply;
  /** Several entries are parallel tool calls. */
  toolUses?: ToolUseReply[];
  /** Default: `tool_use` when there are tool uses, otherwise `end_turn`. */
  stopReason?: StopReason;
  /** Default: estimated from request and reply sizes. */
  usage?: UsageReply;
  /** How many deltas text / reasoning text / tool input are split into (overrides the emulator option). */
  chunkCount?: number;
  /** Pause between stream events (overrides the emulator option). */
  chunkDelayMs?: number;
}

export interface ToolResultView {
  /** Name of the tool whose call this answers; undefined when the call is not found in the history. */
  name: string | undefined;
  toolUseId: string;
  /** Text blocks (and JSON blocks, stringified) joined with newlines. */
  text: string;
  images: number;
  isError: boolean;
}

export interface ReplyContext {
  provider: Provider;
  modelId: string;
  /** Text of the last message when it is a user turn with text; undefined otherwise. */
  lastUserText: string | undefined;
  /** Tool results carried by the last message (empty when it has none). */
  toolResults: ToolResultView[];
  /** Text of the last entry of `toolResults`. */
  lastToolResultText: string | undefined;
  request: RecordedRequest;
}

export type ReplyFactory = (context: ReplyContext) => EmulatorReply | Promise<EmulatorReply>;

export interface ScriptRule {
  when?: RuleCondition;
  reply: EmulatorReply | ReplyFactory;
  /** The rule stops matching after this many uses. Default: unlimited. */
  times?: number;
}

// ---------------------------------------------------------------- failures

export type StreamExceptionName =
  | 'modelStreamErrorException'
  | 'throttlingException'
  | 'internalServerException'
  | 'serviceUnavailableException'
  | 'validationException';

interface FailureTargeting {
  /** Only requests of this provider consume the failure. Default: any. */
  provider?: Provider;
  /** How many consecutive matching requests fail. Default: 1. */
  times?: number;
}

/** The request is answered with an HTTP error instead of a model reply. */
export interface HttpFailure extends FailureTargeting {
  kind: 'http';
  status: number;
  message?: string;
  /** Overrides the error name derived from the status: Bedrock `x-amzn-errortype` shape, OpenAI `error.code`. */
  errorType?: string;
}

/**
 * The stream breaks after `afterChunks` (default 0) stream events — Bedrock event-stream messages counting
 * messageStart, OpenAI SSE chunks counting the initial role chunk: Bedrock gets an exception frame, OpenAI an
 * SSE `{"error":…}` payload. A non-streaming request gets the equivalent HTTP error instead.
 */
export interface StreamFailure extends FailureTargeting {
  kind: 'stream';
  exception: StreamExceptionName;
  afterChunks?: number;
  message?: string;
}

/**
 * The connection (HTTP/1.1) or stream (HTTP/2, RST_STREAM) is cut ~50 ms after `afterChunks` stream events were
 * sent (counted as for StreamFailure); a non-streaming request is cut before any answer.
 */
export interface DisconnectFailure extends FailureTargeting {
  kind: 'disconnect';
  afterChunks?: number;
}

export type EmulatedFailure = HttpFailure | StreamFailure | DisconnectFailure;

// ---------------------------------------------------------------- request log

interface RecordedRequestBase {
  method: string;
  path: string;
  /** '2.0' for Bedrock SDK traffic, '1.1' for the OpenAI client. */
  httpVersion: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  receivedAt: Date;
  /** The client's TCP port: requests that came over one connection share it. */
  remotePort?: number;
  stream: boolean;
}

export interface BedrockRecordedRequest extends RecordedRequestBase {
  provider: 'bedrock';
  operation: 'converse' | 'converse-stream';
  /** URL-decoded. */
  modelId: string;
  body: BedrockConverseRequest;
  /** How Bedrock's prompt cache accounted for the request's cache points (absent without any). */
  promptCache?: PromptCacheAccount;
}

export interface OpenAIRecordedRequest extends RecordedRequestBase {
  provider: 'openai';
  operation: 'chat.completions' | 'models';
  modelId: string | undefined;
  /** Undefined for bodiless requests (`GET /v1/models`). */
  body: OpenAIChatRequest | undefined;
}

export type RecordedRequest = BedrockRecordedRequest | OpenAIRecordedRequest;

// ---------------------------------------------------------------- emulator

export interface ModelEmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (random free port). */
  port?: number;
  /** Pause between stream events. Default 0. */
  chunkDelayMs?: number;
  /** Deltas per text / reasoning text / tool input. Default 3. */
  chunkCount?: number;
  /** Initial script. */
  rules?: ScriptRule[];
  /** Ids listed by `GET /v1/models`. Default ['emulator-model']. */
  openaiModels?: string[];
  /** Initial Nova Sonic script (InvokeModelWithBidirectionalStream). */
  sonic?: SonicScript;
}

export interface ModelEmulator {
  /** http://host:port — one port serves HTTP/2 cleartext (Bedrock SDK) and HTTP/1.1 (OpenAI client). */
  readonly url: string;
  readonly port: number;
  /** For `BedrockRuntimeClient({ endpoint })` or `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`. Same as `url`. */
  readonly bedrockEndpoint: string;
  /** For `new OpenAI({ baseURL })`: `${url}/v1`. */
  readonly openaiBaseUrl: string;
  /** Every routed request, oldest first (Nova Sonic streams are in `sonicSessions`). */
  readonly requests: readonly RecordedRequest[];
  /** Every Nova Sonic bidirectional stream, oldest first, updated while it runs (events received, outcome). */
  readonly sonicSessions: readonly SonicSessionRecord[];
  /** Replaces the script. Rules are tried in order; the first match answers. */
  script(rules: ScriptRule[]): void;
  /** Replaces the Nova Sonic script; its turns are played from the first again. */
  scriptSonic(script: SonicScript): void;
  /**
   * Queues a failure for the next matching request(s); queued failures are consumed in order. A Nova Sonic
   * stream consumes Bedrock failures too: `http` refuses it, `stream`/`disconnect` count its output events.
   */
  failNext(failure: EmulatedFailure): void;
  /** Clears scripts (Sonic's too), queued failures, request logs and the prompt cache. */
  reset(): void;
  /** Stops listening, cancels streams in progress and destroys open connections. Idempotent. */
  close(): Promise<void>;
}
