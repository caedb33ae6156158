import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { parseDockerfile, type Dockerfile } from '../../deploy/scripts/dockerfile.js';

/** Readers for the deployment files the tests in this folder check (data only; nothing runs). */

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const chartDir = join(repoRoot, 'charts/bedrock-mcp-platform');
/** The compose specification's schema lives outside the project (never copied into it). */
export const composeSpecPath = join(repoRoot, '../shared/schemas/compose-spec.json');

export const APP_SERVICES = ['gateway', 'agent-worker', 'mcp-pool', 'web'] as const;

export function readText(relativePath: string): string {
  return readFileSync(join(repoRoot, relativePath), 'utf8');
}

export function exists(relativePath: string): boolean {
  return existsSync(join(repoRoot, relativePath));
}

/** YAML as compose and Helm read it: `<<` merge keys resolved. */
export function readYaml<T = unknown>(relativePath: string): T {
  return parseYaml(readText(relativePath), { merge: true }) as T;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string; args?: Record<string, string> };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  env_file?: Array<string | { path: string; required?: boolean }>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  profiles?: string[];
  container_name?: string;
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: { test: string[] };
  read_only?: boolean;
  security_opt?: string[];
  [key: string]: unknown;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

export function loadCompose(): ComposeFile {
  return readYaml<ComposeFile>('docker-compose.yml');
}

/**
 * Compose's variable interpolation for the forms the compose file uses (`${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `$$`), as it happens on a fresh clone when `env` holds no values.
 */
export function interpolate(value: string, env: Record<string, string> = {}): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g, (match, name: string | undefined, op: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    const set = env[name!];
    if (op === ':-') return set === undefined || set === '' ? fallback! : set;
    if (op === '-') return set === undefined ? fallback! : set;
    return set ?? '';
  });
}

/** A service's environment after interpolation, as strings (what the container sees). */
export function composeEnvironment(service: ComposeService, env: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(String(value ?? ''), env)]));
}

export function loadChartValues(): Record<string, any> {
  return readYaml<Record<string, any>>('charts/bedrock-mcp-platform/values.yaml');
}

export function loadValuesSchema(): Record<string, any> {
  return JSON.parse(readText('charts/bedrock-mcp-platform/values.schema.json')) as Record<string, any>;
}

/** ajv as strict as it goes: a schema mistake (unknown keyword, required without property) fails too. */
export function compileStrict(schema: object): ValidateFunction {
  return new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
}

/** For third-party schemas (the compose spec) that do not satisfy ajv's strict mode themselves. */
export function compileThirdParty(schema: object): ValidateFunction {
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

/** Every chart template (file name → text), helpers included. */
export function chartTemplates(): Map<string, string> {
  const dir = join(chartDir, 'templates');
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

export function errorsOf(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}

export function readDockerfile(relativePath: string): Dockerfile {
  return parseDockerfile(readText(relativePath));
}

/**
 * A workspace folder and every workspace it references through tsconfig project references,
 * transitively (what `tsc -b` builds and the image must carry the dist of).
 */
export function tsconfigClosure(workspace: string): string[] {
  const seen = new Set<string>();
  const visit = (folder: string) => {
    if (seen.has(folder)) return;
    seen.add(folder);
    const tsconfig = JSON.parse(readText(`${folder}/tsconfig.json`)) as { references?: Array<{ path: string }> };
    for (const reference of tsconfig.references ?? []) {
      visit(relative(repoRoot, normalize(join(repoRoot, folder, reference.path))));
    }
  };
  visit(workspace);
  return [...seen].sort();
}

/** The ACL users a redis-server command line defines (`--user <name> <rule>…`): name → rules. */
export function redisAclUsers(args: readonly string[]): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (let index = 0; index < args.length; index++) {
    if (args[index] !== '--user') continue;
    const rules: string[] = [];
    let next = index + 2;
    for (; next < args.length && !args[next]!.startsWith('--'); next++) rules.push(args[next]!);
    users.set(args[index + 1]!, rules);
    index = next - 1;
  }
  return users;
}

/** The bundled Redis's arguments in the chart's redis.yaml (list items after `args:`), unquoted, as written (templates not rendered). */
export function chartRedisArgs(): string[] {
  const text = chartTemplates().get('redis.yaml')!;
  const block = text.slice(text.indexOf('          args:\n'), text.indexOf('          ports:\n'));
  return [...block.matchAll(/^\s+- (.+)$/gm)].map((match) => match[1]!.replace(/^"(.*)"$/, '$1'));
}
