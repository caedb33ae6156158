import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { Logger, Settings } from '@bedrock-mcp/common';
import type { SonicInferenceConfiguration } from './sonic-protocol.js';
import type { VoiceToolExecutor } from './voice-tools.js';
import type { ReplayLimits, VoiceTurn } from './voice-turn.js';

export interface SonicSessionOptions {
  /** Production: `new BedrockRuntimeClient({ region })` (standard credential chain and endpoint variables). */
  client: BedrockRuntimeClient;
  /** Runs the tools the model calls; production: `createPoolToolExecutor(pool, catalog.tools)`. */
  executeTool: VoiceToolExecutor;
  logger: Logger;
  /** Receives every final user and assistant transcript, in order (e.g. to append it to the user's history). */
  onTranscript?: (turn: VoiceTurn) => void | Promise<void>;
  /** Bedrock model id. Default `amazon.nova-sonic-v1:0`. */
  modelId?: string;
  /** Milliseconds after which the stream is replaced by a new one carrying the conversation. Default 450000 (Bedrock's limit is 8 minutes). */
  renewAfterMs?: number;
  /** Milliseconds a due renewal waits for a quiet moment (no speech, no answer, no tool call) before it happens anyway. Default 20000. */
  renewGraceMs?: number;
  /** What a new stream replays of the conversation. Default 40 turns of at most 1000 bytes (Sonic's limits). */
  replay?: ReplayLimits;
  /** Default maxTokens 1024, topP 0.9, temperature 0.7. */
  inference?: SonicInferenceConfiguration;
  /** Milliseconds of silence `endOfUtterance()` sends, so the model's end-of-speech detection fires. Default 800. */
  endOfUtteranceSilenceMs?: number;
  /** Milliseconds per tool call before it is abandoned with an error result. Default 120000. */
  toolTimeoutMs?: number;
  /** Characters of a tool result sent back to the model; longer results are cut with a marker. Default 20000. */
  maxToolResultChars?: number;
  /** Milliseconds a closing stream may take to end after sessionEnd. Default 3000. */
  closeTimeoutMs?: number;
  /** RMS amplitude (0–32767) above which pushed audio counts as speech, which delays a renewal. Default 500. */
  speechThreshold?: number;
  /** Milliseconds `close()` waits for `onTranscript` calls still running. Default 5000. */
  transcriptFlushTimeoutMs?: number;
}

export type ResolvedSonicSessionOptions = Required<Omit<SonicSessionOptions, 'onTranscript'>> & Pick<SonicSessionOptions, 'onTranscript'>;

export function resolveSonicSessionOptions(options: SonicSessionOptions): ResolvedSonicSessionOptions {
  const resolved: ResolvedSonicSessionOptions = {
    modelId: 'amazon.nova-sonic-v1:0',
    renewAfterMs: 450_000,
    renewGraceMs: 20_000,
    replay: { maxMessages: 40, maxBytes: 1000 },
    inference: { maxTokens: 1024, topP: 0.9, temperature: 0.7 },
    endOfUtteranceSilenceMs: 800,
    toolTimeoutMs: 120_000,
    maxToolResultChars: 20_000,
    closeTimeoutMs: 3000,
    speechThreshold: 500,
    transcriptFlushTimeoutMs: 5000,
    ...withoutUndefined(options),
    client: options.client,
    executeTool: options.executeTool,
    logger: options.logger,
  };
  for (const key of ['renewAfterMs', 'closeTimeoutMs', 'toolTimeoutMs', 'maxToolResultChars', 'endOfUtteranceSilenceMs'] as const) {
    if (!(resolved[key] > 0)) throw new RangeError(`SonicSession: ${key} must be > 0`);
  }
  for (const key of ['renewGraceMs', 'speechThreshold', 'transcriptFlushTimeoutMs'] as const) {
    if (!(resolved[key] >= 0)) throw new RangeError(`SonicSession: ${key} must be >= 0`);
  }
  return resolved;
}

/** The session options that come from the platform's settings (VOICE_*, TOOL_CALL_TIMEOUT_MS). */
export function sonicSessionSettings(
  settings: Pick<
    Settings,
    | 'VOICE_MODEL_ID'
    | 'VOICE_SESSION_RENEW_MS'
    | 'VOICE_SESSION_RENEW_GRACE_MS'
    | 'VOICE_HISTORY_MAX_MESSAGES'
    | 'VOICE_HISTORY_MAX_BYTES'
    | 'VOICE_MAX_TOKENS'
    | 'VOICE_TOP_P'
    | 'VOICE_TEMPERATURE'
    | 'TOOL_CALL_TIMEOUT_MS'
  >,
): Pick<SonicSessionOptions, 'modelId' | 'renewAfterMs' | 'renewGraceMs' | 'replay' | 'inference' | 'toolTimeoutMs'> {
  return {
    modelId: settings.VOICE_MODEL_ID,
    renewAfterMs: settings.VOICE_SESSION_RENEW_MS,
    renewGraceMs: settings.VOICE_SESSION_RENEW_GRACE_MS,
    replay: { maxMessages: settings.VOICE_HISTORY_MAX_MESSAGES, maxBytes: settings.VOICE_HISTORY_MAX_BYTES },
    inference: { maxTokens: settings.VOICE_MAX_TOKENS, topP: settings.VOICE_TOP_P, temperature: settings.VOICE_TEMPERATURE },
    toolTimeoutMs: settings.TOOL_CALL_TIMEOUT_MS,
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/**
 * The voice a session speaks with: the requested one when the deployment offers it (VOICE_IDS), the
 * first offered when none was requested, undefined for one it does not offer (refuse the request).
 */
export function chooseVoiceId(requested: string | undefined, offered: readonly string[]): string | undefined {
  if (requested === undefined || requested === '') return offered[0];
  return offered.includes(requested) ? requested : undefined;
}
