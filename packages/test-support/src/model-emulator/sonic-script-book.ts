import type { SonicScript, SonicTurn } from './sonic-types.js';

/** A SonicScript with its defaults applied. */
export interface SonicSettings {
  audioMs: number;
  audioChunkMs: number;
  audioChunkDelayMs: number;
  speechThreshold: number;
  endOfSpeechSilenceMs: number;
  maxUtteranceMs: number | undefined;
  sessionLimitMs: number | undefined;
  toolResultTimeoutMs: number;
}

const NO_TURN_TEXT = 'emulator: no sonic turn scripted';

/** Holds the Sonic script; hands out turns in order to every session (renewed sessions continue the script). */
export class SonicScriptBook {
  #turns: SonicTurn[] = [];
  #next = 0;
  #settings: SonicSettings = settingsOf({});

  replace(script: SonicScript): void {
    validate(script);
    this.#turns = [...(script.turns ?? [])];
    this.#next = 0;
    this.#settings = settingsOf(script);
  }

  reset(): void {
    this.replace({});
  }

  get settings(): SonicSettings {
    return this.#settings;
  }

  /** The next turn and its index; past the end, a turn saying so (the test then fails on its own assertion). */
  nextTurn(): { turn: SonicTurn; index: number } {
    const index = this.#next;
    this.#next += 1;
    return { turn: this.#turns[index] ?? { userTranscript: NO_TURN_TEXT, assistantText: NO_TURN_TEXT }, index };
  }
}

function settingsOf(script: SonicScript): SonicSettings {
  return {
    audioMs: script.audioMs ?? 400,
    audioChunkMs: script.audioChunkMs ?? 40,
    audioChunkDelayMs: script.audioChunkDelayMs ?? 0,
    speechThreshold: script.speechThreshold ?? 1000,
    endOfSpeechSilenceMs: script.endOfSpeechSilenceMs ?? 300,
    maxUtteranceMs: script.maxUtteranceMs,
    sessionLimitMs: script.sessionLimitMs,
    toolResultTimeoutMs: script.toolResultTimeoutMs ?? 10_000,
  };
}

function validate(script: SonicScript): void {
  const positive: (keyof SonicScript)[] = ['audioChunkMs', 'sessionLimitMs', 'maxUtteranceMs', 'endOfSpeechSilenceMs'];
  for (const key of positive) {
    const value = script[key];
    if (value !== undefined && (typeof value !== 'number' || !(value > 0))) throw new Error(`sonic script: ${key} must be > 0`);
  }
  for (const key of ['audioMs', 'audioChunkDelayMs', 'speechThreshold', 'toolResultTimeoutMs'] as const) {
    const value = script[key];
    if (value !== undefined && !(value >= 0)) throw new Error(`sonic script: ${key} must be >= 0`);
  }
}
