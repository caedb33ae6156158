import type { CatalogServer, StdioServerConfig } from '@bedrock-mcp/contracts';

export type UserStdioMode = 'none' | 'catalog' | 'any';

/**
 * Whether a user may run this stdio server (MCP_USER_STDIO): `none` never; `catalog` when its
 * command and args equal an entry of conf's userServerCatalog, it sets only that entry's
 * env_keys, and it sets no cwd; `any` always. Returns the reason for a refusal, else undefined.
 */
export function userStdioRefusal(config: StdioServerConfig, mode: UserStdioMode, catalog: Readonly<Record<string, CatalogServer>>): string | undefined {
  if (mode === 'any') return undefined;
  if (mode === 'none') return 'user-added stdio servers are disabled on this platform (MCP_USER_STDIO=none); add a URL server instead';
  if (config.cwd !== undefined) return 'user-added stdio servers may not set cwd';
  const entry = catalogEntryFor(config, catalog);
  if (!entry) return `the command is not in the server catalog; allowed: ${Object.keys(catalog).join(', ') || '(none)'}`;
  const extra = Object.keys(config.env).filter((name) => !entry.env_keys.includes(name));
  if (extra.length > 0) return `env variables not allowed for this catalog server: ${extra.join(', ')}`;
  return undefined;
}

/** The catalog entry whose command and args this config runs, if any. */
export function catalogEntryFor(config: StdioServerConfig, catalog: Readonly<Record<string, CatalogServer>>): CatalogServer | undefined {
  return Object.values(catalog).find((candidate) => candidate.command === config.command && sameArgs(candidate.args, config.args));
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
