import type { Logger } from '@bedrock-mcp/common';
import { McpServerConfigSchema, type McpServerConfig } from '@bedrock-mcp/contracts';
import { z } from 'zod';
import { mapHttpSecrets, mapSecretRecord } from './http-secrets.js';
import { SealedSecretError, type SecretCipher } from './secret-cipher.js';
import type { UserServerRecord } from './user-server-store.js';

/**
 * A record as stored: readable JSON whose secret values (env values, token, header values) are
 * sealed strings, so the config itself still matches McpServerConfigSchema.
 */
const StoredServerSchema = z
  .object({
    v: z.literal(1),
    config: McpServerConfigSchema,
    createdAt: z.number().int().nonnegative(),
    updatedAt: z.number().int().nonnegative(),
  })
  .strict();

/** A stored entry that cannot be read (bad JSON, wrong shape, altered secret). `reason` holds no values. */
export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError';
  constructor(readonly reason: string) {
    super(`stored MCP server config is corrupt: ${reason}`);
  }
}

/** Turns records into stored text and back, sealing and opening the secret values. */
export class ServerRecordCodec {
  constructor(private readonly cipher: SecretCipher) {}

  encode(userId: string, record: UserServerRecord): string {
    const seal = (field: string, value: string) => this.cipher.encrypt(value, secretContext(userId, record.serverId, field));
    const stored: z.input<typeof StoredServerSchema> = {
      v: 1,
      config: mapSecrets(record.config, seal),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
    return JSON.stringify(stored);
  }

  /** Throws CorruptRecordError, or SecretKeyMismatchError when SECRETS_KEY changed. */
  decode(userId: string, serverId: string, raw: string): UserServerRecord {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new CorruptRecordError('not JSON');
    }
    const parsed = StoredServerSchema.safeParse(json);
    if (!parsed.success) {
      throw new CorruptRecordError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`).join('; '));
    }
    const open = (field: string, sealed: string) => {
      try {
        return this.cipher.decrypt(sealed, secretContext(userId, serverId, field));
      } catch (error) {
        if (error instanceof SealedSecretError) throw new CorruptRecordError(`${field}: ${error.message}`);
        throw error;
      }
    };
    const { config, createdAt, updatedAt } = parsed.data;
    return { serverId, config: mapSecrets(config, open), createdAt, updatedAt };
  }

  /** The createdAt of a stored entry, read without decrypting (so a put can keep it); undefined if unreadable. */
  static createdAtOf(raw: string | undefined): number | undefined {
    if (raw === undefined) return undefined;
    try {
      const createdAt: unknown = (JSON.parse(raw) as { createdAt?: unknown }).createdAt;
      return typeof createdAt === 'number' && Number.isSafeInteger(createdAt) && createdAt >= 0 ? createdAt : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * decode(), except that a corrupt entry is logged (ids and reason only, never content) and read as
 * absent. A changed SECRETS_KEY still throws: that is a deployment error, not one bad entry.
 */
export function decodeOrSkip(
  codec: ServerRecordCodec,
  logger: Logger,
  userId: string,
  serverId: string,
  raw: string,
): UserServerRecord | undefined {
  try {
    return codec.decode(userId, serverId, raw);
  } catch (error) {
    if (!(error instanceof CorruptRecordError)) throw error;
    logger.warn({ userId, serverId, reason: error.reason }, 'skipping corrupt stored MCP server config');
    return undefined;
  }
}

/** Associated data binding a sealed value to its user, server and field (ids cannot contain NUL). */
function secretContext(userId: string, serverId: string, field: string): string {
  return `${userId}\u0000${serverId}\u0000${field}`;
}

function mapSecrets(config: McpServerConfig, transform: (field: string, value: string) => string): McpServerConfig {
  if (config.transport === 'stdio') return { ...config, env: mapSecretRecord('env', config.env, transform) };
  return mapHttpSecrets(config, transform);
}
