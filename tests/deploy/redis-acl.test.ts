import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { describe, expect, it } from 'vitest';
import { chartRedisArgs, chartTemplates, compileStrict, composeEnvironment, interpolate, loadChartValues, loadCompose, loadValuesSchema, redisAclUsers } from './deploy-files.js';

// Issue #15 item 4: Redis with per-component ACL users, a memory cap without eviction, secrets
// only where they are used, one ServiceAccount per component, NetworkPolicies. Checked as data
// (no Docker, no helm); tests/e2e/redis-acl.test.ts runs the compose rules on a real Redis.

const compose = loadCompose();
const templates = chartTemplates();
const values = loadChartValues();
const COMPONENTS = ['gateway', 'agent-worker', 'mcp-pool'] as const;
const passwordVariable = (component: string) => `REDIS_${component.toUpperCase().replace(/-/g, '_')}_PASSWORD`;

/** Compose's redis command with the prefix and each password written as the chart writes them (`$(VAR)`). */
function composeRedisArgs(): string[] {
  const env: Record<string, string> = { REDIS_PREFIX: 'P:' };
  for (const component of COMPONENTS) env[passwordVariable(component)] = `$(${passwordVariable(component)})`;
  return (compose.services.redis!.command as string[]).map((arg) => interpolate(arg, env));
}
const composeUsers = redisAclUsers(composeRedisArgs());
const chartUsers = redisAclUsers(chartRedisArgs().map((arg) => arg.replace('{{ $prefix }}', 'P:')));

describe('Redis ACL users', () => {
  it('docker compose: the default user is off, probe may only PING, each component has its own password', () => {
    expect(composeUsers.get('default')).toEqual(['off']);
    expect(composeUsers.get('probe')).toEqual(['on', 'nopass', '-@all', '+ping']);
    for (const component of COMPONENTS) {
      const rules = composeUsers.get(component)!;
      expect(rules.slice(0, 2), component).toEqual(['on', `>$(${passwordVariable(component)})`]);
      // No admin or dangerous commands (CONFIG, FLUSHALL, KEYS, DEBUG…), INFO aside.
      expect(rules.slice(-4), component).toEqual(['+@all', '-@admin', '-@dangerous', '+info']);
      for (const rule of rules.filter((rule) => /^[~&%]/.test(rule))) expect(rule, component).toMatch(/^(?:~|&|%R~|%W~)P:/);
    }
  });

  it('the pool and the workers reach only their own keys; the pool none of history, turns, queues or API keys', () => {
    const patterns = (component: string) => composeUsers.get(component)!.filter((rule) => /^[~&]/.test(rule));
    expect(patterns('mcp-pool')).toEqual(['~P:pool:*', '~P:user:*:mcp-servers']);
    expect(patterns('agent-worker')).toEqual([
      '~P:bull:*',
      '~P:turn:*',
      '~P:user:*:history*',
      '~P:user:*:active-turns',
      '~P:user:*:conversation:*',
      '~P:user:*:conversations',
      '&P:turn:*',
      '&P:turn-cancel',
      '&P:turn-answers',
      '&P:conversation-changes',
    ]);
    expect(patterns('gateway')).toEqual(['~P:*', '&P:*']);
  });

  it('uses the services’ REDIS_PREFIX, empty included (only an unset one means bmcp:)', () => {
    const raw = (compose.services.redis!.command as string[]).filter((arg) => arg.includes('REDIS_PREFIX'));
    expect(raw.length).toBeGreaterThan(0);
    for (const arg of raw) expect(arg).toContain('${REDIS_PREFIX-bmcp:}');
    expect(chartRedisArgs().filter((arg) => arg.includes('{{ $prefix }}')).length).toBe(raw.length);
    expect(templates.get('redis.yaml')).toContain('ternary .Values.settings.REDIS_PREFIX "bmcp:" (hasKey .Values.settings "REDIS_PREFIX")');
  });

  it('the chart defines the same users with the same rules', () => {
    expect([...chartUsers.keys()]).toEqual([...composeUsers.keys()]);
    for (const [user, rules] of composeUsers) expect(chartUsers.get(user), user).toEqual(rules);
  });

  it('docker compose: each component signs in as its own user; web gets no Redis at all', () => {
    for (const component of COMPONENTS) {
      const url = new URL(composeEnvironment(compose.services[component]!, { [passwordVariable(component)]: 'pw' }).REDIS_URL!);
      expect([url.username, url.password, url.hostname], component).toEqual([component, 'pw', 'redis']);
    }
    expect(composeEnvironment(compose.services.web!).REDIS_URL).toBeUndefined();
  });

  it('the chart builds each component’s REDIS_URL from its own user and Secret key', () => {
    const helpers = templates.get('_helpers.tpl')!;
    expect(helpers).toContain('printf "redis://%s:$(REDIS_PASSWORD)@%s:6379" .component');
    expect(helpers).toMatch(/- name: REDIS_PASSWORD\s+valueFrom:\s+secretKeyRef:\s+name: \{\{ include "bmcp.redisSecretName" \$root \}\}\s+key: \{\{ \.component \}\}/);
    // An external Redis: a component's own key of the Secret when given.
    expect(helpers).toContain('key: {{ get $root.Values.redis.existingSecret.componentKeys $valuesKey | default $root.Values.redis.existingSecret.key }}');
    expect(Object.keys(values.redis.existingSecret.componentKeys)).toEqual(['gateway', 'agentWorker', 'mcpPool']);
    const redis = templates.get('redis.yaml')!;
    expect(redis).toContain('range $user := list "gateway" "agent-worker" "mcp-pool"');
    expect(redis).toContain('randAlphaNum 40');
  });

  it('caps memory without eviction, in both', () => {
    expect(composeRedisArgs().join(' ')).toMatch(/--maxmemory \d+mb --maxmemory-policy noeviction/);
    expect(chartRedisArgs().join(' ')).toContain('--maxmemory {{ $redis.maxmemory | quote }} --maxmemory-policy noeviction');
    const megabytes = (text: string) => Number(/^(\d+)mb$/.exec(text)![1]);
    const limit = /^(\d+)Gi$/.exec(values.redis.bundled.resources.limits.memory)!;
    expect(megabytes(values.redis.bundled.maxmemory)).toBeLessThan(Number(limit[1]) * 1024);
  });
});

describe('chart: secrets, ServiceAccounts and NetworkPolicies', () => {
  const helpers = templates.get('_helpers.tpl')!;
  const keysOf = (component: string) => {
    const block = new RegExp(`eq \\.component "${component}" \\}\\}\\n\\{\\{- range \\$env := list ([^}]+)\\}\\}`).exec(helpers)?.[1] ?? '';
    return [...block.matchAll(/"([A-Z_]+)"/g)].map((match) => match[1]);
  };

  it('gives each component only the keys it uses', () => {
    expect(keysOf('gateway')).toEqual(['API_KEY', 'SECRETS_KEY', 'INTERNAL_API_KEY', 'OIDC_CLIENT_SECRET', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    expect(keysOf('agent-worker')).toEqual(['INTERNAL_API_KEY', 'COMPATIBLE_API_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    expect(keysOf('mcp-pool')).toEqual(['SECRETS_KEY', 'INTERNAL_API_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    expect(keysOf('web')).toEqual([]);
  });

  it('makes one ServiceAccount per component, the IAM role only on those that call AWS', () => {
    const accounts = templates.get('serviceaccount.yaml')!;
    expect(accounts).toContain('range $component := list "gateway" "agent-worker" "mcp-pool" "web"');
    expect(accounts).toContain('eks.amazonaws.com/role-arn: {{ . | quote }}');
    expect(helpers).toContain('(eq .component "agent-worker") (eq .component "gateway") (and (eq .component "mcp-pool") $dynamo)');
    expect(helpers).toContain('serviceAccountName: {{ include "bmcp.serviceAccountName" . }}');
  });

  it('denies by default and lets only the gateway, the workers and the pool itself reach the pool, and only them reach Redis', () => {
    const policies = templates.get('networkpolicy.yaml')!;
    expect(policies).toMatch(/-default-deny[\s\S]+?policyTypes:\s+- Ingress\s+- Egress\n/);
    const ingressFrom = (component: string) => {
      const section = policies.slice(policies.indexOf(`$ctx = dict "root" $ "component" "${component}"`));
      const from = section.slice(section.indexOf('ingress:'), section.indexOf('ports:', section.indexOf('ingress:')));
      return [...from.matchAll(/bmcp\.np\.peer" \(dict "root" \$ "component" "([a-z-]+)"\)/g)].map((match) => match[1]);
    };
    expect(ingressFrom('mcp-pool')).toEqual(['gateway', 'agent-worker', 'mcp-pool']);
    expect(ingressFrom('redis')).toEqual(['gateway', 'agent-worker', 'mcp-pool']);
    // web has no egress rule: the default deny leaves it only DNS.
    const web = policies.slice(policies.indexOf('$ctx = dict "root" $ "component" "web"'), policies.indexOf('$ctx = dict "root" $ "component" "redis"'));
    expect(web).not.toContain('egress:');
  });

  it('the NetworkPolicy shapes the templates produce are valid Kubernetes, with the values’ ranges', () => {
    const policy = new NetworkPolicy({
      metadata: { name: 'check' },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/component': 'mcp-pool' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'gateway' } } }], ports: [{ port: 7003, protocol: 'TCP' }] }],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: values.networkPolicy.privateCidrs } }] }, { ports: [{ port: 53, protocol: 'UDP' }] }],
      },
    });
    expect(() => policy.validate()).not.toThrow();
    expect(values.networkPolicy.privateCidrs).toEqual(expect.arrayContaining(['10.0.0.0/8', '169.254.0.0/16']));
  });

  it('values.schema.json rejects a malformed private range and unknown NetworkPolicy keys', () => {
    const validate = compileStrict(loadValuesSchema());
    const copy = structuredClone(values);
    copy.networkPolicy.privateCidrs = ['10.0.0.0'];
    expect(validate(copy)).toBe(false);
    const typo = structuredClone(values);
    typo.networkPolicy.ingresFrom = [];
    expect(validate(typo)).toBe(false);
    const badMemory = structuredClone(values);
    badMemory.redis.bundled.maxmemory = '1Gi';
    expect(validate(badMemory)).toBe(false);
  });
});
