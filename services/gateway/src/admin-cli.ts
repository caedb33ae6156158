import { parseArgs } from 'node:util';
import { ConfigError, createRedis, createRedisKeys, GatewaySettingsSchema, loadConfig } from '@bedrock-mcp/common';
import { UserApiKeyStore } from './domain/user-api-key-store.js';

const USAGE = `usage: npm run admin -w services/gateway -- <command> [options]
  create-key --user <id> [--label <text>] [--expires-days <n>]
                                            create a per-user API key (printed once)
  list-keys [--user <id>]                   list keys (ids, users, labels; never the keys)
  revoke-key --id <key-id> [--user <id>]    revoke a key by its 12-hex-digit id`;

class UsageError extends Error {}

/** The admin command line for per-user API keys; returns the exit code. */
export async function runAdminCli(argv: string[], out: (line: string) => void, store: UserApiKeyStore): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { user: { type: 'string' }, label: { type: 'string' }, id: { type: 'string' }, 'expires-days': { type: 'string' } },
    strict: true,
  });
  switch (command) {
    case 'create-key': {
      if (!values.user) throw new UsageError('create-key needs --user <id>');
      const days = values['expires-days'] === undefined ? undefined : Number(values['expires-days']);
      if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= 3650)) throw new UsageError('--expires-days must be a whole number of days from 1 to 3650');
      const { apiKey, keyId } = await store.create(values.user, { label: values.label, expiresInMs: days === undefined ? undefined : days * 86_400_000 });
      out(`created key ${keyId} for user ${values.user}${values.label ? ` (${values.label})` : ''}`);
      out(`api key (shown only now): ${apiKey}`);
      return 0;
    }
    case 'list-keys': {
      const keys = await store.list(values.user);
      if (keys.length === 0) out('no keys');
      for (const key of keys) {
        const expiry = key.expiresAt === undefined ? '' : `  expires ${new Date(key.expiresAt).toISOString()}`;
        out(`${key.keyId}  ${key.userId}  ${new Date(key.createdAt).toISOString()}  ${key.label ?? ''}${expiry}`.trimEnd());
      }
      return 0;
    }
    case 'revoke-key': {
      if (!values.id) throw new UsageError('revoke-key needs --id <key-id>');
      const revoked = await store.revoke(values.id, values.user);
      out(revoked > 0 ? `revoked ${revoked} key(s)` : 'no such key');
      return revoked > 0 ? 0 : 1;
    }
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'no command');
  }
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ schema: GatewaySettingsSchema });
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const redis = createRedis(config.settings.REDIS_URL, 'gateway-admin', { maxRetriesPerRequest: 1, connectTimeout: 5000 });
  try {
    const store = new UserApiKeyStore(redis, createRedisKeys(config.settings.REDIS_PREFIX));
    process.exitCode = await runAdminCli(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`), store);
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`${(error as Error).message}\n${usage ? `${USAGE}\n` : ''}`);
    process.exitCode = usage ? 2 : 1;
  } finally {
    redis.disconnect();
  }
}

if (import.meta.url === new URL(process.argv[1] ?? '', 'file://').href) await main();
