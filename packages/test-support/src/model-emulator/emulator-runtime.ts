import type { ConversationView } from './conversation-view.js';
import type { PromptCache, PromptCacheAccount } from './prompt-cache.js';
import { planReply, type ReplyPlan } from './reply-plan.js';
import type { ScriptBook } from './script-book.js';
import type { SonicScriptBook } from './sonic-script-book.js';
import type { SonicSessionRecord } from './sonic-types.js';
import type { RecordedRequest } from './types.js';

/** What the route handlers share: the script, the request log, the defaults and the shutdown signal. */
export interface EmulatorRuntime {
  readonly book: ScriptBook;
  record(request: RecordedRequest): void;
  /** Nova Sonic's script (bidirectional streams). */
  readonly sonic: SonicScriptBook;
  recordSonic(session: SonicSessionRecord): void;
  readonly chunkCount: number;
  readonly chunkDelayMs: number;
  readonly openaiModels: readonly string[];
  /** Bedrock's prompt cache (cache points). */
  readonly promptCache: PromptCache;
  /** Aborted by `close()`: streams in progress stop. */
  readonly signal: AbortSignal;
}

export interface TurnInput {
  request: RecordedRequest;
  modelId: string;
  conversation: ConversationView;
  toolUseIdPrefix: string;
  requestChars: number;
  /** Bedrock's accounting of the request's cache points, when it has any. */
  promptCache?: PromptCacheAccount | undefined;
}

/** Finds the scripted reply for a model call and resolves it into a wire-independent plan. */
export async function planTurn(runtime: EmulatorRuntime, turn: TurnInput): Promise<ReplyPlan> {
  const { toolResults, lastUserText } = turn.conversation;
  const reply = await runtime.book.replyFor({
    provider: turn.request.provider,
    modelId: turn.modelId,
    lastUserText,
    toolResults,
    lastToolResultText: toolResults.at(-1)?.text,
    request: turn.request,
  });
  return planReply(reply, {
    chunkCount: runtime.chunkCount,
    chunkDelayMs: runtime.chunkDelayMs,
    toolUseIdPrefix: turn.toolUseIdPrefix,
    requestChars: turn.requestChars,
    promptCache: turn.promptCache,
  });
}
