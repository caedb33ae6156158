// Nova Sonic speech-to-speech (InvokeModelWithBidirectionalStream), scripted. Event names and fields follow
// the Nova Sonic user guide ("Handling input/output events with the bidirectional API") and AWS's
// amazon-nova-samples speech-to-speech clients.

/** One scripted exchange: what the emulator "hears" and how it answers. */
export interface SonicTurn {
  /** Sent as the USER transcript (ASR, generationStage FINAL) once the user's utterance ends. */
  userTranscript: string;
  /** A tool call before the answer; the emulator then waits for the client's toolResult. */
  toolUse?: { name: string; input: Record<string, unknown>; id?: string };
  /**
   * ASSISTANT text: sent SPECULATIVE before the audio and FINAL after it. A function receives the tool
   * result's content (when the turn has a tool use).
   */
  assistantText: string | ((context: SonicTurnContext) => string);
  /** Milliseconds of assistant audio (a 440 Hz tone, PCM16 mono 24 kHz). Default: the script's `audioMs`. */
  audioMs?: number;
}

export interface SonicTurnContext {
  /** The `content` of the client's toolResult for this turn's tool use. */
  toolResult: string | undefined;
  /** Zero-based index of the turn across the whole emulator (sessions share one cursor). */
  turnIndex: number;
  session: SonicSessionRecord;
}

export interface SonicScript {
  /** Played in order, one per detected user utterance, across sessions (a renewed session continues). */
  turns?: SonicTurn[];
  /** Default assistant audio length (ms). Default 400. */
  audioMs?: number;
  /** Audio per audioOutput event (ms). Default 40. */
  audioChunkMs?: number;
  /** Pause between audioOutput events (ms); above 0 leaves time to barge in. Default 0. */
  audioChunkDelayMs?: number;
  /** RMS amplitude (0–32767) above which an audioInput chunk counts as speech. Default 1000. */
  speechThreshold?: number;
  /** Milliseconds of non-speech audio after speech that end an utterance. Default 300. */
  endOfSpeechSilenceMs?: number;
  /** Milliseconds of speech after which an utterance ends even without silence. Default: no such limit. */
  maxUtteranceMs?: number;
  /**
   * After this many milliseconds the stream fails with `modelTimeoutException`, as Bedrock ends a Sonic
   * session at its 8-minute limit. Default: no limit.
   */
  sessionLimitMs?: number;
  /** Milliseconds the emulator waits for the toolResult before failing the stream. Default 10000. */
  toolResultTimeoutMs?: number;
}

/** One input event as received (audio content replaced by its decoded size to keep the log small). */
export interface SonicReceivedEvent {
  name: string;
  body: Record<string, unknown>;
  receivedAt: number;
}

export type SonicSessionOutcome =
  /** Still streaming. */
  | 'open'
  /** The client ended its input (sessionEnd). */
  | 'ended'
  /** `sessionLimitMs` elapsed: modelTimeoutException. */
  | 'timed_out'
  /** The client broke the protocol: validationException. */
  | 'rejected'
  /** An injected failure (`failNext`). */
  | 'failed'
  /** The client went away, or the emulator closed. */
  | 'aborted';

/** The request log entry of one bidirectional stream, updated while it runs. */
export interface SonicSessionRecord {
  /** URL-decoded model id of the path. */
  modelId: string;
  path: string;
  httpVersion: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  receivedAt: Date;
  /** Every input event, in order. */
  events: SonicReceivedEvent[];
  /** The promptStart payload (output configurations, voice, tools). */
  promptStart: Record<string, unknown> | undefined;
  /** Text of the SYSTEM content. */
  systemPrompt: string | undefined;
  /** USER/ASSISTANT TEXT contents sent before the first audio content: the replayed conversation. */
  history: { role: string; text: string }[];
  /** toolResult contents, by the toolUseId their contentStart named. */
  toolResults: { toolUseId: string; content: string }[];
  /** Decoded PCM bytes of all audioInput events. */
  audioInputBytes: number;
  /** USER transcripts the emulator sent (one per detected utterance). */
  utterances: string[];
  /** How many assistant audio contents ended with stopReason INTERRUPTED. */
  interruptions: number;
  outcome: SonicSessionOutcome;
  /** Why the stream was rejected or failed. */
  error: string | undefined;
}
