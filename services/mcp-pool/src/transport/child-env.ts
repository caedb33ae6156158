import { delimiter } from 'node:path';

/**
 * Variables of the pool's own environment a server process may see. Everything else — AWS_*,
 * API_KEY, SECRETS_KEY, COMPATIBLE_API_KEY, REDIS_URL and any other credential — stays out.
 */
const INHERITED_ENV_NAMES = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'TERM', 'USER', 'LOGNAME', 'SHELL', 'NODE_EXTRA_CA_CERTS'] as const;

/**
 * The environment for a server process: the allowlisted part of `parentEnv`, `extraPathDirs`
 * put first on PATH (so conf commands such as `mcp-server-filesystem` resolve from the project's
 * node_modules/.bin), then the server's own variables, which win.
 */
export function buildChildEnv(parentEnv: NodeJS.ProcessEnv, serverEnv: Record<string, string>, extraPathDirs: string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV_NAMES) {
    const value = parentEnv[name];
    // Values starting with "()" are exported shell functions: never pass them on.
    if (value !== undefined && !value.startsWith('()')) env[name] = value;
  }
  const path = [...extraPathDirs, ...(env.PATH ? env.PATH.split(delimiter) : [])].filter(Boolean);
  if (path.length > 0) env.PATH = [...new Set(path)].join(delimiter);
  return { ...env, ...serverEnv };
}
