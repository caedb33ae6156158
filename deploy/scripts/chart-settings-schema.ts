// The values.schema.json entry (under properties.settings.properties) for settings of
// packages/common/src/settings.ts, derived from the zod schema, for when a setting is added
// (tests/deploy/settings-wiring.test.ts says which are missing). Prints it, or with --write adds
// it to the chart's schema:
//
//   node --import tsx deploy/scripts/chart-settings-schema.ts [--write] VOICE_TOP_P MAX_TURNS
//
// Numbers and booleans accept their YAML forms and strings, as the settings ConfigMap quotes
// every value; the chart test checks each entry agrees with SettingsSchema both ways.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SettingsSchema } from '../../packages/common/src/settings.js';

const BOOLEAN_FORMS = [true, false, 1, 0, '1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'];

interface ZodCheck {
  check: string;
  value?: number;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
}

interface ZodIntrospection {
  _zod: { def: { type: string; innerType?: ZodIntrospection; checks?: Array<{ _zod: { def: ZodCheck } }> } };
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
  options?: string[];
}

const source = readFileSync(new URL('../../packages/common/src/settings.ts', import.meta.url), 'utf8').split('\n');

/** The `/** … *\/` comment right above a setting, as one line. */
function docOf(name: string): string | undefined {
  const at = source.findIndex((line) => new RegExp(`^\\s+${name}:`).test(line));
  if (at <= 0 || !source[at - 1]!.trim().endsWith('*/')) return undefined;
  let start = at - 1;
  while (start > 0 && !source[start]!.includes('/**')) start--;
  return source
    .slice(start, at)
    .join(' ')
    .replace(/\/\*\*|\*\/|^\s*\*|\s\*\s/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function settingPropertySchema(name: string): Record<string, unknown> {
  const shape = SettingsSchema.shape as unknown as Record<string, ZodIntrospection>;
  const schema = shape[name];
  if (!schema) throw new Error(`${name} is not a setting`);
  const inner = schema._zod.def.type === 'default' ? schema._zod.def.innerType! : schema;
  const fallback = (SettingsSchema.parse({}) as Record<string, unknown>)[name];
  const description = docOf(name);
  const checks = inner._zod.def.checks?.map((check) => check._zod.def) ?? [];
  let property: Record<string, unknown>;
  if (inner._zod.def.type === 'enum') {
    property = { type: 'string', enum: inner.options };
  } else if (inner._zod.def.type === 'number') {
    const exclusive = checks.find((check) => check.check === 'greater_than' && !check.inclusive);
    property = inner.isInt ? { type: ['integer', 'string'], pattern: '^[0-9]+$' } : { type: ['number', 'string'], pattern: '^[0-9]+(\\.[0-9]+)?$' };
    if (exclusive) property.exclusiveMinimum = exclusive.value;
    else if (typeof inner.minValue === 'number') property.minimum = inner.minValue;
    if (typeof inner.maxValue === 'number' && inner.maxValue < Number.MAX_SAFE_INTEGER) property.maximum = inner.maxValue;
  } else if (typeof fallback === 'boolean') {
    property = { type: ['boolean', 'integer', 'string'], enum: BOOLEAN_FORMS };
  } else {
    const regex = checks.find((check) => check.format === 'regex')?.pattern;
    property = regex ? { type: 'string', pattern: regex.source } : { type: 'string' };
  }
  return description ? { description, ...property } : property;
}

export function settingsPropertySchemas(names: string[]): string {
  return JSON.stringify(Object.fromEntries(names.map((name) => [name, settingPropertySchema(name)])), null, 2);
}

/** Adds the entries for `names` to the chart's values.schema.json, in SettingsSchema's order; existing entries are kept as they are. */
export function writeIntoValuesSchema(names: string[]): void {
  const file = new URL('../../charts/bedrock-mcp-platform/values.schema.json', import.meta.url);
  const schema = JSON.parse(readFileSync(file, 'utf8')) as { properties: { settings: { properties: Record<string, unknown> } } };
  const existing = schema.properties.settings.properties;
  const ordered = Object.keys(SettingsSchema.shape).filter((name) => name in existing || names.includes(name));
  schema.properties.settings.properties = Object.fromEntries(ordered.map((name) => [name, existing[name] ?? settingPropertySchema(name)]));
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { positionals: names, values } = parseArgs({ allowPositionals: true, options: { write: { type: 'boolean', default: false } } });
  if (names.length === 0) {
    console.error('usage: node --import tsx deploy/scripts/chart-settings-schema.ts [--write] <SETTING>...');
    process.exit(2);
  }
  if (values.write) writeIntoValuesSchema(names);
  else console.log(settingsPropertySchemas(names));
}
