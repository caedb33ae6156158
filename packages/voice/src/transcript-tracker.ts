import type { VoiceRole, VoiceServerFrame } from '@bedrock-mcp/contracts';
import { SONIC_INTERRUPTED_MARKER, type SonicGenerationStage, type SonicOutputEvent } from './sonic-protocol.js';
import type { VoiceTurn } from './voice-turn.js';

export interface TranscriptHooks {
  /** `text` frames (one utterance's whole text so far) and `interrupted`. */
  frame(frame: Extract<VoiceServerFrame, { type: 'text' | 'interrupted' }>): void;
  /** A finished utterance's final text, for the history. */
  transcript(turn: VoiceTurn): void;
}

interface Part {
  contentId: string;
  stage: SonicGenerationStage;
  text: string;
}

interface Utterance {
  id: string;
  role: VoiceRole;
  parts: Part[];
  /** What the last frame showed, to skip frames that would change nothing. */
  shown: string;
}

interface ContentInfo {
  type: string;
  role: string;
  stage: SonicGenerationStage;
}

/**
 * Folds Sonic's text contents into utterances: the user's ASR transcript, and each assistant answer,
 * whose speculative sentences (the plan) are replaced by final ones (what was spoken) as they come. Each
 * change is one `text` frame carrying the utterance's whole text, so a client updates one bubble in
 * place. An utterance is handed over as a transcript once finished: the user's at the end of its text
 * (or when the model starts answering), the assistant's at its final END_TURN, a barge-in, a tool call or
 * the next user utterance.
 */
export class TranscriptTracker {
  readonly #contents = new Map<string, ContentInfo>();
  #user: Utterance | undefined;
  #assistant: Utterance | undefined;
  /** Between a user utterance and the end of the answer to it. */
  #awaitingAnswer = false;
  /** Set by a barge-in until new content starts: Sonic signals one interruption several ways. */
  #interruptionSignalled = false;
  #count = 0;

  constructor(
    private readonly hooks: TranscriptHooks,
    private readonly idPrefix: string,
  ) {}

  /** True while a user utterance or the answer to it is in progress (a renewal then waits). */
  get busy(): boolean {
    return this.#user !== undefined || this.#assistant !== undefined || this.#awaitingAnswer;
  }

  handle(event: SonicOutputEvent): void {
    if (event.kind === 'contentStart') this.#contentStart(event);
    else if (event.kind === 'textOutput') this.#textOutput(event);
    else if (event.kind === 'contentEnd') this.#contentEnd(event);
  }

  /** Hands over whatever is in progress (the session closes or moves to a new stream). */
  flush(): void {
    this.#finishUser();
    this.#finishAssistant();
    this.#awaitingAnswer = false;
    this.#contents.clear();
  }

  #contentStart(event: Extract<SonicOutputEvent, { kind: 'contentStart' }>): void {
    this.#contents.set(event.contentId, { type: event.type, role: event.role, stage: event.stage ?? 'FINAL' });
    if (event.type === 'TEXT' && event.role === 'USER') {
      this.#finishAssistant();
      this.#awaitingAnswer = false;
      this.#interruptionSignalled = false;
      return;
    }
    if (event.role === 'ASSISTANT' || event.type === 'TOOL') {
      if (this.#user !== undefined) {
        this.#finishUser();
        this.#awaitingAnswer = true;
      }
      // The words before a tool call are an utterance of their own; the answer after it is the next.
      if (event.type === 'TOOL') this.#finishAssistant();
    }
  }

  #textOutput(event: Extract<SonicOutputEvent, { kind: 'textOutput' }>): void {
    const content = this.#contents.get(event.contentId);
    const role = content?.role ?? event.role;
    if (event.content.includes(SONIC_INTERRUPTED_MARKER)) {
      this.#interrupt();
      return;
    }
    if (role !== 'USER' && role !== 'ASSISTANT') return;
    const utterance = role === 'USER' ? (this.#user ??= this.#newUtterance('user')) : this.#openAssistant();
    let part = utterance.parts.find((candidate) => candidate.contentId === event.contentId);
    if (part === undefined) {
      part = { contentId: event.contentId, stage: content?.stage ?? 'FINAL', text: '' };
      utterance.parts.push(part);
    }
    part.text += event.content;
    this.#show(utterance);
  }

  #contentEnd(event: Extract<SonicOutputEvent, { kind: 'contentEnd' }>): void {
    const content = this.#contents.get(event.contentId);
    this.#contents.delete(event.contentId);
    if (event.stopReason === 'INTERRUPTED') {
      this.#interrupt();
      return;
    }
    if (content?.type === 'TEXT' && content.role === 'USER' && this.#user !== undefined) {
      this.#finishUser();
      this.#awaitingAnswer = true;
      return;
    }
    const finalAnswerText = content?.type === 'TEXT' && content.role === 'ASSISTANT' && content.stage === 'FINAL';
    if (finalAnswerText && event.stopReason === 'END_TURN') {
      this.#finishAssistant();
      this.#awaitingAnswer = false;
    }
  }

  #openAssistant(): Utterance {
    if (this.#assistant === undefined) {
      this.#assistant = this.#newUtterance('assistant');
      this.#interruptionSignalled = false;
    }
    return this.#assistant;
  }

  #interrupt(): void {
    if (this.#interruptionSignalled) return;
    this.#interruptionSignalled = true;
    this.hooks.frame({ type: 'interrupted' });
    this.#finishAssistant();
    this.#awaitingAnswer = false;
  }

  #newUtterance(role: VoiceRole): Utterance {
    this.#count += 1;
    return { id: `${this.idPrefix}-${role === 'user' ? 'u' : 'a'}${this.#count}`, role, parts: [], shown: '' };
  }

  #show(utterance: Utterance): void {
    const { text, final } = displayOf(utterance);
    const shown = `${final ? 'final' : 'speculative'}:${text}`;
    if (shown === utterance.shown || text === '') return;
    utterance.shown = shown;
    this.hooks.frame({ type: 'text', role: utterance.role, utteranceId: utterance.id, content: text, final, [utterance.role]: text });
  }

  #finishUser(): void {
    const user = this.#user;
    this.#user = undefined;
    if (user === undefined) return;
    const text = join(user.parts.map((part) => part.text));
    if (text !== '') this.hooks.transcript({ role: 'user', text });
  }

  #finishAssistant(): void {
    const assistant = this.#assistant;
    this.#assistant = undefined;
    if (assistant === undefined) return;
    const finals = assistant.parts.filter((part) => part.stage === 'FINAL').map((part) => part.text);
    // Cut off before any final text (a renewal, a close): the plan is the best record of what was said.
    const text = join(finals.length > 0 || this.#interruptionSignalled ? finals : assistant.parts.map((part) => part.text));
    if (text !== '') this.hooks.transcript({ role: 'assistant', text });
  }
}

/**
 * What a bubble shows: the final sentences so far, then the speculative ones not yet finalized (Sonic
 * finalizes them in order). Final when nothing speculative is left.
 */
function displayOf(utterance: Utterance): { text: string; final: boolean } {
  const finals = utterance.parts.filter((part) => part.stage === 'FINAL').map((part) => part.text);
  const speculative = utterance.parts.filter((part) => part.stage === 'SPECULATIVE').map((part) => part.text);
  const pending = speculative.slice(finals.length);
  return { text: join([...finals, ...pending]), final: pending.length === 0 };
}

function join(texts: readonly string[]): string {
  return texts
    .map((text) => text.trim())
    .filter((text) => text !== '')
    .join(' ');
}
