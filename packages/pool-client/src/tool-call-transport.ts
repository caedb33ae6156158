import type { CallToolRequest, ElicitationSchema, ToolResult } from '@bedrock-mcp/contracts';

export interface ToolProgress {
  progress: number;
  total?: number | undefined;
  message?: string | undefined;
}

/** What the MCP server asks the user during a call (elicitation/create, form mode). */
export interface ElicitationRequest {
  message: string;
  requestedSchema: ElicitationSchema;
}

/** The user's answer, as MCP's ElicitResult: `content` only with accept. */
export interface ElicitationReply {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown>;
}

/**
 * Answers one elicitation of a call; `signal` aborts when the call ended (the answer is then not
 * wanted). A rejection, or an answer outside the contract, answers `cancel`.
 */
export type ElicitationCallback = (request: ElicitationRequest, signal: AbortSignal) => Promise<ElicitationReply>;

export interface CallToolOptions {
  /** Aborting cancels the call at the MCP server (a `cancel` frame on the call socket, or closing the HTTP request). */
  signal?: AbortSignal;
  onProgress?: (progress: ToolProgress) => void;
  /**
   * The caller answers the server's elicitations; the request then opts in (`elicitationTimeoutMs`,
   * see PoolClient.callTool). Without it the pool declines them.
   */
  onElicitation?: ElicitationCallback;
}

export interface ToolCallResult {
  result: ToolResult;
  durationMs: number;
}

/**
 * One way to carry a tool call to the mcp-pool (contracts/pool-api.ts). `call` resolves with the
 * tool's result (isError results included) and rejects with a PoolClientError for the pool's
 * errors, the signal's reason when aborted, or the network error. `close` is idempotent.
 */
export interface ToolCallTransport {
  call(userId: string, request: CallToolRequest, options: CallToolOptions): Promise<ToolCallResult>;
  close(): void;
}

/**
 * A transport that takes only some calls (the call socket: while it is open, for users its replica
 * owns). `available` says whether to try it now; a call it turns away without running rejects with
 * ToolCallRerouted, and goes another way.
 */
export interface PreferredToolCallTransport extends ToolCallTransport {
  available(): boolean;
}

/** The transport did not run the call (the replica does not own the user, or went away first): use another. */
export class ToolCallRerouted extends Error {
  override readonly name = 'ToolCallRerouted';
}
