import type { BlobRef, ConversationMessage, ConversationPart, ConversationToolResultPart } from './conversations.js';
import type { FinishReason, StreamEvent, Usage } from './stream-events.js';
import type { ToolResultPart } from './tool-result.js';

/** Keeps bytes (base64) somewhere and returns their reference: the caller decides where (the worker: the conversation's blobs). */
export type ToBlob = (base64: string, mediaType: string) => BlobRef;

/** An assistant message's content as built from its turn's events. */
export type ConversationAnswer = Pick<ConversationMessage, 'parts' | 'finish_reason' | 'usage' | 'error'>;

/** Ask outcomes after which the tool call never ran. */
const NOT_RUN = new Set(['denied', 'expired', 'cancelled']);

/**
 * A turn's answer from its events, oldest first (the whole turn: every job of a paused, resumed or
 * taken-over turn logs into one event log). Text and thinking are concatenated per block; a tool
 * call carries its result (bytes through `toBlob`), or is `cancelled` when it has none or its
 * approval was denied or expired, or `client` when the turn ended handing it to the caller (a call
 * without a server, no result, and the turn's finish reason `tool_use`); asks carry their outcome.
 * A round a later worker started again (`round_start` with `resumed`) replaces what the earlier
 * attempt of that round had produced.
 * `end` gives the finish reason and usage when the events stop before `done`.
 */
export function answerFromEvents(events: readonly StreamEvent[], toBlob: ToBlob, end: { finishReason?: FinishReason; usage?: Usage } = {}): ConversationAnswer {
  let parts: ConversationPart[] = [];
  /** parts.length when each round started, to drop a round's partial output when it is run again. */
  const roundStarts = new Map<number, number>();
  /** The text or thinking part deltas are appended to, until another kind of event ends the block. */
  let open: Extract<ConversationPart, { type: 'text' | 'thinking' }> | undefined;
  let finishReason = end.finishReason;
  let usage = end.usage;
  let error: ConversationAnswer['error'];

  for (const event of events) {
    switch (event.type) {
      case 'round_start': {
        const start = roundStarts.get(event.round);
        if (event.resumed && start !== undefined) parts = parts.slice(0, start);
        else roundStarts.set(event.round, parts.length);
        open = undefined;
        break;
      }
      case 'text_delta':
        if (open?.type !== 'text') parts.push((open = { type: 'text', text: '' }));
        open.text += event.text;
        break;
      case 'reasoning_delta':
        if (event.redacted !== undefined) {
          parts.push({ type: 'thinking', text: '', redacted: true });
          open = undefined;
        } else if (event.text !== undefined) {
          if (open?.type !== 'thinking') parts.push((open = { type: 'thinking', text: '', redacted: false }));
          open.text += event.text;
        }
        break;
      case 'tool_call':
        open = undefined;
        parts.push({
          type: 'tool_call',
          tool_use_id: event.toolUseId,
          name: event.name,
          ...(event.serverId !== undefined ? { server_id: event.serverId } : {}),
          ...(event.toolName !== undefined ? { tool_name: event.toolName } : {}),
          input: event.input,
          status: 'cancelled',
        });
        break;
      case 'tool_result': {
        open = undefined;
        let call = toolCallOf(parts, event.toolUseId);
        if (!call) {
          call = { type: 'tool_call', tool_use_id: event.toolUseId, name: event.name, input: {}, status: 'cancelled' };
          parts.push(call);
        }
        call.result = { content: event.content.map((part) => toResultPart(part, toBlob)), is_error: event.isError, duration_ms: event.durationMs };
        call.status = event.isError ? 'error' : 'done';
        break;
      }
      case 'approval_request':
        open = undefined;
        for (const ask of event.asks) parts.push({ type: 'ask', ask });
        break;
      case 'approval_answer': {
        const part = parts.find((candidate): candidate is Extract<ConversationPart, { type: 'ask' }> => candidate.type === 'ask' && candidate.ask.id === event.askId);
        if (!part) break;
        part.outcome = event.outcome;
        if (event.edited !== undefined) part.edited = event.edited;
        break;
      }
      case 'usage':
        usage = event.usage;
        break;
      case 'error':
        error = { code: event.code, message: event.message };
        break;
      case 'done':
        finishReason = event.finishReason;
        if (event.usage) usage = event.usage;
        break;
      default:
        break;
    }
  }

  // A call whose approval was refused or ran out never ran, whatever the model was told instead.
  for (const part of parts) {
    if (part.type !== 'ask' || part.ask.kind !== 'approval' || !part.outcome || !NOT_RUN.has(part.outcome)) continue;
    const call = toolCallOf(parts, part.ask.toolUseId);
    if (call) call.status = 'cancelled';
  }
  if (finishReason === 'tool_use') {
    for (const part of parts) if (part.type === 'tool_call' && part.server_id === undefined && !part.result && part.status === 'cancelled') part.status = 'client';
  }
  return {
    parts,
    ...(finishReason !== undefined ? { finish_reason: finishReason } : {}),
    ...(usage !== undefined ? { usage } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

function toolCallOf(parts: ConversationPart[], toolUseId: string): Extract<ConversationPart, { type: 'tool_call' }> | undefined {
  return parts.find((part): part is Extract<ConversationPart, { type: 'tool_call' }> => part.type === 'tool_call' && part.tool_use_id === toolUseId);
}

function toResultPart(part: ToolResultPart, toBlob: ToBlob): ConversationToolResultPart {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image':
      return { type: 'image', blob: toBlob(part.data, part.mimeType) };
    case 'resource':
      return {
        type: 'resource',
        uri: part.uri,
        ...(part.mimeType !== undefined ? { mime_type: part.mimeType } : {}),
        ...(part.text !== undefined ? { text: part.text } : {}),
        ...(part.blob !== undefined ? { blob: toBlob(part.blob, part.mimeType ?? 'application/octet-stream') } : {}),
      };
  }
}
