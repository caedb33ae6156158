import type { Logger } from '@bedrock-mcp/common';
import type { McpServerConfig, StdioServerConfig } from '@bedrock-mcp/contracts';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretCipher } from '../secret-cipher.js';
import type { UserServerStore } from '../user-server-store.js';
import { captureLogger } from './capture-logger.js';

/** A backend under test: stores over one shared set of data, plus raw access to it. */
export interface UserServerStoreHarness {
  /** A store over this harness's data; the harness closes it. */
  open(options: { cipher: SecretCipher; logger: Logger; now?: () => number }): UserServerStore;
  /** Everything stored for the user, as at rest (stringified), for "no plaintext" checks. */
  readRawUser(userId: string): Promise<string>;
  /** One entry's stored text, as at rest. */
  readRaw(userId: string, serverId: string): Promise<string | undefined>;
  /** Overwrites one entry's stored text (corruption, tampering). */
  writeRaw(userId: string, serverId: string, raw: string): Promise<void>;
  close(): Promise<void>;
}

const ENV_SECRET = 'sk-env-secret-5f1b7c2e';
const TOKEN_SECRET = 'tok-secret-9a8b7c6d';
const HEADER_SECRET = 'hdr-secret-1234abcd';

const stdioConfig = (extra: Partial<StdioServerConfig> = {}): StdioServerConfig => ({
  transport: 'stdio',
  command: 'npx',
  args: ['-y', '@modelcontextprotocol/server-everything'],
  env: { API_KEY: ENV_SECRET, REGION: 'eu-west-1' },
  enabled: true,
  ...extra,
});

const httpConfig: McpServerConfig = {
  transport: 'streamable_http',
  url: 'https://mcp.example.com/mcp',
  token: TOKEN_SECRET,
  headers: { 'X-Api-Key': HEADER_SECRET },
  description: 'remote tools',
  enabled: false,
};

const newUserId = () => `user-${randomUUID().slice(0, 8)}`;

/**
 * The behaviour every UserServerStore must have, run against a real backend. `startHarness` is
 * called once for the suite.
 */
export function describeUserServerStoreContract(name: string, startHarness: () => Promise<UserServerStoreHarness>): void {
  describe(`${name} (UserServerStore contract)`, () => {
    let harness: UserServerStoreHarness;
    let clock = 1_700_000_000_000;
    const now = () => clock;
    const cipher = SecretCipher.fromSecret('contract-test-secrets-key-one');
    const log = captureLogger();
    let store: UserServerStore;

    beforeAll(async () => {
      harness = await startHarness();
      store = harness.open({ cipher, logger: log.logger, now });
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('adds, gets, lists, puts and removes', async () => {
      const userId = newUserId();
      expect(await store.list(userId)).toEqual([]);
      expect(await store.get(userId, 'everything')).toBeUndefined();

      clock += 1000;
      const createdAt = clock;
      expect(await store.add(userId, 'everything', stdioConfig())).toBe(true);
      const added = { serverId: 'everything', config: stdioConfig(), createdAt, updatedAt: createdAt };
      expect(await store.get(userId, 'everything')).toEqual(added);

      clock += 1000;
      expect(await store.add(userId, 'remote', httpConfig)).toBe(true);
      expect((await store.list(userId)).map((record) => record.serverId)).toEqual(['everything', 'remote']);

      clock += 1000;
      const changed = stdioConfig({ args: ['-y', 'other'], enabled: false });
      await store.put(userId, 'everything', changed);
      expect(await store.get(userId, 'everything')).toEqual({ serverId: 'everything', config: changed, createdAt, updatedAt: clock });

      expect(await store.remove(userId, 'everything')).toBe(true);
      expect(await store.remove(userId, 'everything')).toBe(false);
      expect(await store.get(userId, 'everything')).toBeUndefined();
      expect((await store.list(userId)).map((record) => record.serverId)).toEqual(['remote']);
    });

    it('put creates a missing server, for a user with no servers at all', async () => {
      const userId = newUserId();
      clock += 1000;
      await store.put(userId, 'remote', httpConfig);
      expect(await store.get(userId, 'remote')).toEqual({ serverId: 'remote', config: httpConfig, createdAt: clock, updatedAt: clock });
      expect(await store.add(userId, 'remote', stdioConfig())).toBe(false);
    });

    it('add of an existing id returns false and keeps the original', async () => {
      const userId = newUserId();
      expect(await store.add(userId, 'srv', stdioConfig())).toBe(true);
      expect(await store.add(userId, 'srv', httpConfig)).toBe(false);
      expect((await store.get(userId, 'srv'))?.config).toEqual(stdioConfig());
    });

    it('of 10 concurrent adds of one id exactly one wins, and its config is the one stored', async () => {
      const userId = newUserId();
      const configs = Array.from({ length: 10 }, (_, index) => stdioConfig({ args: [`attempt-${index}`] }));
      const results = await Promise.all(configs.map((config) => store.add(userId, 'contested', config)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = configs[results.indexOf(true)];
      expect((await store.get(userId, 'contested'))?.config).toEqual(winner);
      expect(await store.list(userId)).toHaveLength(1);
    });

    it('concurrent adds of different ids for a new user all land', async () => {
      const userId = newUserId();
      const ids = Array.from({ length: 8 }, (_, index) => `srv-${index}`);
      expect(await Promise.all(ids.map((id) => store.add(userId, id, stdioConfig())))).toEqual(ids.map(() => true));
      expect((await store.list(userId)).map((record) => record.serverId).sort()).toEqual(ids);
    });

    it('keeps users apart', async () => {
      const alice = newUserId();
      const bob = newUserId();
      expect(await store.add(alice, 'shared-name', stdioConfig())).toBe(true);
      expect(await store.list(bob)).toEqual([]);
      expect(await store.get(bob, 'shared-name')).toBeUndefined();
      expect(await store.remove(bob, 'shared-name')).toBe(false);
      expect(await store.add(bob, 'shared-name', httpConfig)).toBe(true);
      expect((await store.get(alice, 'shared-name'))?.config).toEqual(stdioConfig());
      expect((await store.get(bob, 'shared-name'))?.config).toEqual(httpConfig);
    });

    it('stores secrets encrypted and the rest readable, and returns them decrypted', async () => {
      const userId = newUserId();
      await store.add(userId, 'local', stdioConfig());
      await store.add(userId, 'remote', httpConfig);
      const raw = await harness.readRawUser(userId);
      for (const secret of [ENV_SECRET, TOKEN_SECRET, HEADER_SECRET]) expect(raw).not.toContain(secret);
      // Every env value counts as a secret; names, command, args, URL and header names stay readable.
      expect(raw).not.toContain('eu-west-1');
      for (const visible of ['server-everything', 'https://mcp.example.com/mcp', 'X-Api-Key', 'API_KEY', 'REGION', 'remote tools']) {
        expect(raw).toContain(visible);
      }
      const entry = JSON.parse((await harness.readRaw(userId, 'local'))!) as { config: { env: Record<string, string> } };
      expect(entry.config.env.API_KEY).toMatch(/^enc:v1:/);
      expect(entry.config.env.REGION).toMatch(/^enc:v1:/);
      expect((await store.get(userId, 'local'))?.config).toEqual(stdioConfig());
      expect((await store.get(userId, 'remote'))?.config).toEqual(httpConfig);
    });

    it('fails with an error naming SECRETS_KEY when read with another key', async () => {
      const userId = newUserId();
      await store.add(userId, 'local', stdioConfig());
      const otherKeyStore = harness.open({ cipher: SecretCipher.fromSecret('contract-test-secrets-key-two'), logger: log.logger });
      await expect(otherKeyStore.get(userId, 'local')).rejects.toThrow(/different SECRETS_KEY/);
      await expect(otherKeyStore.list(userId)).rejects.toThrow(/different SECRETS_KEY/);
    });

    it('skips corrupt entries with a warning naming only the server, and reads them as absent', async () => {
      const userId = newUserId();
      await store.add(userId, 'good', stdioConfig());
      await store.add(userId, 'tampered', stdioConfig());
      const other = newUserId();
      await store.add(other, 'moved', httpConfig);
      const tamperedRaw = (await harness.readRaw(userId, 'tampered'))!;
      await harness.writeRaw(userId, 'not-json', '{"v":1,"config":');
      await harness.writeRaw(userId, 'bad-shape', JSON.stringify({ v: 1, config: { transport: 'carrier-pigeon' }, createdAt: 1, updatedAt: 1 }));
      await harness.writeRaw(userId, 'tampered', tamperedRaw.replace(/"enc:v1:([0-9a-f]{8}):(.)/, (_, keyId: string, first: string) => `"enc:v1:${keyId}:${first === 'A' ? 'B' : 'A'}`));
      // A sealed secret copied from another user's record must not open here.
      await harness.writeRaw(userId, 'moved', (await harness.readRaw(other, 'moved'))!);
      await harness.writeRaw(userId, 'plain', JSON.stringify({ v: 1, config: stdioConfig(), createdAt: 1, updatedAt: 1 }));

      const before = log.lines.length;
      expect((await store.list(userId)).map((record) => record.serverId)).toEqual(['good']);
      for (const serverId of ['not-json', 'bad-shape', 'tampered', 'moved', 'plain']) {
        expect(await store.get(userId, serverId)).toBeUndefined();
      }
      const warnings = log.lines.slice(before).filter((line) => line.level === 'warn');
      expect(warnings.map((line) => line.serverId).sort()).toEqual(
        ['bad-shape', 'moved', 'not-json', 'plain', 'tampered', 'bad-shape', 'moved', 'not-json', 'plain', 'tampered'].sort(),
      );
      expect(warnings.every((line) => line.userId === userId)).toBe(true);
      expect(log.text()).not.toContain(ENV_SECRET);
      expect(log.text()).not.toContain('carrier-pigeon');
      expect(log.text()).not.toContain('enc:v1:');
      // A corrupt entry can still be replaced or removed.
      await store.put(userId, 'not-json', httpConfig);
      expect((await store.get(userId, 'not-json'))?.config).toEqual(httpConfig);
      expect(await store.remove(userId, 'bad-shape')).toBe(true);
    });

    it('pings, closes idempotently, and refuses calls once closed', async () => {
      const own = harness.open({ cipher, logger: log.logger });
      await expect(own.ping()).resolves.toBeUndefined();
      await Promise.all([own.close(), own.close()]);
      await own.close();
      await expect(own.list(newUserId())).rejects.toThrow(/closed/);
    });
  });
}
