import { createHash } from 'node:crypto';
import { BEDROCK_TOOL_NAME_PATTERN } from '@bedrock-mcp/contracts';

export interface ToolRef {
  serverId: string;
  toolName: string;
}

const MAX_LENGTH = 64;
const SEPARATOR = '__';
const HASH_LENGTH = 8;

/**
 * Names the model sees for the tools of several servers: `<server>__<tool>` when that already
 * matches Bedrock's `[a-zA-Z0-9_-]{1,64}` and is unique; otherwise the sanitized name cut short
 * and suffixed with a hash of the exact (server, tool) pair. The result depends only on the set
 * of tools, not their order, and is injective: `reverse` maps every name back exactly.
 */
export function assignToolNames(refs: readonly ToolRef[]): { names: Map<string, ToolRef>; nameOf: (ref: ToolRef) => string } {
  const unique = dedupe(refs);
  const candidates = new Map<string, ToolRef[]>();
  for (const ref of unique) {
    const plain = `${ref.serverId}${SEPARATOR}${ref.toolName}`;
    const key = BEDROCK_TOOL_NAME_PATTERN.test(plain) ? plain : `\u0000${refKey(ref)}`;
    candidates.set(key, [...(candidates.get(key) ?? []), ref]);
  }
  // Plain names are kept only where unambiguous; everything else gets a hashed name.
  const names = new Map<string, ToolRef>();
  const hashed: ToolRef[] = [];
  for (const [key, group] of candidates) {
    if (!key.startsWith('\u0000') && group.length === 1) names.set(key, group[0]!);
    else hashed.push(...group);
  }
  hashed.sort((a, b) => compare(refKey(a), refKey(b)));
  for (const ref of hashed) {
    let name = hashedName(ref, 0);
    for (let attempt = 1; names.has(name); attempt++) name = hashedName(ref, attempt);
    names.set(name, ref);
  }
  const byRef = new Map([...names].map(([name, ref]) => [refKey(ref), name]));
  return {
    names,
    nameOf: (ref) => {
      const name = byRef.get(refKey(ref));
      if (name === undefined) throw new Error(`no name assigned to ${ref.serverId}/${ref.toolName}`);
      return name;
    },
  };
}

/** A Bedrock-safe stand-in: sanitized `<server>__<tool>` cut to fit, `_` and an 8-hex-digit hash. */
function hashedName(ref: ToolRef, attempt: number): string {
  const digest = createHash('sha256').update(`${refKey(ref)}\u0000${attempt}`).digest('hex').slice(0, HASH_LENGTH);
  const readable = sanitize(`${ref.serverId}${SEPARATOR}${ref.toolName}`).slice(0, MAX_LENGTH - HASH_LENGTH - 1);
  return `${readable}_${digest}`;
}

function sanitize(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, '_');
}

function refKey(ref: ToolRef): string {
  return `${ref.serverId}\u0000${ref.toolName}`;
}

function dedupe(refs: readonly ToolRef[]): ToolRef[] {
  const seen = new Map<string, ToolRef>();
  for (const ref of refs) seen.set(refKey(ref), ref);
  return [...seen.values()];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
