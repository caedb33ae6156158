import type { VoiceServerFrame } from '@bedrock-mcp/contracts';
import type { ToolBlock } from '../chat/turn-reducer.js';
import { closeFailure, type VoiceFailure } from './voice-failure.js';

/**
 * idle: no conversation; starting: microphone, ticket and socket being set up; live: the model
 * listens; stopping: the user ended it and the socket is closing.
 */
export type VoiceStatus = 'idle' | 'starting' | 'live' | 'stopping';

interface VoiceItemBase {
  id: string;
  /** How many chat messages preceded it: where it sits in the conversation. */
  anchor: number;
}
/** One utterance's transcript bubble, replaced in place as the gateway refines it. */
export interface VoiceUtterance extends VoiceItemBase {
  kind: 'utterance';
  role: 'user' | 'assistant';
  text: string;
  /** false: (part of) it is the model's plan, not yet spoken. */
  final: boolean;
}
export interface VoiceToolItem extends VoiceItemBase {
  kind: 'tool';
  tool: ToolBlock;
  /** epoch ms */
  startedAt: number;
}
export type VoiceItem = VoiceUtterance | VoiceToolItem;

export interface VoiceState {
  status: VoiceStatus;
  /** The voice the gateway confirmed (`ready`). */
  voiceId?: string;
  items: VoiceItem[];
  /** The assistant's answer is playing. */
  speaking: boolean;
  /** Why the last conversation ended or did not start; cleared by the next start. */
  failure?: VoiceFailure;
  /** Error frames that did not end the conversation (e.g. an MCP server is unavailable). */
  notices: string[];
  /** The last error frame's message (a model failure says why before the close). */
  lastError?: string;
}

export type VoiceAction =
  | { type: 'start' }
  | { type: 'frame'; frame: VoiceServerFrame; anchor: number; now: number }
  | { type: 'speaking'; speaking: boolean }
  | { type: 'stop' }
  | { type: 'failed'; failure: VoiceFailure }
  | { type: 'closed'; code: number; reason: string }
  | { type: 'dismiss' }
  | { type: 'clear' };

export const initialVoiceState: VoiceState = { status: 'idle', items: [], speaking: false, notices: [] };

/** Notices kept at most (the newest). */
const MAX_NOTICES = 3;

/** Pure: the voice state after one action. */
export function reduceVoice(state: VoiceState, action: VoiceAction): VoiceState {
  switch (action.type) {
    case 'start':
      if (state.status !== 'idle') return state;
      return { ...state, status: 'starting', failure: undefined, notices: [], lastError: undefined, speaking: false };
    case 'stop':
      return state.status === 'idle' ? state : { ...state, status: 'stopping', speaking: false };
    case 'failed':
      return { ...state, status: 'idle', speaking: false, failure: action.failure };
    case 'closed': {
      if (state.status === 'idle') return state;
      const failure = state.status === 'stopping' ? undefined : closeFailure(action.code, action.reason, state.lastError);
      return { ...state, status: 'idle', speaking: false, failure, items: settleTools(state.items) };
    }
    case 'speaking':
      return state.speaking === action.speaking ? state : { ...state, speaking: action.speaking };
    case 'dismiss':
      return { ...state, failure: undefined, notices: [] };
    case 'clear':
      return { ...state, items: [] };
    case 'frame':
      return applyFrame(state, action.frame, action.anchor, action.now);
  }
}

function applyFrame(state: VoiceState, frame: VoiceServerFrame, anchor: number, now: number): VoiceState {
  switch (frame.type) {
    case 'ready':
      return { ...state, status: state.status === 'starting' ? 'live' : state.status, voiceId: frame.voiceId };
    case 'text': {
      const index = state.items.findIndex((item) => item.kind === 'utterance' && item.id === frame.utteranceId);
      if (index === -1) {
        const bubble: VoiceUtterance = { kind: 'utterance', id: frame.utteranceId, anchor, role: frame.role, text: frame.content, final: frame.final };
        return { ...state, items: [...state.items, bubble] };
      }
      const current = state.items[index] as VoiceUtterance;
      if (current.text === frame.content && current.final === frame.final) return state;
      return { ...state, items: replaceAt(state.items, index, { ...current, text: frame.content, final: frame.final }) };
    }
    case 'toolUse': {
      if (state.items.some((item) => item.kind === 'tool' && item.tool.toolUseId === frame.toolUseId)) return state;
      const separator = frame.name.indexOf('__');
      const tool: ToolBlock = {
        kind: 'tool',
        id: `voice-tool-${frame.toolUseId}`,
        round: 0,
        toolUseId: frame.toolUseId,
        name: frame.name,
        ...(separator > 0 ? { serverId: frame.name.slice(0, separator), toolName: frame.name.slice(separator + 2) } : {}),
        inputText: typeof frame.input === 'string' ? frame.input : JSON.stringify(frame.input),
        input: frame.input,
        status: 'running',
      };
      return { ...state, items: [...state.items, { kind: 'tool', id: tool.id, anchor, tool, startedAt: now }] };
    }
    case 'toolResult': {
      const index = state.items.findIndex((item) => item.kind === 'tool' && item.tool.toolUseId === frame.toolUseId);
      if (index === -1) return state;
      const item = state.items[index] as VoiceToolItem;
      const tool: ToolBlock = {
        ...item.tool,
        status: frame.isError ? 'error' : 'done',
        result: [{ type: 'text', text: frame.content }],
        durationMs: Math.max(0, now - item.startedAt),
      };
      return { ...state, items: replaceAt(state.items, index, { ...item, tool }) };
    }
    case 'interrupted':
      return state.speaking ? { ...state, speaking: false } : state;
    case 'error':
      return { ...state, lastError: frame.message, notices: [...state.notices, frame.message].slice(-MAX_NOTICES) };
    case 'connection_established':
    case 'audio_data':
    case 'pong':
      return state;
  }
}

/** Tool calls still running when the conversation ends will not report back. */
function settleTools(items: VoiceItem[]): VoiceItem[] {
  if (!items.some((item) => item.kind === 'tool' && item.tool.status === 'running')) return items;
  return items.map((item) => (item.kind === 'tool' && item.tool.status === 'running' ? { ...item, tool: { ...item.tool, status: 'cancelled' } } : item));
}

function replaceAt<T>(items: readonly T[], index: number, item: T): T[] {
  const next = items.slice();
  next[index] = item;
  return next;
}
