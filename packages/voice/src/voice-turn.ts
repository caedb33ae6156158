import type { VoiceRole } from '@bedrock-mcp/contracts';

/** One final transcript of a voice conversation: what the user said, or what the assistant said. */
export interface VoiceTurn {
  role: VoiceRole;
  text: string;
}

export interface ReplayLimits {
  /** Turns kept (Nova Sonic accepts at most 40). */
  maxMessages: number;
  /** UTF-8 bytes kept of each turn (Nova Sonic accepts at most 1000). */
  maxBytes: number;
}

/**
 * The conversation as a new Sonic stream may replay it: consecutive turns of one role merged, the
 * newest `maxMessages` kept, starting with a user turn, each cut to `maxBytes` (keeping its end, the
 * most recent words).
 */
export function boundReplayHistory(turns: readonly VoiceTurn[], limits: ReplayLimits): VoiceTurn[] {
  const merged: VoiceTurn[] = [];
  for (const turn of turns) {
    const text = turn.text.trim();
    if (text === '') continue;
    const last = merged.at(-1);
    if (last?.role === turn.role) last.text = `${last.text} ${text}`;
    else merged.push({ role: turn.role, text });
  }
  const recent = limits.maxMessages > 0 ? merged.slice(-limits.maxMessages) : [];
  while (recent[0]?.role === 'assistant') recent.shift();
  return recent.map((turn) => ({ role: turn.role, text: keepEndWithin(turn.text, limits.maxBytes) }));
}

const ELLIPSIS = '…';

/** The end of `text` within `maxBytes` UTF-8 bytes, cut at a code point (and after a space when one is near). */
export function keepEndWithin(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(ELLIPSIS, 'utf8');
  const codePoints = Array.from(text);
  let bytes = 0;
  let start = codePoints.length;
  while (start > 0) {
    const size = Buffer.byteLength(codePoints[start - 1] ?? '', 'utf8');
    if (bytes + size > budget) break;
    bytes += size;
    start -= 1;
  }
  const tail = codePoints.slice(start).join('');
  const space = tail.indexOf(' ');
  return ELLIPSIS + (space >= 0 && space < 40 ? tail.slice(space + 1) : tail);
}
