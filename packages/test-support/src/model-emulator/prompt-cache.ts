import { createHash } from 'node:crypto';
import type { BedrockConverseRequest } from './bedrock-request.js';

/** Bedrock refuses a request with more cache points than this. */
const MAX_CACHE_POINTS = 4;
/** How many blocks before a cache point Bedrock (Anthropic) looks back for a cached prefix. */
const LOOKBACK_BLOCKS = 20;

/**
 * Tokens a prompt prefix must reach for a cache point to count, per model family (Anthropic's and
 * Bedrock's tables); a model not listed does not support caching and Bedrock refuses cache points.
 */
const MINIMUM_TOKENS: readonly (readonly [RegExp, number])[] = [
  [/anthropic\.claude-(opus-4-[5-9]|haiku-4)/, 4096],
  [/anthropic\.claude-3-5-haiku/, 2048],
  [/anthropic\.claude-(3-7-sonnet|3-5-sonnet-20241022-v2|sonnet-4|opus-4)/, 1024],
  [/amazon\.nova-(micro|lite|pro|premier)/, 1000],
];

/** Nova caches system and messages only. */
const NOVA = /amazon\.nova/;

export type CacheSection = 'tools' | 'system' | 'messages';

export interface CachePointAccount {
  section: CacheSection;
  /** Estimated tokens of the prompt before the point (tools, then system, then messages). */
  prefixTokens: number;
  /** False when the prefix is shorter than the model's minimum: Bedrock ignores the point. */
  counted: boolean;
}

/** How the emulator accounted for a request's cache points, as Bedrock would. */
export interface PromptCacheAccount {
  minimumTokens: number;
  points: CachePointAccount[];
  /** Every input token of the request (estimated). */
  promptTokens: number;
  readTokens: number;
  writeTokens: number;
}

export type PromptCacheResult = { ok: true; account: PromptCacheAccount | undefined } | { ok: false; message: string };

interface Boundary {
  /** Hash of the prompt up to here, so equal prefixes have equal hashes. */
  hash: string;
  tokens: number;
}

/**
 * The prompt cache of the emulated Bedrock: per model, the prefixes written at counted cache
 * points. A request reads the longest cached prefix found at or up to 20 blocks before one of its
 * points and writes the prefix up to its last counted point. Entries do not expire (the emulator
 * runs for a test, shorter than Bedrock's five minutes); `clear` empties it.
 */
export class PromptCache {
  private readonly entries = new Map<string, number>();

  account(modelId: string, body: BedrockConverseRequest): PromptCacheResult {
    const { boundaries, points } = walkPrompt(body);
    if (points.length === 0) return { ok: true, account: undefined };
    if (points.length > MAX_CACHE_POINTS) {
      return { ok: false, message: `A maximum of ${MAX_CACHE_POINTS} cachePoint blocks may be provided. Found ${points.length}.` };
    }
    const minimumTokens = MINIMUM_TOKENS.find(([pattern]) => pattern.test(modelId))?.[1];
    if (minimumTokens === undefined) return { ok: false, message: `The model ${modelId} does not support prompt caching (cachePoint).` };
    if (NOVA.test(modelId) && points.some((point) => point.section === 'tools')) {
      return { ok: false, message: `The model ${modelId} does not support cachePoint in toolConfig; use system or messages.` };
    }

    const accounted = points.map((point) => {
      const prefixTokens = boundaries[point.position]!.tokens;
      return { ...point, prefixTokens, counted: point.position > 0 && prefixTokens >= minimumTokens };
    });
    const counted = accounted.filter((point) => point.counted);
    const key = (position: number) => `${modelId}\u0000${boundaries[position]!.hash}`;

    let readPosition = 0;
    for (const point of [...counted].reverse()) {
      for (let position = point.position; position > 0 && position >= point.position - LOOKBACK_BLOCKS; position--) {
        if (this.entries.has(key(position))) {
          readPosition = position;
          break;
        }
      }
      if (readPosition > 0) break;
    }
    const readTokens = boundaries[readPosition]!.tokens;
    const last = counted.at(-1);
    const writeTokens = last && last.position > readPosition ? last.prefixTokens - readTokens : 0;
    for (const point of counted) this.entries.set(key(point.position), point.prefixTokens);

    return {
      ok: true,
      account: {
        minimumTokens,
        points: accounted.map(({ section, prefixTokens, counted: isCounted }) => ({ section, prefixTokens, counted: isCounted })),
        promptTokens: boundaries.at(-1)!.tokens,
        readTokens,
        writeTokens,
      },
    };
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The prompt's blocks in cache order (tools, system, messages): the boundary after each, and where the cache points sit. */
function walkPrompt(body: BedrockConverseRequest): { boundaries: Boundary[]; points: { section: CacheSection; position: number }[] } {
  const boundaries: Boundary[] = [{ hash: '', tokens: 0 }];
  const points: { section: CacheSection; position: number }[] = [];
  const visit = (section: CacheSection, block: object & { cachePoint?: unknown }, tag: string) => {
    if (block.cachePoint !== undefined) {
      points.push({ section, position: boundaries.length - 1 });
      return;
    }
    const serialized = `${tag}:${JSON.stringify(block)}`;
    const previous = boundaries.at(-1)!;
    boundaries.push({
      hash: createHash('sha256').update(previous.hash).update(serialized).digest('hex'),
      tokens: previous.tokens + Math.ceil(serialized.length / 4),
    });
  };
  for (const tool of body.toolConfig?.tools ?? []) visit('tools', tool, 'tool');
  for (const block of body.system ?? []) visit('system', block, 'system');
  (body.messages ?? []).forEach((message, index) => {
    for (const block of message.content) visit('messages', block, `${index}:${message.role}`);
  });
  return { boundaries, points };
}
