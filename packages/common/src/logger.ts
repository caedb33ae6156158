import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks wherever they appear; anything that may carry a credential. Values of MCP
 * server `env`, tokens and headers are never logged in the first place; this is the safety net.
 */
export const REDACTED_PATHS = [
  'apiKey',
  '*.apiKey',
  'api_key',
  '*.api_key',
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'env',
  '*.env',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'accessKeyId',
  '*.accessKeyId',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  // Sign-in: the OIDC client secret, a session's CSRF token, the session cookie in any headers object.
  'OIDC_CLIENT_SECRET',
  '*.OIDC_CLIENT_SECRET',
  'csrfToken',
  '*.csrfToken',
  'csrf_token',
  '*.csrf_token',
  'headers.cookie',
  '*.headers.cookie',
  'req.headers["x-csrf-token"]',
];

export interface CreateLoggerOptions {
  service: string;
  level?: LoggerOptions['level'];
  /** Also append JSON lines to `<logDir>/<service>.log`. */
  logDir?: string | undefined;
  /** Destination for tests; defaults to stdout. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const base: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (options.destination) return pino(base, options.destination);
  if (!options.logDir) return pino(base);
  mkdirSync(options.logDir, { recursive: true });
  return pino(
    base,
    pino.multistream([
      { stream: pino.destination(1) },
      { stream: pino.destination({ dest: join(options.logDir, `${options.service}.log`), mkdir: true, sync: false }) },
    ]),
  );
}
