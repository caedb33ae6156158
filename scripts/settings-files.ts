// The files generated from the settings schema (packages/common/src/settings/): `.env.example`,
// README's settings tables, the chart's values.yaml settings section and the settings of its
// values.schema.json. `npm run docs:settings` writes them; tests/deploy/settings-files.test.ts
// fails when one is stale.
//
//   node --import tsx scripts/settings-files.ts [--check]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify as yamlScalar } from 'yaml';
import { canonicalSettingName, SERVICE_SETTINGS_SCHEMAS, SETTINGS_SLICES, SettingsSchema } from '../packages/common/src/settings.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SLICES_DIR = join(ROOT, 'packages/common/src/settings');
const CHART = 'charts/bedrock-mcp-platform';

/** Settings the chart intentionally does not pass, and why (docs/deployment.md lists them). */
export const NOT_WIRED_IN_CHART: Readonly<Record<string, string>> = {
  LOG_DIR: 'containers log to stdout (kubectl logs); the root filesystem is read-only',
};
/** Settings values.yaml sets (uncommented) rather than leaving to the services' defaults. */
const SET_IN_VALUES = new Set(['AWS_REGION', 'LOG_LEVEL']);

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const settingNames = (): string[] => Object.keys(SettingsSchema.shape);
const defaults = SettingsSchema.parse({}) as Record<string, unknown>;

const sliceSources = readdirSync(SLICES_DIR)
  .filter((name) => name.endsWith('-settings.ts'))
  .map((name) => readFileSync(join(SLICES_DIR, name), 'utf8').split('\n'));

/** The `/** … *\/` comment right above a setting's definition in its slice module, as one line; '' when there is none. */
export function settingDoc(name: string): string {
  for (const lines of sliceSources) {
    const at = lines.findIndex((line) => new RegExp(`^\\s+${name}:`).test(line));
    if (at <= 0 || !lines[at - 1]!.trim().endsWith('*/')) continue;
    let start = at - 1;
    while (start > 0 && !lines[start]!.includes('/**')) start--;
    return lines
      .slice(start, at)
      .join(' ')
      .replace(/\/\*\*|\*\/|^\s*\*|\s\*\s/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  }
  return '';
}

/** A setting's default as it is written in the environment; '' when it has none. */
function shownDefault(name: string): string {
  const value = defaults[name];
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

/** The services that parse a setting. */
function readBy(name: string): string[] {
  return Object.entries(SERVICE_SETTINGS_SCHEMAS)
    .filter(([, schema]) => name in schema.shape)
    .map(([service]) => service);
}

function sliceReaders(names: string[]): string {
  return [...new Set(names.flatMap(readBy))].join(', ');
}

// ---- the chart ----------------------------------------------------------------------------

/** Names the chart templates set explicitly: `- name: X` entries followed by a value, and the Secret keys listed in the helpers. */
export function chartEnvNamesOf(text: string): Set<string> {
  const lines = text.split('\n');
  const names = new Set<string>();
  lines.forEach((line, index) => {
    const name = /^\s*- name: ([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(line)?.[1];
    if (!name) return;
    // Skip template-only lines (`{{- if … }}`) between the name and its value.
    const next = lines.slice(index + 1).find((candidate) => !/^\s*\{\{.*\}\}\s*$/.test(candidate));
    if (next !== undefined && /^\s*(?:value|valueFrom):/.test(next)) names.add(name);
  });
  for (const match of text.matchAll(/range \$env := list ((?:"[A-Za-z_][A-Za-z0-9_]*"\s*)+)/g)) {
    for (const name of match[1]!.match(/[A-Za-z_][A-Za-z0-9_]*/g)!) names.add(name);
  }
  return names;
}

function chartTemplateText(): string {
  const dir = join(ROOT, CHART, 'templates');
  return readdirSync(dir)
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n');
}

/** The settings values.yaml may set: every setting but those the templates set themselves and NOT_WIRED_IN_CHART. */
export function chartSettingNames(): string[] {
  const setByTemplates = chartEnvNamesOf(chartTemplateText());
  return settingNames().filter((name) => !setByTemplates.has(name) && !(name in NOT_WIRED_IN_CHART));
}

const BOOLEAN_FORMS = [true, false, 1, 0, '1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'];

interface ZodCheck {
  check: string;
  value?: number;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
}

interface ZodIntrospection {
  _zod: {
    def: { type: string; innerType?: ZodIntrospection; out?: ZodIntrospection; checks?: Array<{ _zod: { def: ZodCheck } }> };
  };
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
  options?: string[];
  meta(): { examples?: unknown[] } | undefined;
}

/** The schema under defaults, optionals and (for `optionalString.pipe(z.url())`) the pipe's output. */
function unwrap(schema: ZodIntrospection): ZodIntrospection {
  const { def } = schema._zod;
  if ((def.type === 'default' || def.type === 'optional') && def.innerType) return unwrap(def.innerType);
  if (def.type === 'pipe' && def.out && def.out._zod.def.type === 'optional') return unwrap(def.out);
  return schema;
}

/**
 * values.schema.json's entry for a setting, derived from its zod schema. Numbers and booleans
 * accept their YAML forms and strings, as the settings ConfigMap quotes every value.
 */
export function settingPropertySchema(name: string): Record<string, unknown> {
  const shape = SettingsSchema.shape as unknown as Record<string, ZodIntrospection>;
  const schema = shape[name];
  if (!schema) throw new Error(`${name} is not a setting`);
  const inner = unwrap(schema);
  const canonical = canonicalSettingName(name);
  const fallback = defaults[canonical];
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
  } else if (inner._zod.def.type === 'string' && (inner as unknown as { format?: string }).format === 'url') {
    property = { type: 'string', pattern: '^https?://[^\\s]+$' };
  } else {
    const regex = checks.find((check) => check.format === 'regex')?.pattern;
    property = regex ? { type: 'string', pattern: regex.source } : { type: 'string' };
  }
  // An old name has no default of its own: its example is the new name's default.
  const examples = schema.meta()?.examples ?? (canonical !== name && fallback !== undefined ? [fallback] : undefined);
  if (examples) property.examples = examples;
  const description = settingDoc(name);
  return description ? { description, ...property } : property;
}

/** Lines of at most `width` characters, each starting with `prefix`. */
function wrapped(text: string, prefix: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(prefix + line);
  return lines;
}

const VALUES_BEGIN = '  # -- generated by `npm run docs:settings` from packages/common/src/settings/ (edit there) --';
const VALUES_END = '  # -- end of generated settings --';

function valuesSettingsSection(): string {
  const accepted = new Set(chartSettingNames());
  const out = [VALUES_BEGIN];
  for (const slice of SETTINGS_SLICES) {
    const names = Object.keys(slice.settings).filter((name) => accepted.has(name));
    if (names.length === 0) continue;
    out.push('', `  # ${slice.title} (${sliceReaders(Object.keys(slice.settings))})`);
    for (const name of names) {
      out.push(...wrapped(settingDoc(name), '  # '));
      const value = defaults[name];
      const shown = value === undefined ? '""' : yamlScalar(Array.isArray(value) ? value.join(',') : value, { lineWidth: 0 }).trimEnd();
      out.push(`  ${SET_IN_VALUES.has(name) ? '' : '# '}${name}: ${shown}`);
    }
  }
  out.push(VALUES_END);
  return out.join('\n');
}

function spliced(text: string, begin: string, end: string, section: string, file: string): string {
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file}: the generated section's markers are missing`);
  return text.slice(0, from) + section + text.slice(to + end.length);
}

function valuesSchemaJson(): string {
  const schema = JSON.parse(read(`${CHART}/values.schema.json`)) as { properties: { settings: { properties: Record<string, unknown> } } };
  schema.properties.settings.properties = Object.fromEntries(chartSettingNames().map((name) => [name, settingPropertySchema(name)]));
  return `${JSON.stringify(schema, null, 2)}\n`;
}

// ---- README and .env.example ------------------------------------------------------------

const README_BEGIN = '<!-- generated by `npm run docs:settings` from packages/common/src/settings/ (edit there) -->';
const README_END = '<!-- end of generated settings -->';

function readmeSettingsSection(): string {
  const out = [README_BEGIN];
  for (const slice of SETTINGS_SLICES) {
    const names = Object.keys(slice.settings);
    out.push('', `#### ${slice.title}`, '', `Read by ${sliceReaders(names)}.`, '', '| setting | default | meaning |', '|---|---|---|');
    for (const name of names) {
      const shown = shownDefault(name);
      out.push(`| \`${name}\` | ${shown ? `\`${shown}\`` : '(unset)'} | ${settingDoc(name).replace(/\|/g, '\\|')} |`);
    }
  }
  out.push('', README_END);
  return out.join('\n');
}

function envExample(): string {
  const out = [
    '# Every setting the services read, with its default. Copy to .env and uncomment what you change;',
    '# real environment variables win over this file. Generated by `npm run docs:settings` from',
    '# packages/common/src/settings/ (edit there).',
  ];
  for (const slice of SETTINGS_SLICES) {
    const names = Object.keys(slice.settings);
    out.push('', `# ==== ${slice.title} (${sliceReaders(names)}) ====`);
    for (const name of names) out.push('', `# ${settingDoc(name) || name}`, `# ${name}=${shownDefault(name)}`);
  }
  return `${out.join('\n')}\n`;
}

/** Every generated file: repository-relative path → its content as generated from the schema now. */
export function generatedSettingsFiles(): Map<string, string> {
  return new Map([
    ['.env.example', envExample()],
    ['README.md', spliced(read('README.md'), README_BEGIN, README_END, readmeSettingsSection(), 'README.md')],
    [`${CHART}/values.yaml`, spliced(read(`${CHART}/values.yaml`), VALUES_BEGIN, VALUES_END, valuesSettingsSection(), 'values.yaml')],
    [`${CHART}/values.schema.json`, valuesSchemaJson()],
  ]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const [path, content] of generatedSettingsFiles()) {
    if (read(path) === content) continue;
    stale.push(path);
    if (!check) writeFileSync(join(ROOT, path), content);
  }
  if (check && stale.length > 0) {
    console.error(`stale (run npm run docs:settings): ${stale.join(', ')}`);
    process.exit(1);
  }
  console.log(stale.length === 0 ? 'settings files up to date' : `${check ? 'stale' : 'wrote'}: ${stale.join(', ')}`);
}
