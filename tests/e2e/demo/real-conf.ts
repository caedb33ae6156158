import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfigFileSchema, type AppConfigFile } from '@bedrock-mcp/contracts';
import { PROJECT_ROOT } from '../support/service-process.js';

/** The preset servers the README's hands-on demo uses. */
export const DEMO_SERVER_IDS = ['local_fs', 'db_sqlite', 'cot'] as const;

/**
 * The repository's conf/config.json, parsed by the platform's own schema: its models, its catalog
 * and the demo's preset servers exactly as shipped. Their paths come from `${USER_WORKSPACE}`,
 * which the stack points at its temp folder (USER_WORKSPACES_DIR).
 */
export function realConf(): AppConfigFile {
  const conf = AppConfigFileSchema.parse(JSON.parse(readFileSync(join(PROJECT_ROOT, 'conf', 'config.json'), 'utf8')));
  for (const id of DEMO_SERVER_IDS) {
    if (!conf.mcpServers[id]) throw new Error(`conf/config.json has no mcpServers.${id}: the hands-on demo needs it`);
  }
  return conf;
}
