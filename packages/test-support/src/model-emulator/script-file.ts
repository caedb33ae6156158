import { readFile } from 'node:fs/promises';
import type { EmulatorReply, RuleCondition, ScriptRule } from './types.js';

/**
 * The JSON form of a script, for manual runs: `[rule, …]` or `{ "rules": [rule, …] }` where a rule is
 * `{ "when"?: { "lastUserText"?: string, "afterToolResult"?: string, "model"?: string, "provider"?: … },
 *    "reply": EmulatorReply, "times"?: number }`. Strings match by "contains"; replies are static.
 */
export async function loadScriptFile(path: string): Promise<ScriptRule[]> {
  return parseScript(JSON.parse(await readFile(path, 'utf8')), path);
}

export function parseScript(json: unknown, source = 'script'): ScriptRule[] {
  const rules = Array.isArray(json) ? json : isObject(json) ? json['rules'] : undefined;
  if (!Array.isArray(rules)) throw new Error(`${source}: expected an array of rules or { "rules": [...] }`);
  return rules.map((rule: unknown, index) => parseRule(rule, `${source}: rule ${index}`));
}

function parseRule(rule: unknown, where: string): ScriptRule {
  if (!isObject(rule) || !isObject(rule['reply'])) throw new Error(`${where}: expected { "when"?, "reply": {...} }`);
  const when = rule['when'] ?? {};
  if (!isObject(when)) throw new Error(`${where}: "when" must be an object`);
  for (const [key, value] of Object.entries(when)) {
    if (!CONDITION_KEYS.has(key) || typeof value !== 'string') {
      throw new Error(`${where}: "when.${key}" is not a known condition with a string value`);
    }
  }
  const times = rule['times'];
  if (times !== undefined && typeof times !== 'number') throw new Error(`${where}: "times" must be a number`);
  return {
    when: when as RuleCondition,
    reply: rule['reply'] as EmulatorReply,
    ...(times === undefined ? {} : { times }),
  };
}

const CONDITION_KEYS = new Set<string>(['lastUserText', 'afterToolResult', 'model', 'provider'] satisfies (keyof RuleCondition)[]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
