import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { AppConfigFileSchema, formatIssuePath, type AppConfigFile } from '@bedrock-mcp/contracts';
import type { z } from 'zod';
import { findProjectRoot } from './project-root.js';
import { isPlatformService, secretsWithheldFrom } from './service-secrets.js';
import { resolveSettingAliases } from './settings/setting-aliases.js';
import { SettingsSchema, type Settings } from './settings.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A settings schema: an object of environment variable names (the loader resolves SETTING_ALIASES in it). */
export type SettingsObjectSchema = z.ZodObject;

export interface RuntimeConfig<S = Settings> {
  readonly settings: S;
  /** Things about the settings worth a warning once the logger exists (an old name set to a different value than its new name). */
  readonly warnings: readonly string[];
  readonly app: AppConfigFile;
  readonly projectRoot: string;
  /** An absolute path for a setting that names a file or folder relative to the project root. */
  resolvePath(path: string): string;
}

export interface LoadConfigOptions<Schema extends SettingsObjectSchema = typeof SettingsSchema> {
  /** The settings to parse (a service's own slice); default every setting of the platform. */
  schema?: Schema;
  /**
   * Defaults to process.env, which then also receives the .env file's variables it lacks (real
   * variables win), so libraries reading the environment directly see them.
   */
  env?: NodeJS.ProcessEnv;
  /** Where to start looking for the project root. */
  cwd?: string;
  /** Read `<root>/.env` (or ENV_FILE); default true. */
  readDotenv?: boolean;
  /** The service loading it: the platform secrets it does not use are left out (see PLATFORM_SECRETS). */
  service?: string;
}

/** Environment + .env + conf/config.json, parsed once; throws ConfigError naming the bad value. */
export function loadConfig<Schema extends SettingsObjectSchema = typeof SettingsSchema>(options: LoadConfigOptions<Schema> = {}): RuntimeConfig<z.output<Schema>> {
  const projectRoot = findProjectRoot(options.cwd);
  const resolvePath = (path: string) => (isAbsolute(path) ? path : resolve(projectRoot, path));
  const realEnv = options.env ?? process.env;
  const allFileEnv = options.readDotenv === false ? {} : readDotenvFile(realEnv.ENV_FILE ?? join(projectRoot, '.env'), resolvePath);
  const merged: NodeJS.ProcessEnv = { ...allFileEnv, ...realEnv };
  const withheld = new Set(options.service !== undefined && isPlatformService(options.service) ? secretsWithheldFrom(options.service, merged) : []);
  const fileEnv = Object.fromEntries(Object.entries(allFileEnv).filter(([name]) => !withheld.has(name)));
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(merged).filter(([name]) => !withheld.has(name)));
  // The secrets this service does not use stay out of reach of its libraries and children.
  if (options.env === undefined) for (const name of withheld) delete process.env[name];
  // Libraries that read the process environment themselves (the AWS SDK's credential chain and
  // AWS_ENDPOINT_URL_*) must see .env values too; real variables still win.
  if (options.env === undefined) {
    for (const [name, value] of Object.entries(fileEnv)) process.env[name] ??= value;
  }
  if (env.ddb_table === undefined && env.DDB_TABLE !== undefined) env.ddb_table = env.DDB_TABLE;

  const schema = options.schema ?? SettingsSchema;
  const settings = parseOrThrow(schema, env, (path) => `environment variable ${path}`) as z.output<Schema> & Pick<Settings, 'CONFIG_PATH'>;
  const warnings = resolveSettingAliases(settings, env, Object.keys(schema.shape));
  const configPath = resolvePath(settings.CONFIG_PATH);
  const app = parseOrThrow(AppConfigFileSchema, readJson(configPath), (path) => `${settings.CONFIG_PATH}: ${path || '(root)'}`);
  // The API keys of conf/config.json's providers (api_key_env) are the agent worker's alone.
  if (options.env === undefined && options.service !== undefined && options.service !== 'agent-worker' && isPlatformService(options.service)) {
    for (const name of providerKeyVariables(app)) delete process.env[name];
  }
  return { settings, warnings, app, projectRoot, resolvePath };
}

function providerKeyVariables(app: AppConfigFile): string[] {
  return Object.values(app.providers).flatMap((provider) => (provider.kind === 'openai' && provider.api_key_env ? [provider.api_key_env] : []));
}

function readDotenvFile(path: string, resolvePath: (p: string) => string): Record<string, string> {
  const absolute = resolvePath(path);
  if (!existsSync(absolute)) return {};
  return parseDotenv(readFileSync(absolute));
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, describe: (path: string) => string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => `${describe(formatIssuePath(issue.path))}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n  ${messages.join('\n  ')}`);
}
