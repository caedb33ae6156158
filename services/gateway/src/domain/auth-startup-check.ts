import type { Logger, Settings } from '@bedrock-mcp/common';
import { parseServiceKeys } from './api-key-authenticator.js';
import type { UserApiKeyStore } from './user-api-key-store.js';

export const CREATE_KEY_HINT = 'npm run admin -w services/gateway -- create-key --user <user-id>';

/**
 * Refuses to start a production gateway nobody could call (no API_KEY and no per-user key);
 * elsewhere, warns when only per-user keys will work.
 */
export async function checkAuthConfiguration(settings: Pick<Settings, 'API_KEY' | 'NODE_ENV'>, userKeys: Pick<UserApiKeyStore, 'count'>, logger: Logger): Promise<void> {
  if (parseServiceKeys(settings.API_KEY).length > 0) return;
  const userKeyCount = await userKeys.count();
  if (settings.NODE_ENV === 'production' && userKeyCount === 0) {
    throw new Error(`no API key is configured: set API_KEY (service keys) or create a per-user key with \`${CREATE_KEY_HINT}\``);
  }
  logger.warn({ userKeyCount }, `API_KEY is not set: only per-user keys work (create one with \`${CREATE_KEY_HINT}\`)`);
}
