import type { Logger } from '@bedrock-mcp/common';
import type { ApprovalPolicy, CatalogTool, RequestServer, ToolResult, ToolResultBlock } from '@bedrock-mcp/contracts';
import { CatalogToolCaller, type PoolClient } from '@bedrock-mcp/pool-client';
import type { ToolLedger, TurnEmitter } from '@bedrock-mcp/turns';
import { errorToolResult, toToolResultBlock } from '../conversation/tool-result-blocks.js';
import { approvalReason } from './approval-gate.js';
import { refusalOf, withApprovalNotes, type ApprovalDecision } from './approval-round.js';
import type { ElicitationRelay } from './elicitation-relay.js';
import { TurnAbort } from './turn-abort.js';

export interface ToolUse {
  toolUseId: string;
  name: string;
  input: unknown;
}

export interface ToolExecutorOptions {
  pool: Pick<PoolClient, 'callTool'>;
  ledger: ToolLedger;
  /** Whether a stop was requested for the turn (checked before each tool starts). */
  isCancelRequested: (turnId: string) => Promise<boolean>;
  /** Milliseconds the pool gives one tool call; the HTTP call itself gets a little more. */
  toolCallTimeoutMs: number;
  /** Puts the servers' elicitations to the turn's person; without it the pool declines them. */
  elicitations?: ElicitationRelay;
  logger: Logger;
}

export interface ToolRound {
  turnId: string;
  userId: string;
  /** The turn's catalog by model-facing name. */
  tools: ReadonlyMap<string, CatalogTool>;
  /** The request's own remote servers (their calls carry their config to the pool). */
  requestServers?: readonly RequestServer[];
  /** The request's `require_approval`, on top of each server's own policy. */
  requireApproval: ApprovalPolicy | undefined;
  emitter: TurnEmitter;
  signal: AbortSignal;
  /** toolUseId → why its input cannot be used (from the model round). */
  invalidInputs: ReadonlyMap<string, string>;
  /** Events already in the turn's log (a resumed turn): `call:<id>` and `result:<id>` are not sent again. */
  alreadyReported: ReadonlySet<string>;
  /** toolUseId → the decision on a call that needs approval; a call needing one without it is refused. */
  decisions?: ReadonlyMap<string, ApprovalDecision>;
  /** toolUseId → the result of a call run before the turn paused. */
  known?: ReadonlyMap<string, ToolResultBlock>;
}

/** Slack (ms) on top of the pool's own tool timeout before the worker gives up on the HTTP call. */
const CALL_GRACE_MS = 5000;

/**
 * Runs one model turn's tool uses concurrently through the pool. Each runs at most once per turn
 * (ToolLedger); a tool that fails — pool error, unknown tool, bad input, isError — or that a person
 * denied or left unanswered (approval-round.ts pauses the turn for the decisions) gives an
 * error result the model sees rather than failing the turn. Results come back in the tool uses' order.
 */
export class ToolExecutor {
  constructor(private readonly options: ToolExecutorOptions) {}

  run(toolUses: readonly ToolUse[], round: ToolRound): Promise<ToolResultBlock[]> {
    const { pool, toolCallTimeoutMs } = this.options;
    const caller = new CatalogToolCaller(round.tools, { pool, timeoutMs: toolCallTimeoutMs, graceMs: CALL_GRACE_MS, ...(round.requestServers ? { requestServers: round.requestServers } : {}) });
    return Promise.all(toolUses.map((toolUse) => this.runOne(toolUse, round, caller)));
  }

  private async runOne(given: ToolUse, round: ToolRound, caller: CatalogToolCaller): Promise<ToolResultBlock> {
    const { emitter, alreadyReported } = round;
    const known = round.known?.get(given.toolUseId);
    if (known) return known;
    const decision = round.decisions?.get(given.toolUseId);
    const edited = decision?.kind === 'approved' && decision.arguments !== undefined;
    const toolUse = edited ? { ...given, input: decision.arguments } : given;
    const catalogTool = caller.tool(toolUse.name);
    if (!alreadyReported.has(`call:${toolUse.toolUseId}`)) {
      void emitter.emit({
        type: 'tool_call',
        toolUseId: toolUse.toolUseId,
        name: toolUse.name,
        ...(catalogTool ? { serverId: catalogTool.serverId, toolName: catalogTool.toolName } : {}),
        input: toolUse.input,
      });
    }
    const { result, durationMs } = await this.resultOf(toolUse, catalogTool, round, caller);
    if (!alreadyReported.has(`result:${toolUse.toolUseId}`)) {
      void emitter.emit({ type: 'tool_result', toolUseId: toolUse.toolUseId, name: toolUse.name, content: result.content, isError: result.isError, durationMs });
    }
    return toToolResultBlock(toolUse.toolUseId, result);
  }

  private async resultOf(toolUse: ToolUse, catalogTool: CatalogTool | undefined, round: ToolRound, caller: CatalogToolCaller): Promise<{ result: ToolResult; durationMs: number }> {
    const invalid = round.invalidInputs.get(toolUse.toolUseId);
    if (invalid) return { result: errorToolResult(`Tool ${toolUse.name} was not called: ${invalid}.`), durationMs: 0 };
    if (!catalogTool) return { result: errorToolResult(`Tool ${toolUse.name} does not exist; use one of the tools offered.`), durationMs: 0 };
    const decision = round.decisions?.get(toolUse.toolUseId);
    const refusal = refusalOf(toolUse.name, approvalReason(catalogTool, round.requireApproval), decision);
    if (refusal) return { result: refusal, durationMs: 0 };

    const claim = await this.options.ledger.claim(round.turnId, toolUse.toolUseId);
    if (!claim.claimed) {
      if (claim.entry?.status === 'done') return { result: claim.entry.result, durationMs: claim.entry.durationMs };
      return {
        result: errorToolResult(
          `Tool ${toolUse.name} was interrupted: the worker running it stopped before it finished. It was not run again, since it may have had effects; check its effects before calling it again.`,
        ),
        durationMs: 0,
      };
    }
    const outcome = withApprovalNotes(await this.call(toolUse, catalogTool, round, caller), decision);
    await this.options.ledger.complete(round.turnId, toolUse.toolUseId, outcome.result, outcome.durationMs);
    return outcome;
  }

  private async call(toolUse: ToolUse, tool: CatalogTool, round: ToolRound, caller: CatalogToolCaller): Promise<{ result: ToolResult; durationMs: number }> {
    const started = Date.now();
    const log = this.options.logger.child({ turnId: round.turnId, userId: round.userId, serverId: tool.serverId, tool: tool.toolName, toolUseId: toolUse.toolUseId });
    if (round.signal.aborted || (await this.options.isCancelRequested(round.turnId))) {
      return { result: errorToolResult(`Tool ${toolUse.name} was not run: the turn was stopped.`), durationMs: 0 };
    }
    const { elicitations } = this.options;
    const outcome = await caller.call({
      ...(elicitations
        ? {
            onElicitation: elicitations.forCall({ turnId: round.turnId, toolUseId: toolUse.toolUseId, serverId: tool.serverId, emitter: round.emitter }),
            elicitationTimeoutMs: elicitations.poolWaitMs,
          }
        : {}),
      userId: round.userId,
      name: toolUse.name,
      toolUseId: toolUse.toolUseId,
      input: toolUse.input as Record<string, unknown>,
      signal: round.signal,
      onProgress: (progress) => {
        void round.emitter.emit({
          type: 'tool_progress',
          toolUseId: toolUse.toolUseId,
          progress: progress.progress,
          ...(progress.total !== undefined ? { total: progress.total } : {}),
          ...(progress.message !== undefined ? { message: progress.message } : {}),
        });
      },
    });
    if (outcome.kind === 'result') {
      const { result, durationMs } = outcome;
      log.info({ durationMs, isError: result.isError }, 'tool call finished');
      return { result, durationMs };
    }
    const durationMs = Date.now() - started;
    switch (outcome.kind) {
      case 'unknown_tool':
        return { result: errorToolResult(`Tool ${toolUse.name} does not exist; use one of the tools offered.`), durationMs: 0 };
      case 'cancelled': {
        const reason = round.signal.reason instanceof TurnAbort && round.signal.reason.kind === 'stop_requested' ? 'the turn was stopped' : 'the turn timed out';
        return { result: errorToolResult(`Tool ${toolUse.name} was cancelled: ${reason}.`), durationMs };
      }
      case 'timed_out':
        log.warn({ durationMs }, 'tool call timed out');
        return { result: errorToolResult(`Tool ${toolUse.name} did not answer within ${this.options.toolCallTimeoutMs} ms.`), durationMs };
      case 'pool_error':
        log.warn({ code: outcome.error.code, durationMs }, 'tool call failed in the pool');
        return { result: errorToolResult(`Tool ${toolUse.name} failed (${outcome.error.code}): ${outcome.error.message}`), durationMs };
      case 'failed':
        log.error({ err: outcome.error, durationMs }, 'tool call failed');
        return { result: errorToolResult(`Tool ${toolUse.name} failed: ${(outcome.error as Error).message}`), durationMs };
    }
  }
}
