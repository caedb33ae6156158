import type { Logger, Settings } from '@bedrock-mcp/common';
import { resolveAuthMode, type AuthSettings } from '../identity/auth-mode.js';
import { parseServiceKeys } from './api-key-authenticator.js';

/**
 * Decides at start-up how people sign in (AUTH_MODE; throws when `auto` has neither an identity
 * provider nor a loopback bind) and logs what the gateway accepts: sign-in, personal keys, and
 * service keys when API_KEY is set.
 */
export function checkAuthConfiguration(settings: AuthSettings & Pick<Settings, 'API_KEY' | 'LOCAL_USER_ID'>, logger: Logger): void {
  const { mode, warning } = resolveAuthMode(settings);
  if (warning) logger.warn({ authMode: mode }, warning);
  const serviceKeys = parseServiceKeys(settings.API_KEY).length;
  logger.info(
    { authMode: mode, serviceKeys },
    `sign-in: ${mode === 'oidc' ? `OpenID Connect (${settings.OIDC_ISSUER_URL ?? ''})` : `local user '${settings.LOCAL_USER_ID}', no identity provider`}; ` +
      `personal API keys; ${serviceKeys > 0 ? `${serviceKeys} service key(s) (API_KEY)` : 'no service keys (API_KEY unset)'}`,
  );
}
