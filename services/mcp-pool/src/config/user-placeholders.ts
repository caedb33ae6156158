import type { StdioServerConfig } from '@bedrock-mcp/contracts';

const PLACEHOLDER = /\$\{(USER_ID|USER_WORKSPACE)\}/g;

export interface UserPlaceholderValues {
  USER_ID: string;
  USER_WORKSPACE: string;
}

/** Whether args, env values or cwd use `${USER_ID}` or `${USER_WORKSPACE}`. */
export function usesPlaceholder(config: StdioServerConfig, name?: keyof UserPlaceholderValues): boolean {
  const texts = [...config.args, ...Object.values(config.env), ...(config.cwd ? [config.cwd] : [])];
  return texts.some((text) => [...text.matchAll(PLACEHOLDER)].some((match) => name === undefined || match[1] === name));
}

/** The config with `${USER_ID}` / `${USER_WORKSPACE}` in args, env values and cwd replaced. */
export function substituteUserPlaceholders(config: StdioServerConfig, values: UserPlaceholderValues): StdioServerConfig {
  const replace = (text: string) => text.replace(PLACEHOLDER, (_match, name: keyof UserPlaceholderValues) => values[name]);
  return {
    ...config,
    args: config.args.map(replace),
    env: Object.fromEntries(Object.entries(config.env).map(([key, value]) => [key, replace(value)])),
    ...(config.cwd === undefined ? {} : { cwd: replace(config.cwd) }),
  };
}
