import { existsSync, readFileSync } from 'node:fs';
import { DEVELOPMENT_INTERNAL_API_KEY, requireInternalApiKey, SettingsSchema } from '@bedrock-mcp/common';
import { describe, expect, it } from 'vitest';
import { APP_SERVICES, compileThirdParty, composeEnvironment, composeSpecPath, errorsOf, exists, interpolate, loadCompose, readDockerfile, readText, type ComposeFile } from './deploy-files.js';

// No Docker engine here: docker-compose.yml is checked as data, against the compose specification's
// JSON schema and against how the services read their settings.

const compose = loadCompose();
const services = compose.services;
const hasSpec = existsSync(composeSpecPath);
if (!hasSpec) console.warn(`compose spec schema not found at ${composeSpecPath}: schema validation skipped`);

describe.skipIf(!hasSpec)('docker-compose.yml against the compose specification schema', () => {
  const spec = hasSpec ? (JSON.parse(readFileSync(composeSpecPath, 'utf8')) as Record<string, unknown>) : {};
  // ajv 8 does not know the spec's draft URL; the schema is draft-07 otherwise.
  delete spec.$schema;
  const validate = compileThirdParty(spec);

  it('is valid', () => {
    const valid = validate(compose);
    expect(errorsOf(validate)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects a misspelt service key and an unknown depends_on condition (the check is not vacuous)', () => {
    const typo = structuredClone(compose) as ComposeFile;
    (typo.services.gateway as Record<string, unknown>).helthcheck = typo.services.gateway!.healthcheck;
    expect(validate(typo)).toBe(false);

    const badCondition = structuredClone(compose) as ComposeFile;
    badCondition.services.gateway!.depends_on!.redis = { condition: 'service_heathy' };
    expect(validate(badCondition)).toBe(false);
  });
});

describe('docker-compose.yml wiring', () => {
  it('builds each app service as its target of the one Dockerfile, from the repository root', () => {
    const targets = new Set(readDockerfile('Dockerfile').stages.map((stage) => stage.name));
    for (const name of APP_SERVICES) {
      const build = services[name]?.build;
      expect(build, name).toBeDefined();
      expect(build!.context).toBe('.');
      expect(build!.dockerfile, name).toBeUndefined();
      expect(interpolate(build!.target!), name).toBe(name);
      expect(targets, name).toContain(name);
    }
    expect(interpolate(services['mcp-pool']!.build!.target!, { MCP_POOL_TARGET: 'mcp-pool-python' })).toBe('mcp-pool-python');
    expect(targets).toContain('mcp-pool-python');
  });

  it('takes settings from .env', () => {
    for (const name of APP_SERVICES) {
      expect(services[name]!.env_file, name).toEqual(['.env']);
    }
  });

  it('uses only what Compose v1 (docker-compose 1.29, the one Debian has) accepts as well', () => {
    // v1 refuses a top-level name, an env_file entry that is not a path, and depends_on.required.
    expect(compose.name).toBeUndefined();
    for (const [name, service] of Object.entries(services)) {
      for (const entry of service.env_file ?? []) expect(typeof entry, name).toBe('string');
      for (const dependency of Object.values(service.depends_on ?? {})) expect(Object.keys(dependency), name).toEqual(['condition']);
    }
  });

  it("unmasks the pool's /proc by default, and lets Compose v1 (whose daemon refuses systempaths) replace that option", () => {
    const poolOptions = (env: Record<string, string>) => (services['mcp-pool']!.security_opt ?? []).map((option) => interpolate(option, env));
    expect(poolOptions({})).toContain('systempaths=unconfined');
    const v1 = poolOptions({ MCP_POOL_UNMASK_PROC: 'no-new-privileges' });
    expect(v1).not.toContain('systempaths=unconfined');
    expect(v1).toContain('seccomp=unconfined');
  });

  it('gives every service the settings parse needs, and they parse with the defaults of a fresh clone', () => {
    for (const name of APP_SERVICES) {
      const parsed = SettingsSchema.safeParse(composeEnvironment(services[name]!));
      expect(parsed.error?.issues ?? [], name).toEqual([]);
    }
  });

  it('connects the services by their compose names and ports', () => {
    const settings = SettingsSchema.parse(composeEnvironment(services.gateway!));
    expect(new URL(settings.REDIS_URL).hostname).toBe('redis');
    const pool = new URL(settings.MCP_POOL_URL);
    expect(pool.hostname).toBe('mcp-pool');
    expect(Number(pool.port)).toBe(settings.MCP_POOL_PORT);
    expect(services['mcp-pool']!.expose).toContain(String(settings.MCP_POOL_PORT));
    expect(services.gateway!.ports!.some((port) => interpolate(port).endsWith(`:${settings.MCP_SERVICE_PORT}:${settings.MCP_SERVICE_PORT}`))).toBe(true);
    expect(services.web!.ports!.some((port) => interpolate(port).endsWith(`:${settings.WEB_PORT}:${settings.WEB_PORT}`))).toBe(true);
    // The host side can move (PUBLISH_GATEWAY_PORT, PUBLISH_WEB_PORT); the container side cannot.
    expect(interpolate(services.gateway!.ports![0]!, { PUBLISH_GATEWAY_PORT: '17002' })).toBe(`127.0.0.1:17002:${settings.MCP_SERVICE_PORT}`);
    // The workspace volume is where the pool puts users' folders.
    expect(services['mcp-pool']!.volumes).toContain(`workspaces:${settings.USER_WORKSPACES_DIR}`);
  });

  it('health-checks each app service on its own port, readiness for start order', () => {
    const settings = SettingsSchema.parse(composeEnvironment(services.gateway!));
    const ports: Record<string, number> = {
      gateway: settings.MCP_SERVICE_PORT,
      'agent-worker': settings.AGENT_WORKER_PORT,
      'mcp-pool': settings.MCP_POOL_PORT,
      web: settings.WEB_PORT,
    };
    for (const name of APP_SERVICES) {
      const test = services[name]!.healthcheck!.test.join(' ');
      expect(test, name).toContain(`http://127.0.0.1:${ports[name]}/`);
      expect(test, name).not.toMatch(/curl|wget/);
    }
  });

  it('starts services only after what they depend on is healthy', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dependency], `${name} → ${dependency}`).toBeDefined();
        if (condition === 'service_healthy') expect(services[dependency]!.healthcheck, `${dependency} needs a healthcheck`).toBeDefined();
      }
    }
    expect(services.gateway!.depends_on).toMatchObject({ redis: { condition: 'service_healthy' }, 'mcp-pool': { condition: 'service_healthy' } });
    expect(services['agent-worker']!.depends_on).toMatchObject({ redis: { condition: 'service_healthy' }, 'mcp-pool': { condition: 'service_healthy' } });
    // The table-creating one-shot only exists with --profile dynamodb, and v1 has no optional dependency.
    expect(services.gateway!.depends_on!['dynamodb-init']).toBeUndefined();
  });

  it('gives the services one INTERNAL_API_KEY from .env; a fresh clone gets the public development key, which production refuses', () => {
    for (const name of APP_SERVICES) {
      expect(composeEnvironment(services[name]!, { INTERNAL_API_KEY: 'from-dot-env-0123456789-0123456789-0123' }).INTERNAL_API_KEY, name).toBe('from-dot-env-0123456789-0123456789-0123');
      const fresh = SettingsSchema.parse(composeEnvironment(services[name]!));
      expect(fresh.INTERNAL_API_KEY, name).toBe(DEVELOPMENT_INTERNAL_API_KEY);
      expect(requireInternalApiKey(fresh), name).toBe(DEVELOPMENT_INTERNAL_API_KEY);
      expect(() => requireInternalApiKey(SettingsSchema.parse(composeEnvironment(services[name]!, { NODE_ENV: 'production' }))), name).toThrow(/INTERNAL_API_KEY/);
    }
  });

  it('binds the pool and the worker health port to the container network (their defaults are loopback)', () => {
    const defaults = SettingsSchema.parse({});
    expect([defaults.MCP_POOL_HOST, defaults.AGENT_WORKER_HOST]).toEqual(['127.0.0.1', '127.0.0.1']);
    const pool = SettingsSchema.parse(composeEnvironment(services['mcp-pool']!));
    const worker = SettingsSchema.parse(composeEnvironment(services['agent-worker']!));
    expect([pool.MCP_POOL_HOST, worker.AGENT_WORKER_HOST]).toEqual(['0.0.0.0', '0.0.0.0']);
  });

  it('lets agent-worker and mcp-pool scale: no fixed container name or host port', () => {
    for (const [name, service] of Object.entries(services)) expect(service.container_name, name).toBeUndefined();
    expect(services['agent-worker']!.ports).toBeUndefined();
    expect(services['mcp-pool']!.ports).toBeUndefined();
  });

  it("bounds the pool's processes above the ceiling its MCP servers share (no cgroups in a container)", () => {
    const ceiling = SettingsSchema.parse(composeEnvironment(services['mcp-pool']!)).MCP_ALL_SERVERS_MAX_PROCESSES;
    expect(ceiling).toBeGreaterThan(0);
    expect(services['mcp-pool']!.pids_limit).toBeGreaterThan(ceiling);
  });

  it('runs Redis with append-only persistence on a volume, a memory cap without eviction, and a healthcheck', () => {
    const redis = services.redis!;
    const command = (redis.command as string[]).join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toMatch(/--maxmemory \$\{REDIS_MAXMEMORY:-\d+mb\} /);
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(redis.volumes).toContain('redis-data:/data');
    // The default user is off: the healthcheck signs in as `probe`, which may only PING.
    expect(redis.healthcheck!.test).toEqual(['CMD', 'redis-cli', '--user', 'probe', '--pass', 'probe', '--no-auth-warning', 'ping']);
  });

  it('declares every named volume it mounts', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/')) expect(exists(source), `${name}: ${source}`).toBe(true);
        else expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
      }
    }
  });

  it('keeps DynamoDB Local and the HTTPS proxy behind profiles', () => {
    expect(services.dynamodb!.profiles).toEqual(['dynamodb']);
    expect(services['dynamodb-init']!.profiles).toEqual(['dynamodb']);
    expect(services.proxy!.profiles).toEqual(['https']);
    for (const name of [...APP_SERVICES, 'redis']) expect(services[name]!.profiles, name).toBeUndefined();
  });
});

describe('deploy/caddy/Caddyfile (the https profile)', () => {
  const caddyfile = readText('deploy/caddy/Caddyfile');
  const settings = SettingsSchema.parse(composeEnvironment(services.gateway!));

  it('is the file the proxy mounts', () => {
    expect(services.proxy!.volumes).toContain('./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro');
  });

  it('terminates TLS with the local CA and routes the API and the UI to their services', () => {
    expect(caddyfile).toMatch(/^\s*tls internal$/m);
    const gatewayMatcher = /@gateway path (.+)$/m.exec(caddyfile)?.[1]?.split(/\s+/) ?? [];
    expect(gatewayMatcher).toEqual(expect.arrayContaining(['/v1/*', '/ws', '/ws/*', '/docs', '/openapi.json']));
    expect(caddyfile).toContain(`reverse_proxy gateway:${settings.MCP_SERVICE_PORT}`);
    expect(caddyfile).toMatch(new RegExp(`handle /chat\\* \\{\\s+reverse_proxy web:${settings.WEB_PORT}`));
  });

  it('keeps streams open (SSE flushed, long-lived WebSockets)', () => {
    expect(caddyfile).toMatch(/flush_interval -1/);
    expect(caddyfile).toMatch(/stream_timeout \d+h/);
  });
});
