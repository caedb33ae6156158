import { randomBytes } from 'node:crypto';
import { splitIntoChunks } from './chunking.js';
import type { EmulatorReply, StopReason } from './types.js';

export interface PlannedToolUse {
  id: string;
  name: string;
  input: Record<string, unknown>;
  /** The JSON-serialized input, split into stream deltas. */
  inputChunks: string[];
}

export type PlannedReasoning = { textChunks: string[]; signature: string | undefined } | { redacted: string };

interface PlannedUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** A reply resolved to everything the wire encoders need: ids, deltas, stop reason, usage. */
export interface ReplyPlan {
  reasoning: PlannedReasoning | undefined;
  textChunks: string[];
  toolUses: PlannedToolUse[];
  stopReason: StopReason;
  usage: PlannedUsage;
  chunkDelayMs: number;
}

export interface PlanDefaults {
  chunkCount: number;
  chunkDelayMs: number;
  toolUseIdPrefix: string;
  /** Size of the request body, for the default input token estimate. */
  requestChars: number;
  /** Bedrock's prompt cache accounting: input tokens are then the uncached rest, as Bedrock reports them. */
  promptCache?: { promptTokens: number; readTokens: number; writeTokens: number } | undefined;
}

export function planReply(reply: EmulatorReply, defaults: PlanDefaults): ReplyPlan {
  const chunkCount = reply.chunkCount ?? defaults.chunkCount;
  const toolUses = (reply.toolUses ?? []).map((toolUse) => {
    const serializedInput = JSON.stringify(toolUse.input);
    return {
      id: toolUse.id ?? generatedId(defaults.toolUseIdPrefix),
      name: toolUse.name,
      input: toolUse.input,
      // At least two fragments, so consumers are always exercised on reassembly.
      inputChunks: splitIntoChunks(serializedInput, Math.max(2, chunkCount)),
    };
  });
  const textChunks = splitIntoChunks(reply.text ?? '', chunkCount);
  const reasoning = planReasoning(reply.reasoning, chunkCount);
  return {
    reasoning,
    textChunks,
    toolUses,
    stopReason: reply.stopReason ?? (toolUses.length > 0 ? 'tool_use' : 'end_turn'),
    usage: planUsage(reply, defaults, outputChars(reply)),
    chunkDelayMs: reply.chunkDelayMs ?? defaults.chunkDelayMs,
  };
}

function planReasoning(reasoning: EmulatorReply['reasoning'], chunkCount: number): PlannedReasoning | undefined {
  if (reasoning === undefined) return undefined;
  if ('redacted' in reasoning) return { redacted: reasoning.redacted };
  return { textChunks: splitIntoChunks(reasoning.text, chunkCount), signature: reasoning.signature };
}

function planUsage(reply: EmulatorReply, defaults: PlanDefaults, replyChars: number): PlannedUsage {
  const cache = defaults.promptCache;
  const cacheRead = reply.usage?.cacheReadInputTokens ?? cache?.readTokens;
  const cacheWrite = reply.usage?.cacheWriteInputTokens ?? cache?.writeTokens;
  const inputTokens = reply.usage?.inputTokens ?? (cache ? Math.max(0, cache.promptTokens - cache.readTokens - cache.writeTokens) : estimateTokens(defaults.requestChars));
  const outputTokens = reply.usage?.outputTokens ?? estimateTokens(replyChars);
  // Bedrock's total counts cache reads and writes too.
  const usage: PlannedUsage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens + (cacheRead ?? 0) + (cacheWrite ?? 0) };
  if (cacheRead !== undefined) usage.cacheReadInputTokens = cacheRead;
  if (cacheWrite !== undefined) usage.cacheWriteInputTokens = cacheWrite;
  return usage;
}

function outputChars(reply: EmulatorReply): number {
  const reasoningChars = reply.reasoning !== undefined && 'text' in reply.reasoning ? reply.reasoning.text.length : 0;
  const toolChars = (reply.toolUses ?? []).reduce((sum, toolUse) => sum + JSON.stringify(toolUse.input).length, 0);
  return (reply.text?.length ?? 0) + reasoningChars + toolChars;
}

/** Roughly four characters per token, at least one. */
function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

export function generatedId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('base64url')}`;
}
