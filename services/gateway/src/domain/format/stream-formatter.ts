import type { ApiErrorCode, ChatCompletionChunk, OpenAiErrorBody, StreamEvent, StreamFormat } from '@bedrock-mcp/contracts';

/** What one SSE `data:` line carries: a chunk (or its JSON, for the hot path), an error body, or the end marker. */
export type SsePayload = ChatCompletionChunk | EncodedChunk | OpenAiErrorBody | '[DONE]';

/** A chunk already encoded: the text JSON.stringify gives for it. */
export class EncodedChunk {
  constructor(readonly json: string) {}
}

export interface StreamFormatContext {
  /** The turn id: every chunk's `id` and the `X-Stream-ID` header. */
  id: string;
  model: string;
  /** epoch seconds */
  created: number;
  /** `stream_options.include_usage`: a usage chunk before `[DONE]`. */
  includeUsage: boolean;
}

/** Translates a turn's events, in order, into the SSE payloads of one stream dialect. Pure. */
export interface StreamFormatter {
  format(event: StreamEvent): SsePayload[];
  /** The end of a stream the gateway itself had to cut (e.g. the turn went silent): an error, then `[DONE]`. */
  fail(code: ApiErrorCode, message: string): SsePayload[];
}

type Choice = ChatCompletionChunk['choices'][number];

/** A chunk with one choice (or none, for the usage chunk). */
export function chunk(context: StreamFormatContext, choice: Omit<Choice, 'index'> | undefined, usage?: ChatCompletionChunk['usage']): ChatCompletionChunk {
  return {
    id: context.id,
    object: 'chat.completion.chunk',
    created: context.created,
    model: context.model,
    choices: choice ? [{ index: 0, ...choice }] : [],
    ...(usage !== undefined ? { usage } : context.includeUsage ? { usage: null } : {}),
  };
}

export function streamFormatFrom(bodyFormat: StreamFormat | undefined, header: string | undefined): StreamFormat {
  if (bodyFormat) return bodyFormat;
  return header?.trim().toLowerCase() === 'seed' ? 'seed' : 'openai';
}

/**
 * Encodes the chunks of the hot path, text and reasoning deltas, from a head and a tail built once
 * per stream, so that per event only the text is encoded, with no chunk object: byte for byte what
 * JSON.stringify(chunk(context, { delta: { [field]: text }, finish_reason: null })) gives.
 */
export class DeltaChunkEncoder {
  private readonly head: string;
  private readonly tail: string;

  constructor(context: StreamFormatContext) {
    const { id, created, model } = context;
    this.head = `${JSON.stringify({ id, object: 'chat.completion.chunk', created, model }).slice(0, -1)},"choices":[{"index":0,"delta":{`;
    this.tail = `},"finish_reason":null}]${context.includeUsage ? ',"usage":null' : ''}}`;
  }

  encode(field: 'content' | 'reasoning_content', text: string): EncodedChunk {
    return new EncodedChunk(`${this.head}"${field}":${JSON.stringify(text)}${this.tail}`);
  }
}
