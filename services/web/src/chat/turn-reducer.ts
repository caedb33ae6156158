import type { AskOutcome, FinishReason, StreamEvent, ToolResultPart, TurnAsk, Usage } from '@bedrock-mcp/contracts';

/** A tool result part as shown: streamed ones carry their bytes; a stored conversation's point to its blob (`url`). */
export type ShownResultPart = ToolResultPart & { url?: string };

/** `waiting`: the turn is paused on asks (approvals, elicitations) no one has answered yet. */
type TurnStatus = 'sending' | 'streaming' | 'waiting' | 'done' | 'stopped' | 'error';
/** `client`: one of an API caller's own function tools, handed to that caller to run (seen in a conversation's record). */
export type ToolStatus = 'preparing' | 'running' | 'done' | 'error' | 'cancelled' | 'client';

interface BlockBase {
  id: string;
  /** The model round that produced it (0 before the first round_start). */
  round: number;
}
interface TextBlock extends BlockBase {
  kind: 'text';
  text: string;
}
export interface ThinkingBlock extends BlockBase {
  kind: 'thinking';
  text: string;
  redacted: boolean;
  /** The model moved on (text, a tool call or a new round followed). */
  closed: boolean;
}
interface ToolProgress {
  progress: number;
  total?: number;
  message?: string;
}
export interface ToolBlock extends BlockBase {
  kind: 'tool';
  toolUseId: string;
  /** The model-facing tool name. */
  name: string;
  serverId?: string;
  /** The tool's own name on its MCP server. */
  toolName?: string;
  /** The input JSON as the model streams it. */
  inputText: string;
  input?: unknown;
  status: ToolStatus;
  progress?: ToolProgress;
  result?: ShownResultPart[];
  durationMs?: number;
}
/** One thing the turn asks the person (an approval or an elicitation), and how it ended. */
export interface AskBlock extends BlockBase {
  kind: 'ask';
  ask: TurnAsk;
  /** epoch ms: after it the platform answers for the person (expired). */
  expiresAt: number;
  outcome?: AskOutcome;
  /** Approved with the person's own arguments. */
  edited?: boolean;
}
export type TurnBlock = TextBlock | ThinkingBlock | ToolBlock | AskBlock;

interface TurnError {
  code: string;
  message: string;
}

/** Everything the UI shows of one assistant answer, rebuilt from the turn's events. */
export interface TurnState {
  requestId: string;
  turnId?: string;
  status: TurnStatus;
  /** The highest seq applied; every event up to it has been applied exactly once. */
  lastSeq: number;
  /** Events that arrived after a gap, waiting for the missing ones (sorted by seq). */
  pending: StreamEvent[];
  blocks: TurnBlock[];
  model?: string;
  round: number;
  usage?: Usage;
  finishReason?: FinishReason;
  error?: TurnError;
  stopRequested: boolean;
  /** epoch ms, from the events */
  startedAt?: number;
  endedAt?: number;
}

export type TurnAction =
  | { type: 'event'; event: StreamEvent }
  | { type: 'accepted'; turnId: string }
  | { type: 'stop_requested' }
  | { type: 'failed'; error: TurnError }
  /** Give up waiting for missing events (the replay log no longer has them): apply what is buffered. */
  | { type: 'skip_gap' };

/** Out-of-order events kept at most; beyond it the gap is skipped. */
export const MAX_PENDING_EVENTS = 2000;

export function createTurn(requestId: string): TurnState {
  return { requestId, status: 'sending', lastSeq: 0, pending: [], blocks: [], round: 0, stopRequested: false };
}

export function isTurnActive(turn: TurnState): boolean {
  return turn.status === 'sending' || turn.status === 'streaming' || turn.status === 'waiting';
}

/** The asks of the turn still waiting for an answer (none once the turn ended). */
export function pendingAsks(turn: TurnState): AskBlock[] {
  if (!isTurnActive(turn)) return [];
  return turn.blocks.filter((block): block is AskBlock => block.kind === 'ask' && block.outcome === undefined);
}

/**
 * Pure: applies one action. Events are applied strictly in seq order, each once: a repeated
 * seq (replay after a reconnect) is ignored, and an event after a gap waits in `pending` until
 * the gap is filled (or `skip_gap`).
 */
export function reduceTurn(turn: TurnState, action: TurnAction): TurnState {
  switch (action.type) {
    case 'accepted':
      return { ...turn, turnId: action.turnId, status: turn.status === 'sending' ? 'streaming' : turn.status };
    case 'stop_requested':
      return isTurnActive(turn) ? { ...turn, stopRequested: true } : turn;
    case 'failed':
      if (!isTurnActive(turn)) return turn;
      return { ...closeOpenWork(turn), status: 'error', error: action.error };
    case 'skip_gap': {
      let next: TurnState = { ...turn, pending: [] };
      for (const event of turn.pending) next = applyEvent(next, event);
      return next;
    }
    case 'event':
      return receiveEvent(turn, action.event);
  }
}

function receiveEvent(turn: TurnState, event: StreamEvent): TurnState {
  // A finished answer is final: a stored one (lastSeq 0) must not take a late replay of its own
  // turn's events, which a page that switched from following it to its record can still receive.
  if (!isTurnActive(turn) || event.seq <= turn.lastSeq) return turn;
  if (event.seq > turn.lastSeq + 1) {
    if (turn.pending.some((waiting) => waiting.seq === event.seq)) return turn;
    const pending = [...turn.pending, event].sort((a, b) => a.seq - b.seq);
    const buffered = { ...turn, pending };
    return pending.length > MAX_PENDING_EVENTS ? reduceTurn(buffered, { type: 'skip_gap' }) : buffered;
  }
  let next = applyEvent(turn, event);
  while (next.pending[0] && next.pending[0].seq <= next.lastSeq + 1) {
    const [head, ...rest] = next.pending;
    next = head.seq === next.lastSeq + 1 ? applyEvent({ ...next, pending: rest }, head) : { ...next, pending: rest };
  }
  return next;
}

function applyEvent(base: TurnState, event: StreamEvent): TurnState {
  const turn: TurnState = {
    ...base,
    lastSeq: event.seq,
    turnId: base.turnId ?? event.turnId,
    status: base.status === 'sending' ? 'streaming' : base.status,
  };
  switch (event.type) {
    case 'start':
      return { ...turn, model: event.model, startedAt: event.ts };
    case 'round_start': {
      // A round re-run by a worker that took the turn over starts again: its partial output goes
      // (what the person was asked, and answered, stays).
      const kept = event.resumed ? turn.blocks.filter((block) => block.round !== event.round || block.kind === 'ask') : turn.blocks;
      return { ...turn, round: event.round, blocks: closeThinking(kept) };
    }
    case 'text_delta':
      return { ...turn, blocks: appendText(turn.blocks, event.text, event.seq, turn.round) };
    case 'reasoning_delta':
      return { ...turn, blocks: appendReasoning(turn.blocks, event, event.seq, turn.round) };
    case 'tool_input_delta':
      return {
        ...turn,
        blocks: upsertTool(turn.blocks, event.toolUseId, event.name, turn.round, (tool) => ({ ...tool, inputText: tool.inputText + event.partialJson })),
      };
    case 'tool_call':
      return {
        ...turn,
        blocks: upsertTool(turn.blocks, event.toolUseId, event.name, turn.round, (tool) => ({
          ...tool,
          name: event.name,
          serverId: event.serverId,
          toolName: event.toolName,
          input: event.input,
          inputText: tool.inputText || safeStringify(event.input),
          status: 'running',
        })),
      };
    case 'tool_progress':
      return {
        ...turn,
        blocks: updateTool(turn.blocks, event.toolUseId, (tool) => ({
          ...tool,
          progress: { progress: event.progress, total: event.total, message: event.message },
        })),
      };
    case 'tool_result':
      return {
        ...turn,
        blocks: upsertTool(turn.blocks, event.toolUseId, event.name, turn.round, (tool) => ({
          ...tool,
          status: event.isError ? 'error' : 'done',
          result: event.content,
          durationMs: event.durationMs,
        })),
      };
    case 'approval_request':
      return withWaiting({ ...turn, blocks: addAsks(turn.blocks, event.asks, event.expiresAt, turn.round) });
    case 'approval_answer':
      return withWaiting({
        ...turn,
        blocks: turn.blocks.map((block) =>
          block.kind === 'ask' && block.ask.id === event.askId ? { ...block, outcome: event.outcome, ...(event.edited ? { edited: true } : {}) } : block,
        ),
      });
    case 'round_end':
      return turn;
    case 'usage':
      return { ...turn, usage: event.usage };
    case 'error':
      return { ...turn, error: { code: event.code, message: event.message } };
    case 'done': {
      const status: TurnStatus =
        event.finishReason === 'stop_requested' ? 'stopped' : event.finishReason === 'error' || turn.error ? 'error' : 'done';
      return { ...closeOpenWork(turn), status, finishReason: event.finishReason, usage: event.usage ?? turn.usage, endedAt: event.ts };
    }
  }
}

/** An ask seen again (a replay) is not added twice. */
function addAsks(blocks: TurnBlock[], asks: readonly TurnAsk[], expiresAt: number, round: number): TurnBlock[] {
  const known = new Set(blocks.flatMap((block) => (block.kind === 'ask' ? [block.ask.id] : [])));
  const added = asks.filter((ask) => !known.has(ask.id)).map((ask): AskBlock => ({ kind: 'ask', id: `ask-${ask.id}`, round, ask, expiresAt }));
  return [...closeThinking(blocks), ...added];
}

/** An active turn waits while any ask is unanswered, and streams again once all are. */
function withWaiting(turn: TurnState): TurnState {
  if (turn.status !== 'streaming' && turn.status !== 'waiting') return turn;
  const waiting = turn.blocks.some((block) => block.kind === 'ask' && block.outcome === undefined);
  return { ...turn, status: waiting ? 'waiting' : 'streaming' };
}

function closeThinking(blocks: TurnBlock[]): TurnBlock[] {
  const last = blocks.at(-1);
  if (last?.kind !== 'thinking' || last.closed) return blocks;
  return [...blocks.slice(0, -1), { ...last, closed: true }];
}

function appendText(blocks: TurnBlock[], text: string, seq: number, round: number): TurnBlock[] {
  const last = blocks.at(-1);
  if (last?.kind === 'text' && last.round === round) return [...blocks.slice(0, -1), { ...last, text: last.text + text }];
  return [...closeThinking(blocks), { kind: 'text', id: `text-${seq}`, round, text }];
}

function appendReasoning(
  blocks: TurnBlock[],
  delta: Extract<StreamEvent, { type: 'reasoning_delta' }>,
  seq: number,
  round: number,
): TurnBlock[] {
  const last = blocks.at(-1);
  const open = last?.kind === 'thinking' && !last.closed && last.round === round ? last : undefined;
  const block: ThinkingBlock = open ?? { kind: 'thinking', id: `thinking-${seq}`, round, text: '', redacted: false, closed: false };
  const updated: ThinkingBlock = {
    ...block,
    text: block.text + (delta.text ?? ''),
    redacted: block.redacted || delta.redacted !== undefined,
    // The signature is sent once, at the end of the reasoning block.
    closed: delta.signature !== undefined,
  };
  return open ? [...blocks.slice(0, -1), updated] : [...blocks, updated];
}

function upsertTool(blocks: TurnBlock[], toolUseId: string, name: string, round: number, update: (tool: ToolBlock) => ToolBlock): TurnBlock[] {
  if (blocks.some((block) => block.kind === 'tool' && block.toolUseId === toolUseId)) return updateTool(blocks, toolUseId, update);
  const created: ToolBlock = { kind: 'tool', id: toolUseId, round, toolUseId, name, inputText: '', status: 'preparing' };
  return [...closeThinking(blocks), update(created)];
}

function updateTool(blocks: TurnBlock[], toolUseId: string, update: (tool: ToolBlock) => ToolBlock): TurnBlock[] {
  return blocks.map((block) => (block.kind === 'tool' && block.toolUseId === toolUseId ? update(block) : block));
}

/** The turn ended: tools still running will never report, thinking is over. */
function closeOpenWork(turn: TurnState): TurnState {
  const blocks = turn.blocks.map((block): TurnBlock => {
    if (block.kind === 'tool' && (block.status === 'running' || block.status === 'preparing')) return { ...block, status: 'cancelled' };
    if (block.kind === 'thinking' && !block.closed) return { ...block, closed: true };
    return block;
  });
  return { ...turn, blocks };
}

function safeStringify(value: unknown): string {
  if (value === undefined) return '';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** The answer's text (all text blocks), as sent back as history when keep_session is off. */
export function turnText(turn: TurnState): string {
  return turn.blocks
    .filter((block): block is TextBlock => block.kind === 'text')
    .map((block) => block.text)
    .join('\n\n');
}
