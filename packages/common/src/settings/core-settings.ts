import { z } from 'zod';
import { int, optionalString } from './setting-fields.js';

/** Settings every service reads: environment, logging, Redis, the internal credential, the AWS region and shutdown. */
export const CORE_SETTINGS = {
  /** development | production | test; production refuses unsafe defaults (no SECRETS_KEY, the development INTERNAL_API_KEY). */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** pino level of every service's JSON log lines. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** When set, each service also writes its JSON log lines to `<LOG_DIR>/<service>.log`. */
  LOG_DIR: optionalString,
  /** Path of conf/config.json, relative to the project root. */
  CONFIG_PATH: z.string().default('conf/config.json'),
  /** Redis for queues, stream events, history and (by default) users' MCP server configs. */
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** Prepended to every Redis key and channel (lets several deployments share one Redis). */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]*$/).default('bmcp:'),
  /**
   * Shared secret (at least 32 characters, e.g. `openssl rand -base64 32`) the gateway, agent-worker
   * and mcp-pool present to each other as `Authorization: Bearer <key>`: the pool serves no request,
   * call socket or replica forward without it, and `/metrics` of every service requires it. Required
   * everywhere: the services refuse to start without it (`npm start` generates one into `.env`).
   */
  INTERNAL_API_KEY: optionalString.pipe(z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)').optional()),
  /** Bedrock (and DynamoDB) region; credentials come from the standard AWS chain or conf/credential.csv. */
  AWS_REGION: z.string().default('us-east-1'),
  /** Seconds SIGTERM waits for in-flight work before exiting. */
  SHUTDOWN_TIMEOUT_S: int(30, 1, 3600),
};
