import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../load-config.js';
import {
  AgentWorkerSettingsSchema,
  GatewaySettingsSchema,
  McpPoolSettingsSchema,
  SERVICE_SETTINGS_SCHEMAS,
  SETTING_ALIASES,
  SETTINGS_SLICES,
  SettingsSchema,
} from '../settings.js';

const dir = mkdtempSync(join(tmpdir(), 'bmcp-settings-'));
mkdirSync(join(dir, 'conf'));
writeFileSync(join(dir, 'package.json'), '{}');
writeFileSync(join(dir, 'conf/config.json'), readFileSync(new URL('../../../../conf/config.json', import.meta.url), 'utf8'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = <Schema extends typeof GatewaySettingsSchema | typeof AgentWorkerSettingsSchema | typeof McpPoolSettingsSchema>(schema: Schema, env: Record<string, string>) =>
  loadConfig({ schema, env, cwd: dir, readDotenv: false });

describe('settings per service', () => {
  it('a service does not validate, nor require, the settings of another', () => {
    const othersBroken = { AUTH_MODE: 'bogus', VOICE_TOP_P: '7', WORKER_CONCURRENCY: 'many', MCP_SANDBOX: 'docker' };
    expect(() => load(McpPoolSettingsSchema, { AUTH_MODE: 'bogus', VOICE_TOP_P: '7', WORKER_CONCURRENCY: 'many' })).not.toThrow();
    expect(() => load(AgentWorkerSettingsSchema, { AUTH_MODE: 'bogus', MCP_SANDBOX: 'docker' })).not.toThrow();
    expect(() => load(GatewaySettingsSchema, { WORKER_CONCURRENCY: 'many', MCP_SANDBOX: 'docker' })).not.toThrow();
    // …and still validates its own, and the core.
    expect(() => load(McpPoolSettingsSchema, { ...othersBroken, MCP_SANDBOX: 'docker' })).toThrow(/MCP_SANDBOX/);
    expect(() => load(AgentWorkerSettingsSchema, { WORKER_CONCURRENCY: 'many' })).toThrow(/WORKER_CONCURRENCY/);
    expect(() => load(GatewaySettingsSchema, { AUTH_MODE: 'bogus' })).toThrow(/AUTH_MODE/);
    expect(() => load(GatewaySettingsSchema, { LOG_LEVEL: 'verbose' })).toThrow(ConfigError);
  });

  it("a service's settings hold its own and the core's, not another service's", () => {
    const pool = load(McpPoolSettingsSchema, {}).settings as Record<string, unknown>;
    expect(pool.POOL_MAX_SERVERS).toBe(200);
    expect(pool.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(pool.AUTH_MODE).toBeUndefined();
    expect(pool.WORKER_CONCURRENCY).toBeUndefined();
    const worker = load(AgentWorkerSettingsSchema, {}).settings as Record<string, unknown>;
    expect(worker.WORKER_CONCURRENCY).toBe(20);
    expect(worker.POOL_MAX_SERVERS).toBeUndefined();
    expect(worker.VOICE_IDS).toBeUndefined();
    const gateway = load(GatewaySettingsSchema, {}).settings as Record<string, unknown>;
    expect(gateway.VOICE_IDS).toEqual(['matthew', 'tiffany', 'amy']);
    expect(gateway.MCP_SANDBOX).toBeUndefined();
  });

  it('every setting is in exactly one slice, and the slices make up SettingsSchema', () => {
    const names = SETTINGS_SLICES.flatMap((slice) => Object.keys(slice.settings));
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    expect(names.sort()).toEqual(Object.keys(SettingsSchema.shape).sort());
  });

  it("each service's schema uses the platform's definition of each of its settings", () => {
    const shape = SettingsSchema.shape as Record<string, unknown>;
    for (const [service, schema] of Object.entries(SERVICE_SETTINGS_SCHEMAS)) {
      for (const [name, field] of Object.entries(schema.shape)) expect(field, `${service} ${name}`).toBe(shape[name]);
    }
  });
});

describe('old setting names (SETTING_ALIASES)', () => {
  it('each old name and its new name are settings of the same service and accept the same values', () => {
    const shape = SettingsSchema.shape as Record<string, { safeParse(value: unknown): { success: boolean } }>;
    for (const [alias, name] of Object.entries(SETTING_ALIASES)) {
      const service = Object.values(SERVICE_SETTINGS_SCHEMAS).find((schema) => name in schema.shape)!;
      expect(alias in service.shape, alias).toBe(true);
      for (const sample of ['0', '1', '0.5', '7', '20000', 'x']) expect(shape[alias]!.safeParse(sample).success, `${alias}=${sample}`).toBe(shape[name]!.safeParse(sample).success);
    }
  });

  it('MAX_TURNS sets MAX_MODEL_ROUNDS, and reads the same', () => {
    const { settings, warnings } = load(AgentWorkerSettingsSchema, { MAX_TURNS: '7' });
    expect(settings.MAX_MODEL_ROUNDS).toBe(7);
    expect(settings.MAX_TURNS).toBe(7);
    expect(warnings).toEqual([]);
  });

  it('INACTIVE_TIME sets MCP_IDLE_MINUTES; unset, both read the default', () => {
    expect(load(McpPoolSettingsSchema, { INACTIVE_TIME: '0.5' }).settings.MCP_IDLE_MINUTES).toBe(0.5);
    const defaults = load(McpPoolSettingsSchema, {}).settings;
    expect([defaults.MCP_IDLE_MINUTES, defaults.INACTIVE_TIME]).toEqual([10, 10]);
  });

  it('the new name wins when both are set, with one warning when they differ', () => {
    const both = load(AgentWorkerSettingsSchema, { MAX_TURNS: '7', MAX_MODEL_ROUNDS: '9' });
    expect(both.settings.MAX_MODEL_ROUNDS).toBe(9);
    expect(both.settings.MAX_TURNS).toBe(9);
    expect(both.warnings).toHaveLength(1);
    expect(both.warnings[0]).toMatch(/MAX_TURNS.*MAX_MODEL_ROUNDS/);
    expect(load(AgentWorkerSettingsSchema, { MAX_TURNS: '9', MAX_MODEL_ROUNDS: '9' }).warnings).toEqual([]);
    // Another service's pair is not this service's concern: no warning, nothing resolved.
    const gateway = load(GatewaySettingsSchema, { MAX_TURNS: '7', MAX_MODEL_ROUNDS: '9', INACTIVE_TIME: '3' });
    expect(gateway.warnings).toEqual([]);
    expect((gateway.settings as Record<string, unknown>).MCP_IDLE_MINUTES).toBeUndefined();
  });

  it('a bad value under the old name is refused naming the old name', () => {
    expect(() => load(McpPoolSettingsSchema, { INACTIVE_TIME: '0' })).toThrow(/environment variable INACTIVE_TIME/);
    expect(() => load(AgentWorkerSettingsSchema, { MAX_TURNS: 'many' })).toThrow(/environment variable MAX_TURNS/);
  });
});
