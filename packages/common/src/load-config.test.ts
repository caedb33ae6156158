import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';

const repoConfig = readFileSync(new URL('../../../conf/config.json', import.meta.url), 'utf8');
const dirs: string[] = [];

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bmcp-config-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'package.json'), '{}');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

afterEach(() => dirs.splice(0));

describe('loadConfig', () => {
  it('parses the repository conf/config.json with defaults from the seed', () => {
    const config = loadConfig({ env: {}, cwd: project({ 'conf/config.json': repoConfig }) });
    expect(config.settings.MCP_SERVICE_PORT).toBe(7002);
    expect(config.settings.WEB_PORT).toBe(3000);
    expect(config.settings.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.settings.INACTIVE_TIME).toBe(10);
    expect(config.settings.use_bedrock).toBe(true);
    expect(config.app.models.length).toBeGreaterThan(0);
  });

  it("leaves out of a service's settings the platform secrets it does not use, from .env and the environment", () => {
    const cwd = project({ 'conf/config.json': repoConfig, '.env': 'API_KEY=from-dotenv\nSECRETS_KEY=pool-needs-this-key\n' });
    const pool = loadConfig({ env: { COMPATIBLE_API_KEY: 'openai' }, cwd, service: 'mcp-pool' });
    expect(pool.settings.API_KEY).toBeUndefined();
    expect(pool.settings.COMPATIBLE_API_KEY).toBeUndefined();
    expect(pool.settings.SECRETS_KEY).toBe('pool-needs-this-key');
    expect(loadConfig({ env: {}, cwd, service: 'gateway' }).settings.API_KEY).toBe('from-dotenv');
  });

  it('reads .env, and real environment variables win over it', () => {
    const cwd = project({ 'conf/config.json': repoConfig, '.env': 'MAX_TURNS=5\nINACTIVE_TIME=0.5\nuse_bedrock=0\nDDB_TABLE=tbl\n' });
    const config = loadConfig({ env: { MAX_TURNS: '7' }, cwd });
    expect(config.settings.MAX_TURNS).toBe(7);
    expect(config.settings.INACTIVE_TIME).toBe(0.5);
    expect(config.settings.use_bedrock).toBe(false);
    expect(config.settings.ddb_table).toBe('tbl');
  });

  it('names the bad environment variable', () => {
    const cwd = project({ 'conf/config.json': repoConfig });
    expect(() => loadConfig({ env: { MCP_SERVICE_PORT: 'http' }, cwd })).toThrow(/environment variable MCP_SERVICE_PORT/);
    expect(() => loadConfig({ env: { MCP_USER_STDIO: 'everyone' }, cwd })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { IMAGE_FETCH_ALLOWED_RANGES: '10.0.0.0/8, intranet' }, cwd })).toThrow(/environment variable IMAGE_FETCH_ALLOWED_RANGES/);
    expect(() => loadConfig({ env: { MCP_ALLOWED_URL_RANGES: '10.0.0.0/33' }, cwd })).toThrow(/environment variable MCP_ALLOWED_URL_RANGES/);
    expect(loadConfig({ env: { IMAGE_FETCH_ALLOWED_RANGES: '10.1.0.0/16, fd00::/8 ,192.168.1.7' }, cwd }).settings.IMAGE_FETCH_ALLOWED_RANGES).toEqual(['10.1.0.0/16', 'fd00::/8', '192.168.1.7']);
  });

  it('names the bad field of conf/config.json', () => {
    const cwd = project({ 'conf/config.json': JSON.stringify({ models: [{ model_id: 'x' }] }) });
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/conf\/config.json: models\[0\]\.model_name/);
    const broken = project({ 'conf/config.json': '{ nope' });
    expect(() => loadConfig({ env: {}, cwd: broken })).toThrow(/not valid JSON/);
  });

  it('resolves relative paths from the project root', () => {
    const cwd = project({ 'conf/config.json': repoConfig });
    mkdirSync(join(cwd, 'services'));
    const config = loadConfig({ env: {}, cwd: join(cwd, 'services') });
    expect(config.projectRoot).toBe(cwd);
    expect(config.resolvePath('data/x')).toBe(join(cwd, 'data/x'));
  });
});

describe('loadConfig with the real process environment', () => {
  it('hands .env variables the process lacks to libraries that read process.env (the AWS SDK), without overriding real ones', () => {
    const cwd = project({ 'conf/config.json': repoConfig, '.env': 'BMCP_TEST_FROM_FILE=file\nBMCP_TEST_REAL=file\n' });
    process.env.BMCP_TEST_REAL = 'real';
    const saved = process.env.ENV_FILE;
    process.env.ENV_FILE = join(cwd, '.env');
    try {
      loadConfig({ cwd });
      expect(process.env.BMCP_TEST_FROM_FILE).toBe('file');
      expect(process.env.BMCP_TEST_REAL).toBe('real');
    } finally {
      delete process.env.BMCP_TEST_FROM_FILE;
      delete process.env.BMCP_TEST_REAL;
      if (saved === undefined) delete process.env.ENV_FILE;
      else process.env.ENV_FILE = saved;
    }
  });

  it('keeps the API key variables of conf/config.json providers (api_key_env) from every service but the agent worker', () => {
    const providers = { deepseek: { kind: 'openai', base_url: 'https://api.deepseek.com', api_key_env: 'BMCP_TEST_DEEPSEEK_KEY' } };
    const config = JSON.stringify({ ...JSON.parse(repoConfig), providers });
    const cwd = project({ 'conf/config.json': config, '.env': 'BMCP_TEST_DEEPSEEK_KEY=sk-from-dotenv\n' });
    const saved = process.env.ENV_FILE;
    process.env.ENV_FILE = join(cwd, '.env');
    try {
      loadConfig({ cwd, service: 'gateway' });
      expect(process.env.BMCP_TEST_DEEPSEEK_KEY).toBeUndefined();
      loadConfig({ cwd, service: 'agent-worker' });
      expect(process.env.BMCP_TEST_DEEPSEEK_KEY).toBe('sk-from-dotenv');
    } finally {
      delete process.env.BMCP_TEST_DEEPSEEK_KEY;
      if (saved === undefined) delete process.env.ENV_FILE;
      else process.env.ENV_FILE = saved;
    }
  });
});
