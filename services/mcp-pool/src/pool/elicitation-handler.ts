import type { ElicitationResponse, ElicitationSchema } from '@bedrock-mcp/contracts';

/** What an MCP server asks the user during a tool call (elicitation/create, form mode). */
interface ElicitationQuestion {
  message: string;
  requestedSchema: ElicitationSchema;
}

/**
 * Answers one elicitation of a call; `signal` aborts when the answer is no longer wanted (the
 * server gave up, or the call was cancelled). Never rejects: no answer is `cancel`.
 */
export type ElicitationHandler = (question: ElicitationQuestion, signal: AbortSignal) => Promise<ElicitationResponse>;
