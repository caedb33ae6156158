import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export interface TestRedis {
  /** URL to hand to services under test. */
  url: string;
  /** A key prefix unique to this test (ends with ':'); pass it as REDIS_PREFIX. */
  prefix: string;
  /** A connection for assertions; closed by close(). */
  client: Redis;
  /** Deletes every key under the prefix and closes the client. */
  close(): Promise<void>;
}

let containerUrl: Promise<string> | undefined;

/**
 * Redis for a test: REDIS_URL when set (this machine and CI run one on 127.0.0.1:6379), else a
 * reachable local default, else a testcontainers Redis where a Docker engine exists. Each call
 * gets its own key prefix so suites can run in parallel against one server.
 */
export async function startTestRedis(label = 'test'): Promise<TestRedis> {
  const url = await resolveRedisUrl();
  const prefix = `t:${label}:${randomUUID().slice(0, 8)}:`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return {
    url,
    prefix,
    client,
    async close() {
      try {
        await deleteByPrefix(client, prefix);
      } finally {
        client.disconnect();
      }
    },
  };
}

async function resolveRedisUrl(): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const local = 'redis://127.0.0.1:6379';
  if (await canPing(local)) return local;
  containerUrl ??= startContainer();
  return containerUrl;
}

async function canPing(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function startContainer(): Promise<string> {
  try {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').start();
    return container.getConnectionUrl();
  } catch (error) {
    throw new Error(
      `No Redis for tests: set REDIS_URL, run redis-server on 127.0.0.1:6379, or provide a Docker engine (${(error as Error).message})`,
      { cause: error },
    );
  }
}

export async function deleteByPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

/** Every key under `prefix` with its value as text (strings, hashes, lists, sets, sorted sets, streams), for asserting what Redis holds. */
export async function contentsByPrefix(client: Redis, prefix: string): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) parts.push(`${key} ${JSON.stringify(await valueOf(client, key))}`);
  } while (cursor !== '0');
  return parts.join('\n');
}

async function valueOf(client: Redis, key: string): Promise<unknown> {
  const type = await client.type(key);
  switch (type) {
    case 'string':
      return client.get(key);
    case 'hash':
      return client.hgetall(key);
    case 'list':
      return client.lrange(key, 0, -1);
    case 'set':
      return client.smembers(key);
    case 'zset':
      return client.zrange(key, '0', '-1');
    case 'stream':
      return client.xrange(key, '-', '+');
    default:
      return type; // expired meanwhile ('none'), or a type no service writes
  }
}

/**
 * One Redis command run from another process, its reply as text: what Redis holds at this moment,
 * even while this process's event loop is held (so nothing this process queued for a later write
 * has gone out).
 */
export function redisReplyFromAnotherProcess(url: string, command: string, ...args: string[]): string {
  const script = `const { Redis } = require('ioredis'); const [url, command, ...args] = process.argv.slice(1); const redis = new Redis(url); redis.call(command, ...args).then((reply) => { process.stdout.write(String(reply)); redis.disconnect(); });`;
  const run = spawnSync(process.execPath, ['-e', script, url, command, ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the other process failed: ${run.stderr}`);
  return run.stdout;
}
