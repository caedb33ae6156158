import type { Logger } from '@bedrock-mcp/common';
import { toolUsesOf, type CatalogTool, type ChatJob, type ClientTool, type ConverseMessage, type FinishReason, type StreamEvent, type ToolResultBlock, type TurnErrorCode } from '@bedrock-mcp/contracts';
import { PoolClientError, type PoolClient } from '@bedrock-mcp/pool-client';
import { HistoryLockTimeoutError, isExchangeStart, mergeConsecutiveRoles, sealConversation, TurnEmitter, type HeldHistoryLock, type HistoryScope, type HistoryStore, type TurnConsumer } from '@bedrock-mcp/turns';
import { conversationOf, type ConversationRecorder } from '../conversation/conversation-recorder.js';
import { keepRecentToolImages } from '../conversation/keep-recent-tool-images.js';
import { ChatInputError, fromChatMessages, systemPromptOf } from '../conversation/from-chat-messages.js';
import type { FetchImageOptions } from '../conversation/image-source.js';
import { ModelCallError } from '../providers/model-errors.js';
import type { ModelProvider, ModelRequest } from '../providers/model-provider.js';
import type { ModelRegistry } from '../providers/model-registry.js';
import { clientToolsOf, deferClientCalls, reportClientCalls } from './client-tools.js';
import { runModelRound, startedEarly } from './model-round.js';
import { applyStructuredAnswer, structuredOutputToolOf } from './structured-output.js';
import { toRoundStop } from './stop-reason.js';
import { addTimeWaitedForPeople, ApprovalRound, supersededByLaterJob, type ApprovalTurn, type Paused } from './approval-round.js';
import type { ToolExecutor, ToolUse } from './tool-executor.js';
import { childController, TurnAbort } from './turn-abort.js';
import { addUsage, ZERO_USAGE } from './usage.js';

interface TurnLimits {
  /** Model rounds per turn (MAX_TURNS). */
  maxTurns: number;
  /** Milliseconds per model call and per whole turn. */
  modelCallTimeoutMs: number;
  turnTimeoutMs: number;
  /** Seconds a person has to answer an approval (APPROVAL_TIMEOUT_S). */
  approvalTimeoutS: number;
  /** Seconds a turn's keys outlive their last write (STREAM_REPLAY_TTL_S): a paused turn's outlive the wait by this much. */
  replayTtlS: number;
  imageFetch: Omit<FetchImageOptions, 'signal'>;
}

export interface TurnRunnerOptions {
  models: ModelRegistry;
  pool: Pick<PoolClient, 'catalog' | 'closeTurnServers'>;
  tools: ToolExecutor;
  /** The turn's side of Redis: events, checkpoints, stop requests, slots (its consumer). */
  turns: Pick<TurnConsumer, 'events' | 'checkpoints' | 'cancels' | 'slots' | 'asks' | 'pauses' | 'conversationApprovals'>;
  history: HistoryStore;
  /** Records the turns of a conversation (conversation_id, or keep_session's default one). */
  conversations: ConversationRecorder;
  limits: TurnLimits;
  logger: Logger;
}

/** A turn-ending failure with the code the client sees. */
class TurnFailure extends Error {
  constructor(
    readonly code: TurnErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface Turn extends ApprovalTurn {
  lock?: HeldHistoryLock;
  resumed: boolean;
  /** The conversation the turn is recorded in, if any. */
  conversationId: string | undefined;
  /** The recording of the user message this job started (none when an earlier job did). */
  questionRecorded?: Promise<void>;
}

/**
 * Runs one chat turn: model round → tool round → … until the model stops, MAX_TURNS, a stop
 * request, a deadline or an error, streaming every step as events and ending with `done`. A turn
 * whose checkpoint exists (its worker died) continues from that checkpoint.
 */
export class TurnRunner {
  /** Turns this process is running now. */
  private running = 0;
  private readonly approvals: ApprovalRound;

  constructor(private readonly options: TurnRunnerOptions) {
    this.approvals = new ApprovalRound({ turns: options.turns, limits: options.limits });
  }

  /**
   * Runs (or resumes) the turn and returns how it ended. `lost` aborts when this worker lost the
   * job's lock: the turn then stops quietly (no events, no checkpoint), as another worker resumes it.
   * `firstAttempt` (no worker started the job before) means there is no checkpoint or event to read.
   */
  async run(job: ChatJob, options: { lost?: AbortSignal; firstAttempt?: boolean; generation?: number } = {}): Promise<FinishReason | Paused> {
    const { checkpoints, events } = this.options.turns;
    const { limits } = this.options;
    const log = this.options.logger.child({ turnId: job.turnId, userId: job.userId });
    const emitter = new TurnEmitter(events, job.turnId, log);
    const [checkpoint, logged] = options.firstAttempt ? [undefined, []] : await Promise.all([checkpoints.load(job.turnId), events.readAfter(job.turnId, 0)]);
    // The log's `done` is the record of an ended turn (appended atomically with the events before it).
    const ended = logged.at(-1);
    if (ended?.type === 'done') return ended.finishReason;
    if (checkpoint?.status === 'done') {
      const finishReason = checkpoint.finishReason ?? 'end_turn';
      this.releaseSlot(job, log);
      void emitter.emit({ type: 'done', finishReason, usage: checkpoint.usage });
      await emitter.flush();
      return finishReason;
    }
    const generation = options.generation ?? 0;
    if (supersededByLaterJob(generation, checkpoint)) {
      log.info({ generation, pauses: checkpoint?.pauses ?? 0 }, 'a later job owns this paused turn; leaving it');
      return 'paused';
    }
    // Events need not be awaited one by one: they go out in order on one connection (see TurnEmitter).
    if (!logged.some((event) => event.type === 'start')) void emitter.emit({ type: 'start', model: job.model, userId: job.userId }, { withNext: true });
    const turn: Turn = {
      job,
      log,
      emitter,
      resumed: checkpoint !== undefined,
      conversationId: conversationOf(job),
      generation,
      requested: new Set(logged.flatMap((event) => (event.type === 'approval_request' ? event.asks.map((ask) => ask.id) : []))),
      answered: new Set(logged.flatMap((event) => (event.type === 'approval_answer' ? [event.askId] : []))),
      // A worker that died before the first checkpoint leaves no start time: the job's creation is the safe bound.
      state: checkpoint ?? { round: 0, messages: [], usage: ZERO_USAGE, history: null, startedAt: options.firstAttempt ? Date.now() : job.createdAt },
    };
    if (generation > 0 && !checkpoint) {
      // Never start a paused turn over from its request: its state outlived the wait plus the replay window.
      return this.finish(turn, 'error', { code: 'internal_error', message: 'the paused turn could not be resumed: its state expired' });
    }
    if (turn.resumed) log.info({ round: turn.state.round, generation }, 'resuming the turn from its checkpoint');
    addTimeWaitedForPeople(turn);

    const control = new AbortController();
    const unwatch = this.options.turns.cancels.watch(job.turnId, () => control.abort(new TurnAbort('stop_requested', 'stop requested')));
    // Read after watching, so a stop requested before the turn reached this worker is seen one way or the other.
    // Awaited only before this run's first model or tool round: the round trip overlaps the turn's preparation.
    const stoppedEarly = this.options.turns.cancels.isCancelRequested(job.turnId);
    stoppedEarly.catch(() => undefined);
    const onLost = () => control.abort(new TurnAbort('lock_lost', 'this worker lost the turn to another worker'));
    options.lost?.addEventListener('abort', onLost, { once: true });
    const remainingMs = turn.state.startedAt + (turn.state.waitedMs ?? 0) + limits.turnTimeoutMs - Date.now();
    const deadline = setTimeout(
      () => control.abort(new TurnAbort('turn_timeout', `the turn took longer than TURN_TIMEOUT_MS (${limits.turnTimeoutMs} ms)`)),
      Math.max(0, remainingMs),
    );
    this.running += 1;
    try {
      const resolved = this.options.models.resolve(job.model);
      if (!resolved) throw new TurnFailure('invalid_request', `unknown model ${job.model}; conf/config.json lists ${this.options.models.modelIds.join(', ')}`);
      const finishReason = await this.loop(turn, resolved, control.signal, logged, stoppedEarly);
      return finishReason === 'paused' ? finishReason : await this.finish(turn, finishReason);
    } catch (error) {
      return await this.fail(turn, error);
    } finally {
      this.running -= 1;
      clearTimeout(deadline);
      unwatch();
      options.lost?.removeEventListener('abort', onLost);
      if (options.lost?.aborted) turn.lock?.abandon();
      else await turn.lock?.release().catch((error: unknown) => log.warn({ err: error }, 'could not release the history lock'));
      // Ended or paused: the request's own servers go (a job resuming the turn connects again); not when another worker goes on with it.
      if (job.requestServers?.length && !options.lost?.aborted) {
        await this.options.pool.closeTurnServers(job.userId, job.turnId).catch((error: unknown) => log.warn({ err: error }, "could not close the turn's request servers; the pool stops them once idle"));
      }
    }
  }

  private async loop(
    turn: Turn,
    resolved: NonNullable<ReturnType<ModelRegistry['resolve']>>,
    signal: AbortSignal,
    logged: readonly StreamEvent[],
    stoppedEarly: Promise<boolean>,
  ): Promise<FinishReason | Paused> {
    const { job, state, emitter } = turn;
    const { limits } = this.options;
    let earlyStopChecked = false;
    const throwIfStopped = async () => {
      if (signal.aborted) throw signal.reason;
      if (earlyStopChecked) return; // later stops arrive through the watch
      earlyStopChecked = true;
      if (await stoppedEarly) throw new TurnAbort('stop_requested', 'stop requested');
    };
    if (job.keepSession) turn.lock = await this.acquireLock(job, signal);
    if (!turn.resumed) {
      // A conversation deleted while its turn waited in the queue was stopped first: recording the
      // question now would bring the conversation back.
      if (turn.conversationId) await throwIfStopped();
      await this.startConversation(turn, resolved.model, signal);
    }
    const system = systemPromptOf(job.messages);
    const tools = await this.catalog(turn, signal);
    const clientTools = clientToolsOf(job, tools);
    if ('conflict' in clientTools) throw new TurnFailure('invalid_request', clientTools.conflict);
    const outputTool = structuredOutputToolOf(job, resolved.provider.name);
    if (outputTool && (tools.has(outputTool.name) || clientTools.has(outputTool.name))) {
      throw new TurnFailure('invalid_request', `response_format.json_schema.name: ${outputTool.name} is already the name of one of the turn's tools; rename the schema`);
    }
    const namedChoice = job.toolChoice !== undefined && typeof job.toolChoice === 'object' ? job.toolChoice.function.name : undefined;
    if (namedChoice !== undefined && !tools.has(namedChoice) && !clientTools.has(namedChoice)) {
      throw new TurnFailure('invalid_request', `tool_choice.function.name: ${namedChoice} is none of the turn's tools (tools, or the tools of mcp_server_ids)`);
    }
    const alreadyReported = new Set(logged.flatMap((event) => (event.type === 'tool_call' ? [`call:${event.toolUseId}`] : event.type === 'tool_result' ? [`result:${event.toolUseId}`] : [])));
    // A round whose start is already in the log was under way when the previous worker died: clients drop its partial output.
    const loggedRounds = new Set(logged.flatMap((event) => (event.type === 'round_start' && event.round !== undefined ? [event.round] : [])));

    for (;;) {
      const last = state.messages.at(-1);
      if (last?.role === 'assistant' && state.lastStop !== undefined) {
        const toolUses = toolUsesOf(last);
        if (state.lastStop === 'error') throw new TurnFailure('model_error', 'the model stopped with malformed output');
        if (state.lastStop !== 'tool_use' || toolUses.length === 0) return state.lastStop;
        const clientCalls = toolUses.filter((toolUse) => clientTools.has(toolUse.name));
        if (clientCalls.length === toolUses.length) {
          // The client runs them: the turn ends here and its next request carries their results.
          reportClientCalls(clientCalls, emitter, alreadyReported);
          return 'tool_use';
        }
        if (state.round >= limits.maxTurns) return 'max_turns';
        await throwIfStopped();
        const mcpCalls = clientCalls.length === 0 ? toolUses : toolUses.filter((toolUse) => !clientTools.has(toolUse.name));
        const results = await this.toolRound(turn, mcpCalls, tools, signal, alreadyReported);
        if (results === 'paused') return results;
        state.messages.push({ role: 'user', content: [...results, ...deferClientCalls(clientCalls, emitter, alreadyReported)] });
        delete state.invalidToolInputs;
        delete state.pause;
        await this.checkpoint(turn);
        if (signal.aborted) throw signal.reason;
        continue;
      }
      if (state.round >= limits.maxTurns) return 'max_turns';
      if (signal.aborted) throw signal.reason;
      state.messages = keepRecentToolImages(state.messages, job.onlyNMostRecentImages);
      const request = this.modelRequest(job, resolved.model, system, state.messages, { mcp: tools, client: clientTools, output: outputTool }, state.round === 0);
      // A worker running no other turn sends its first model call while the stop check is still in
      // flight (time to first token). A busy one waits for it: the checks of many turns come back
      // together, and their calls then go out back to back, which costs the worker about 10 % less
      // CPU per turn than starting each call on its own (bench/gateway, 64 concurrent turns).
      if (this.running > 1) await throwIfStopped();
      const result = await this.callModel(resolved.provider, request, signal, emitter, { emitText: !outputTool }, async () => {
        await throwIfStopped();
        state.round += 1;
        void emitter.emit({ type: 'round_start', round: state.round, ...(loggedRounds.has(state.round) ? { resumed: true } : {}) });
      });
      if (outputTool) applyStructuredAnswer(result, outputTool.name, emitter);
      const stop = toRoundStop(result.stopReason);
      state.messages.push(result.message);
      state.lastStop = stop.finishReason;
      if (result.invalidToolInputs.size > 0) state.invalidToolInputs = Object.fromEntries(result.invalidToolInputs);
      if (result.usage) state.usage = addUsage(state.usage, result.usage);
      void emitter.emit({ type: 'round_end', round: state.round, stopReason: stop.finishReason });
      void emitter.emit({ type: 'usage', usage: state.usage });
      // Durable before any tool runs: a worker taking over must see this round's tool-use ids, or it would ask the model again and get new ones.
      // A round that ends the turn goes straight to the done checkpoint, unless the history is saved in between.
      const endsTurn = stop.finishReason !== 'tool_use' || toolUsesOf(result.message).length === 0;
      if (!endsTurn || turn.lock) await this.checkpoint(turn);
    }
  }

  /**
   * Runs a round's tool uses. Calls that need a person's approval (and were not approved for the
   * conversation) pause the turn: the others run first, then the pause records the asks. The job
   * that resumes the pause runs the round with the people's decisions.
   */
  private async toolRound(
    turn: Turn,
    toolUses: ToolUse[],
    tools: ReadonlyMap<string, CatalogTool>,
    signal: AbortSignal,
    alreadyReported: ReadonlySet<string>,
  ): Promise<ToolResultBlock[] | Paused> {
    const { job, state } = turn;
    const invalidInputs = new Map(Object.entries(state.invalidToolInputs ?? {}));
    const round = { turnId: job.turnId, userId: job.userId, tools, requestServers: job.requestServers, requireApproval: job.requireApproval, emitter: turn.emitter, signal, invalidInputs, alreadyReported };
    // A pause whose job died before it ended: redo it (same asks, same resume job).
    const unfinished = this.approvals.unfinishedPause(turn);
    if (unfinished) return this.approvals.pause(turn, unfinished);
    const { decisions, known, asks } = await this.approvals.decide(turn, toolUses, tools, invalidInputs);
    if (asks.length === 0) return this.options.tools.run(toolUses, { ...round, decisions, known });

    const asked = new Set(asks.map((ask) => ask.toolUseId));
    const others = toolUses.filter((toolUse) => !asked.has(toolUse.toolUseId));
    const results = await this.options.tools.run(others, { ...round, decisions, known });
    if (signal.aborted) throw signal.reason;
    for (const result of results) known.set(result.toolResult.toolUseId, result);
    return this.approvals.pauseFor(turn, asks, known);
  }

  private async startConversation(turn: Turn, model: NonNullable<ReturnType<ModelRegistry['resolve']>>['model'], signal: AbortSignal): Promise<void> {
    const { job, state } = turn;
    let converted;
    try {
      converted = await fromChatMessages(job.messages, {
        supportsImages: model.supports_images,
        supportsDocuments: model.supports_documents,
        imageFetch: { ...this.options.limits.imageFetch, signal },
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof ChatInputError) throw new TurnFailure('invalid_request', error.message);
      throw error;
    }
    if (converted.messages.length === 0) throw new TurnFailure('invalid_request', 'messages: there is no user message to answer');
    const loaded = job.keepSession ? await this.options.history.load(historyScopeOf(job)) : undefined;
    let history = loaded?.messages;
    if (turn.conversationId) {
      const latest = converted.messages.at(-1);
      // Tool messages answering client tool calls continue the last exchange: they are no question to record.
      const start = await this.options.conversations.begin(job, turn.conversationId, latest && isExchangeStart(latest) ? latest : undefined, loaded);
      history = start.history;
      turn.questionRecorded = start.recorded;
    }
    if (loaded) state.history = loaded.version;
    state.messages = sealConversation([...(history ?? []), ...converted.messages]);
    // Tool messages whose tool_call_id matches no pending call are sealed away, leaving nothing to answer.
    if (job.messages.at(-1)?.role === 'tool' && state.messages.at(-1)?.role !== 'user') {
      throw new TurnFailure('invalid_request', 'messages: the tool messages answer no tool call the conversation is waiting for (check each tool_call_id)');
    }
    if (state.messages.length === 0) throw new TurnFailure('invalid_request', 'messages: there is no user message to answer');
    // No checkpoint yet: a worker taking over before the first round ends starts the same way from the job.
  }

  /**
   * The model call: the MCP tools, the client's and (Bedrock json_schema) the structured-output
   * tool, which every call must then call or call another tool (`required`). Otherwise the
   * request's tool_choice goes to the turn's first model call only (`none` to every one): a forced
   * call answered by an MCP tool would otherwise force another, round after round.
   */
  private modelRequest(
    job: ChatJob,
    model: ModelRequest['model'],
    system: string[],
    messages: ConverseMessage[],
    tools: { mcp: ReadonlyMap<string, CatalogTool>; client: ReadonlyMap<string, ClientTool>; output: ClientTool | undefined },
    firstRound: boolean,
  ): ModelRequest {
    const mcpTools = [...tools.mcp.values()].map((tool) => ({ name: tool.name, description: tool.description, inputSchema: tool.inputSchema }));
    return {
      modelId: job.model,
      model,
      system,
      messages: mergeConsecutiveRoles(messages),
      tools: [...mcpTools, ...tools.client.values(), ...(tools.output ? [tools.output] : [])],
      toolChoice: tools.output ? 'required' : firstRound || job.toolChoice === 'none' ? job.toolChoice : undefined,
      responseFormat: tools.output ? undefined : job.responseFormat,
      maxTokens: job.maxTokens,
      temperature: job.temperature,
      topP: job.topP,
      topK: job.topK,
      stopSequences: job.stopSequences,
      thinking: job.thinking.enabled && model.supports_thinking ? { budgetTokens: job.thinking.budgetTokens } : undefined,
      promptCaching: job.promptCaching,
    };
  }

  /**
   * One model round. The request goes out before `beforeOutput` (the stop check, the round's
   * start event) has finished, so a pending stop check can overlap the model's own latency; nothing
   * of the call is emitted before it, and the call is aborted when it throws.
   */
  private async callModel(provider: ModelProvider, request: ModelRequest, signal: AbortSignal, emitter: TurnEmitter, output: { emitText: boolean }, beforeOutput: () => Promise<void>) {
    const { modelCallTimeoutMs } = this.options.limits;
    const call = childController(signal, modelCallTimeoutMs, () => new TurnAbort('call_timeout', `the model call took longer than MODEL_CALL_TIMEOUT_MS (${modelCallTimeoutMs} ms)`));
    try {
      const stream = startedEarly(provider.converseStream(request, call.signal));
      await beforeOutput();
      return await runModelRound(stream, emitter, output);
    } catch (error) {
      call.abort(error);
      throw error;
    } finally {
      call.dispose();
    }
  }

  private async catalog(turn: Turn, signal: AbortSignal): Promise<Map<string, CatalogTool>> {
    const { job, log } = turn;
    const requestServers = job.requestServers ?? [];
    if (job.mcpServerIds.length === 0 && requestServers.length === 0) return new Map();
    try {
      const catalog = await this.options.pool.catalog(job.userId, job.mcpServerIds, signal, requestServers);
      for (const failed of catalog.errors) log.warn({ serverId: failed.serverId, reason: failed.message }, 'a server of the turn could not list its tools');
      return new Map(catalog.tools.map((tool) => [tool.name, tool]));
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const message = error instanceof PoolClientError ? `${error.code}: ${error.message}` : (error as Error).message;
      const servers = [...job.mcpServerIds, ...requestServers.map((server) => server.serverId)];
      throw new TurnFailure('tool_catalog_error', `could not get the tools of ${servers.join(', ')} from the mcp-pool: ${message}`);
    }
  }

  private async acquireLock(job: ChatJob, signal: AbortSignal): Promise<HeldHistoryLock> {
    try {
      return await this.options.history.lock(historyScopeOf(job), job.turnId, signal);
    } catch (error) {
      if (error instanceof HistoryLockTimeoutError) throw new TurnFailure('timeout', error.message);
      if (signal.aborted) throw signal.reason;
      throw error;
    }
  }

  private checkpoint(turn: Turn): Promise<void> {
    return this.options.turns.checkpoints.save(turn.job.turnId, { ...turn.state, status: 'running' });
  }

  private async fail(turn: Turn, error: unknown): Promise<FinishReason> {
    if (error instanceof TurnAbort) {
      if (error.kind === 'lock_lost') {
        turn.log.warn('lost the turn to another worker; stopping here');
        await turn.emitter.flush().catch(() => {});
        return 'error';
      }
      if (error.kind === 'stop_requested') return this.finish(turn, 'stop_requested');
      return this.finish(turn, 'error', { code: 'timeout', message: error.message });
    }
    if (error instanceof TurnFailure) return this.finish(turn, 'error', { code: error.code, message: error.message });
    if (error instanceof ModelCallError) {
      turn.log.warn({ failure: error.failure, reason: error.message }, 'model call failed');
      return this.finish(turn, 'error', { code: error.turnErrorCode, message: error.message });
    }
    turn.log.error({ err: error }, 'turn failed');
    return this.finish(turn, 'error', { code: 'internal_error', message: 'internal error while running the turn' });
  }

  /**
   * Records the answer before `done`, so a client that reloads the conversation when it sees
   * `done` finds it there; the answer is read back from the event log, so every event before
   * `done` must be in it first.
   */
  private async recordAnswer(turn: Turn, conversationId: string, finishReason: FinishReason): Promise<void> {
    await turn.questionRecorded;
    try {
      await turn.emitter.flush();
    } catch {
      return; // the log is not whole: the emitter has logged why
    }
    await this.options.conversations.finish(turn.job, conversationId, { finishReason, usage: turn.state.usage });
  }

  /**
   * Frees the user's concurrent-turn slot. Sent just before `done` on the same connection, so a
   * client that starts its next turn when it sees `done` finds the slot free; not awaited.
   */
  private releaseSlot(job: ChatJob, log: Logger): void {
    this.options.turns.slots.release(job).catch((error: unknown) => log.warn({ err: error }, 'could not release the turn slot; it expires on its own'));
  }

  /**
   * Ends the turn: the error (if any), the history (keep_session; not after an error, so a
   * message the model refuses does not poison every later turn), `done`. The log's `done` is the
   * turn's record; a done checkpoint is written first only after a history save, so a worker
   * taking over between the save and `done` does not save the history twice.
   */
  private async finish(turn: Turn, finishReason: FinishReason, error?: { code: TurnErrorCode; message: string }): Promise<FinishReason> {
    const { job, state, emitter, log } = turn;
    if (error) void emitter.emit({ type: 'error', code: error.code, message: error.message });
    await this.approvals.closeAsks(turn);
    if (turn.conversationId) await this.recordAnswer(turn, turn.conversationId, finishReason);
    let saved: Promise<void> | undefined;
    if (turn.lock && state.history && finishReason !== 'error') {
      const outcome = await this.options.history.save(historyScopeOf(job), turn.lock.token, state.messages, state.history);
      if (outcome !== 'saved') log.warn({ outcome }, 'the history was not saved');
      // One connection carries both, in this order: the checkpoint is written before `done` is visible.
      saved = this.options.turns.checkpoints.save(job.turnId, { ...state, messages: [], status: 'done', finishReason });
      saved.catch(() => undefined);
    }
    this.releaseSlot(job, log);
    void emitter.emit({ type: 'done', finishReason, usage: state.usage });
    await saved;
    await emitter.flush();
    log.info({ finishReason, rounds: state.round, usage: state.usage, errorCode: error?.code }, 'turn finished');
    return finishReason;
  }
}

/** The history a keep_session turn continues: its `conversation_id`'s, or the user's default conversation without one. */
function historyScopeOf(job: ChatJob): HistoryScope {
  return { userId: job.userId, conversationId: job.conversationId ?? null };
}
