import type { Usage } from '@bedrock-mcp/contracts';

export const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

/** Token usage summed over model calls; cache counts appear once a call reported them. */
export function addUsage(sum: Usage, call: Usage): Usage {
  const cacheRead = (sum.cacheReadInputTokens ?? 0) + (call.cacheReadInputTokens ?? 0);
  const cacheWrite = (sum.cacheWriteInputTokens ?? 0) + (call.cacheWriteInputTokens ?? 0);
  return {
    inputTokens: sum.inputTokens + call.inputTokens,
    outputTokens: sum.outputTokens + call.outputTokens,
    totalTokens: sum.totalTokens + call.totalTokens,
    ...(cacheRead > 0 ? { cacheReadInputTokens: cacheRead } : {}),
    ...(cacheWrite > 0 ? { cacheWriteInputTokens: cacheWrite } : {}),
  };
}
