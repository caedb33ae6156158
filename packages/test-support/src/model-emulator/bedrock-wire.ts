import { defaultFailureMessage } from './failure-equivalents.js';
import type { PlannedReasoning, PlannedToolUse, ReplyPlan } from './reply-plan.js';
import type { HttpFailure, StreamFailure } from './types.js';

// Shapes follow the SDK's own schemas (ConverseStreamOutput / ConverseResponse in
// @aws-sdk/client-bedrock-runtime/dist-es/schemas): each event's JSON payload is the event's members.

export interface BedrockStreamEvent {
  /** The `:event-type` header: the ConverseStreamOutput union member name. */
  eventType: string;
  payload: object;
}

export function converseStreamEvents(plan: ReplyPlan, latencyMs: number): BedrockStreamEvent[] {
  const blocks = contentBlockEvents(plan);
  return [
    { eventType: 'messageStart', payload: { role: 'assistant' } },
    ...blocks,
    { eventType: 'messageStop', payload: { stopReason: plan.stopReason } },
    { eventType: 'metadata', payload: { usage: plan.usage, metrics: { latencyMs } } },
  ];
}

function contentBlockEvents(plan: ReplyPlan): BedrockStreamEvent[] {
  const blocks: ((index: number) => BedrockStreamEvent[])[] = [];
  if (plan.reasoning !== undefined) {
    const reasoning = plan.reasoning;
    blocks.push((index) => reasoningBlockEvents(reasoning, index));
  }
  if (plan.textChunks.length > 0) blocks.push((index) => textBlockEvents(plan.textChunks, index));
  for (const toolUse of plan.toolUses) blocks.push((index) => toolUseBlockEvents(toolUse, index));
  return blocks.flatMap((eventsAt, index) => [
    ...eventsAt(index),
    { eventType: 'contentBlockStop', payload: { contentBlockIndex: index } },
  ]);
}

function delta(contentBlockIndex: number, deltaMembers: object): BedrockStreamEvent {
  return { eventType: 'contentBlockDelta', payload: { contentBlockIndex, delta: deltaMembers } };
}

function reasoningBlockEvents(reasoning: PlannedReasoning, index: number): BedrockStreamEvent[] {
  if ('redacted' in reasoning) return [delta(index, { reasoningContent: { redactedContent: reasoning.redacted } })];
  const events = reasoning.textChunks.map((text) => delta(index, { reasoningContent: { text } }));
  if (reasoning.signature !== undefined) {
    events.push(delta(index, { reasoningContent: { signature: reasoning.signature } }));
  }
  return events;
}

function textBlockEvents(textChunks: readonly string[], index: number): BedrockStreamEvent[] {
  return textChunks.map((text) => delta(index, { text }));
}

function toolUseBlockEvents(toolUse: PlannedToolUse, index: number): BedrockStreamEvent[] {
  return [
    {
      eventType: 'contentBlockStart',
      payload: { contentBlockIndex: index, start: { toolUse: { toolUseId: toolUse.id, name: toolUse.name } } },
    },
    ...toolUse.inputChunks.map((input) => delta(index, { toolUse: { input } })),
  ];
}

export function converseResponseBody(plan: ReplyPlan, latencyMs: number): object {
  return {
    output: { message: { role: 'assistant', content: converseContent(plan) } },
    stopReason: plan.stopReason,
    usage: plan.usage,
    metrics: { latencyMs },
  };
}

function converseContent(plan: ReplyPlan): object[] {
  const content: object[] = [];
  if (plan.reasoning !== undefined) content.push({ reasoningContent: reasoningContentBlock(plan.reasoning) });
  if (plan.textChunks.length > 0) content.push({ text: plan.textChunks.join('') });
  for (const toolUse of plan.toolUses) {
    content.push({ toolUse: { toolUseId: toolUse.id, name: toolUse.name, input: toolUse.input } });
  }
  return content;
}

function reasoningContentBlock(reasoning: PlannedReasoning): object {
  if ('redacted' in reasoning) return { redactedContent: reasoning.redacted };
  const reasoningText: { text: string; signature?: string } = { text: reasoning.textChunks.join('') };
  if (reasoning.signature !== undefined) reasoningText.signature = reasoning.signature;
  return { reasoningText };
}

// ---------------------------------------------------------------- errors

const ERROR_SHAPE_OF_STATUS: Readonly<Record<number, string>> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

export interface BedrockErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { message: string };
}

/** The SDK picks the exception class from `x-amzn-errortype` (the part before the colon). */
export function bedrockErrorResponse(failure: HttpFailure): BedrockErrorResponse {
  const shape = failure.errorType ?? ERROR_SHAPE_OF_STATUS[failure.status] ?? fallbackShape(failure.status);
  return {
    status: failure.status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': `${shape}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    },
    body: { message: failure.message ?? defaultFailureMessage(failure.status) },
  };
}

function fallbackShape(status: number): string {
  return status >= 500 ? 'InternalServerException' : 'ValidationException';
}

export function streamExceptionPayload(failure: StreamFailure): { message: string } {
  return { message: failure.message ?? defaultFailureMessage(failure.exception) };
}
