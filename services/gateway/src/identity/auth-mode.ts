import { isIP } from 'node:net';
import type { Settings } from '@bedrock-mcp/common';
import type { AuthMode } from '@bedrock-mcp/contracts';

export type AuthSettings = Pick<Settings, 'AUTH_MODE' | 'OIDC_ISSUER_URL' | 'OIDC_CLIENT_ID' | 'MCP_SERVICE_HOST' | 'PUBLIC_URL' | 'WEB_PORT'>;

/** What start-up decided: the sign-in mode, and a warning to log (if any). */
export interface ResolvedAuthMode {
  mode: AuthMode;
  warning?: string;
}

/** True for a bind address only this machine can reach (`127.0.0.0/8`, `::1`, `localhost`). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare.startsWith('::ffff:127.');
}

/**
 * AUTH_MODE at start-up: `auto` becomes oidc with an issuer, local on a loopback bind, and otherwise
 * an error (everyone who could reach the gateway would be the local user). Throws with a message
 * naming the settings to change.
 */
export function resolveAuthMode(settings: AuthSettings): ResolvedAuthMode {
  const loopback = isLoopbackHost(settings.MCP_SERVICE_HOST);
  switch (settings.AUTH_MODE) {
    case 'oidc':
      if (!settings.OIDC_ISSUER_URL || !settings.OIDC_CLIENT_ID) throw new Error('AUTH_MODE=oidc needs OIDC_ISSUER_URL and OIDC_CLIENT_ID');
      return { mode: 'oidc' };
    case 'local': {
      const warnings = [
        ...(loopback ? [] : [`AUTH_MODE=local on ${settings.MCP_SERVICE_HOST}: everyone who reaches the gateway (or the web server in front of it) acts as the local user; publish its ports on loopback only`]),
        // docker-compose.yml sets AUTH_MODE=local unless .env says otherwise.
        ...(settings.OIDC_ISSUER_URL ? ['AUTH_MODE=local ignores OIDC_ISSUER_URL: set AUTH_MODE=oidc (or auto) to sign in with the identity provider'] : []),
      ];
      return warnings.length > 0 ? { mode: 'local', warning: warnings.join('; ') } : { mode: 'local' };
    }
    case 'auto':
      if (settings.OIDC_ISSUER_URL) {
        if (!settings.OIDC_CLIENT_ID) throw new Error('OIDC_ISSUER_URL is set but OIDC_CLIENT_ID is not');
        return { mode: 'oidc' };
      }
      if (loopback) return { mode: 'local' };
      throw new Error(
        `no identity provider is configured and the gateway binds ${settings.MCP_SERVICE_HOST}, not a loopback address: ` +
          'set OIDC_ISSUER_URL and OIDC_CLIENT_ID (sign-in), bind MCP_SERVICE_HOST=127.0.0.1, or set AUTH_MODE=local ' +
          'to let everyone who reaches it act as one local user',
      );
  }
}

/** PUBLIC_URL without a trailing slash, or `http://localhost:<WEB_PORT>`. */
export function publicUrl(settings: Pick<Settings, 'PUBLIC_URL' | 'WEB_PORT'>): URL {
  return new URL(settings.PUBLIC_URL ?? `http://localhost:${settings.WEB_PORT}`);
}
