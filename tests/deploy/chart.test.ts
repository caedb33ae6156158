import { AppConfigFileSchema } from '@bedrock-mcp/contracts';
import { SettingsSchema } from '@bedrock-mcp/common';
import { Pod } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { chartTemplates, compileStrict, errorsOf, loadChartValues, loadValuesSchema, readText, readYaml } from './deploy-files.js';

// No helm binary here: the chart is checked as data. values.yaml against values.schema.json (and
// the schema against the services' settings schema), the templates' references to values and
// helpers, and the values that go verbatim into manifests against Kubernetes' own schemas. The
// templates themselves are not rendered.

const values = loadChartValues();
const schema = loadValuesSchema();
const validate = compileStrict(schema);
const templates = chartTemplates();
const COMPONENTS = ['gateway', 'agentWorker', 'mcpPool', 'web'] as const;

/** values.yaml with `edit` applied to a copy. */
function edited(edit: (copy: Record<string, any>) => void): Record<string, any> {
  const copy = structuredClone(values);
  edit(copy);
  return copy;
}

describe('values.yaml and values.schema.json', () => {
  it('values.yaml is valid', () => {
    const valid = validate(values);
    expect(errorsOf(validate)).toEqual([]);
    expect(valid).toBe(true);
  });

  it.each([
    ['a misspelt top-level key', (v: any) => (v.ingres = { enabled: true })],
    ['a misspelt component key', (v: any) => (v.gateway.replicas = 3)],
    ['a misspelt setting', (v: any) => (v.settings.MAX_TURN = 50)],
    ['a setting the chart sets itself', (v: any) => (v.settings.REDIS_URL = 'redis://elsewhere:6379')],
    ['a setting of the wrong kind', (v: any) => (v.settings.MAX_TURNS = 'many')],
    ['an unknown log level', (v: any) => (v.settings.LOG_LEVEL = 'verbose')],
    ['a non-integer replica count', (v: any) => (v.agentWorker.autoscaling.minReplicas = 'two')],
    ['an unknown workspaces mode', (v: any) => (v.mcpPool.workspaces.mode = 'nfs')],
    ['a secrets key shorter than 16 characters', (v: any) => (v.secrets.secretsKey = 'short')],
    ['a Redis URL that is not one', (v: any) => (v.redis.url = 'http://redis:6379')],
    ['a malformed IAM role ARN', (v: any) => (v.serviceAccount.roleArn = 'my-role')],
  ])('rejects %s', (_name, edit) => {
    expect(validate(edited(edit))).toBe(false);
  });

  it('accepts the documented ways to configure it', () => {
    const external = edited((v) => {
      v.redis.bundled.enabled = false;
      v.redis.url = 'rediss://:secret@my-cache.example.com:6380';
      v.serviceAccount.roleArn = 'arn:aws:iam::123456789012:role/bedrock-mcp';
      v.settings = { AWS_REGION: 'eu-west-1', use_bedrock: false, MAX_TURNS: 50, INACTIVE_TIME: '0.5', ddb_table: 'mcp_user_config_table' };
      v.ingress = { ...v.ingress, enabled: true, host: 'chat.example.org', certManager: { enabled: true, clusterIssuer: 'letsencrypt' } };
      v.mcpPool.workspaces = { mode: 'shared', size: '100Gi', storageClass: 'efs', existingClaim: '' };
      v.config.override = JSON.parse(readText('conf/config.json'));
    });
    expect(validate(external), errorsOf(validate).join('\n')).toBe(true);
  });

  it('values.yaml settings are accepted by the services', () => {
    const env = Object.fromEntries(Object.entries(values.settings as Record<string, unknown>).map(([key, value]) => [key, String(value)]));
    expect(SettingsSchema.safeParse(env).error?.issues ?? []).toEqual([]);
  });

  // The schema for settings is hand-written; these keep it agreeing with SettingsSchema both ways.
  describe('each setting the chart accepts agrees with SettingsSchema', () => {
    const settingSchemas = Object.entries(schema.properties.settings.properties as Record<string, object>);
    const defaults = SettingsSchema.parse({}) as Record<string, unknown>;
    const shape = SettingsSchema.shape as Record<string, { safeParse(value: unknown): { success: boolean } }>;

    it.each(settingSchemas)('%s', (name, propertySchema) => {
      const check = compileStrict(propertySchema);
      const fallback = defaults[name];
      // A setting without a default is tried with its schema's example (a URL, say), else any text.
      const example = (propertySchema as { examples?: unknown[] }).examples?.[0] ?? 'some-value';
      const samples = fallback === undefined ? [example] : [Array.isArray(fallback) ? fallback.join(',') : String(fallback), ...(Array.isArray(fallback) ? [] : [fallback])];
      for (const sample of samples) {
        expect(check(sample), `${name}: default ${JSON.stringify(sample)} rejected by values.schema.json`).toBe(true);
        expect(shape[name]!.safeParse(typeof sample === 'boolean' ? (sample ? '1' : '0') : String(sample)).success).toBe(true);
      }
      if (typeof fallback === 'number' || typeof fallback === 'boolean' || (propertySchema as { enum?: unknown }).enum) {
        expect(check('not-a-valid-value'), `${name}: values.schema.json accepts garbage`).toBe(false);
        expect(shape[name]!.safeParse('not-a-valid-value').success, `${name}: SettingsSchema accepts garbage`).toBe(false);
      }
      const { minimum, exclusiveMinimum } = propertySchema as { minimum?: number; exclusiveMinimum?: number };
      if (typeof minimum === 'number' && minimum > 0) {
        expect(check(minimum - 1)).toBe(false);
        expect(shape[name]!.safeParse(String(minimum - 1)).success).toBe(false);
      }
      if (typeof exclusiveMinimum === 'number') {
        expect(check(exclusiveMinimum)).toBe(false);
        expect(shape[name]!.safeParse(String(exclusiveMinimum)).success).toBe(false);
      }
    });
  });
});

describe('chart files', () => {
  it('ships conf/config.json unchanged (files/config.json is a copy; keep them equal)', () => {
    const copy = readText('charts/bedrock-mcp-platform/files/config.json');
    expect(copy).toBe(readText('conf/config.json'));
    expect(AppConfigFileSchema.safeParse(JSON.parse(copy)).success).toBe(true);
  });

  it('Chart.yaml is a Helm 3 application chart named after its folder', () => {
    const chart = readYaml<Record<string, string>>('charts/bedrock-mcp-platform/Chart.yaml');
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'bedrock-mcp-platform', type: 'application' });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(chart.appVersion).toBeTruthy();
  });

  it('has NOTES.txt and _helpers.tpl', () => {
    expect(templates.has('NOTES.txt')).toBe(true);
    expect(templates.has('_helpers.tpl')).toBe(true);
  });
});

describe('chart templates (not rendered: checked as text)', () => {
  /** A values path the templates use resolves in the schema (and so in values a user may set). */
  function schemaHas(path: string[]): boolean {
    let node: any = schema;
    for (const segment of path) {
      while (node?.$ref) node = node.$ref.split('/').slice(1).reduce((at: any, key: string) => at[key], schema);
      node = node?.properties?.[segment];
      if (node === undefined) return false;
    }
    return true;
  }

  it('use only .Values paths that the schema declares', () => {
    const unknown: string[] = [];
    for (const [file, text] of templates) {
      for (const match of text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
        const path = match[1]!.slice(1).split('.');
        if (!schemaHas(path)) unknown.push(`${file}: .Values.${path.join('.')}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('include only helpers that are defined', () => {
    const all = [...templates.values()].join('\n');
    const defined = new Set([...all.matchAll(/define\s+"([^"]+)"/g)].map((match) => match[1]));
    const used = [...all.matchAll(/(?:include|template)\s+"([^"]+)"/g)].map((match) => match[1]);
    expect(used.filter((name) => !defined.has(name))).toEqual([]);
  });

  it('close every if/range/with/define block', () => {
    for (const [file, text] of templates) {
      const opened = [...text.matchAll(/\{\{-?\s*(?:if|range|with|define|block)\b/g)].length;
      const closed = [...text.matchAll(/\{\{-?\s*end\b/g)].length;
      expect(closed, file).toBe(opened);
    }
  });

  it('give every platform workload the settings, the keys and both probes', () => {
    for (const file of ['gateway.yaml', 'agent-worker.yaml', 'mcp-pool.yaml', 'web.yaml']) {
      const text = templates.get(file)!;
      expect(text, file).toContain('include "bmcp.env" $ctx');
      expect(text, file).toContain('include "bmcp.envFrom" $ctx');
      expect(text, file).toContain('include "bmcp.probes"');
      expect(text, file).toContain('toYaml .Values.containerSecurityContext');
    }
    const helpers = templates.get('_helpers.tpl')!;
    expect(helpers).toMatch(/path: \/healthz/);
    expect(helpers).toMatch(/path: \{\{ \.readinessPath \| default "\/readyz" \}\}/);
    expect(templates.get('configmap.yaml')).toContain('range $key, $value := .Values.settings');
  });

  it('keep INTERNAL_API_KEY in the Secret (generated once, kept) and give it, required, to gateway, agent-worker and mcp-pool only', () => {
    const secret = templates.get('secret.yaml')!;
    expect(secret).toContain('INTERNAL_API_KEY: {{ $internalApiKey | b64enc | quote }}');
    expect(secret).toMatch(/\$internalApiKey := \.Values\.secrets\.internalApiKey \| default \(index \$existingData "INTERNAL_API_KEY"/);
    const helpers = templates.get('_helpers.tpl')!;
    expect(helpers).toMatch(/range \$env := list [^}]*"INTERNAL_API_KEY"/);
    expect(helpers).toContain('optional: {{ not (has .env (list "SECRETS_KEY" "INTERNAL_API_KEY")) }}');
    // The keys are inside `if ne .component "web"`.
    const env = helpers.slice(helpers.indexOf('define "bmcp.env"'));
    expect(env.indexOf('"INTERNAL_API_KEY"')).toBeGreaterThan(env.indexOf('{{- if ne .component "web" }}\n{{- range $env'));
    expect(validate(edited((v) => (v.secrets.internalApiKey = 'too-short')))).toBe(false);
    expect(validate(edited((v) => (v.secrets.internalApiKey = 'x'.repeat(32))))).toBe(true);
  });

  it('run the pool as a StatefulSet whose pods advertise their own DNS names', () => {
    const pool = templates.get('mcp-pool.yaml')!;
    expect(pool).toContain('kind: StatefulSet');
    expect(pool).toContain('clusterIP: None');
    expect(pool).toMatch(/name: POOL_REPLICA_ID\s+value: \$\(POD_NAME\)/);
    expect(pool).toContain('http://$(POD_NAME).%s.$(POD_NAMESPACE).svc.%s:7003');
  });

  it('scale gateway and workers with HPAs, and protect every workload with a PDB', () => {
    expect(templates.get('gateway.yaml')).toContain('include "bmcp.hpa"');
    expect(templates.get('agent-worker.yaml')).toContain('include "bmcp.hpa"');
    for (const file of ['gateway.yaml', 'agent-worker.yaml', 'mcp-pool.yaml', 'web.yaml']) expect(templates.get(file), file).toContain('include "bmcp.pdb"');
  });

  it('terminate TLS at the ingress with WebSocket-friendly timeouts, cert-manager optional', () => {
    const ingress = templates.get('ingress.yaml')!;
    for (const annotation of ['proxy-read-timeout', 'proxy-send-timeout']) expect(ingress).toContain(`nginx.ingress.kubernetes.io/${annotation}: {{ $ingress.timeoutSeconds | quote }}`);
    expect(ingress).toContain('cert-manager.io/cluster-issuer');
    expect(ingress).toMatch(/tls:\s+- hosts:/);
    expect(ingress).toContain('range $path := list "/v1" "/auth" "/ws" "/docs"');
    expect(ingress).toMatch(/path: \/openapi\.json\s+pathType: Exact/);
  });

  it('annotate the ServiceAccount for IAM roles for service accounts', () => {
    expect(templates.get('serviceaccount.yaml')).toContain('eks.amazonaws.com/role-arn: {{ . | quote }}');
  });
});

describe('values that go verbatim into manifests are valid Kubernetes', () => {
  it.each(COMPONENTS)('%s: security contexts, resources and scheduling fields form a valid Pod', (component) => {
    const own = values[component];
    const pod = new Pod({
      metadata: { name: 'check' },
      spec: {
        securityContext: values.podSecurityContext,
        nodeSelector: own.nodeSelector,
        tolerations: own.tolerations,
        affinity: own.affinity,
        topologySpreadConstraints: own.topologySpreadConstraints,
        imagePullSecrets: values.imagePullSecrets,
        containers: [{ name: 'check', image: 'check', resources: own.resources, securityContext: values.containerSecurityContext, env: own.extraEnv, envFrom: own.extraEnvFrom }],
      },
    });
    expect(() => pod.validate()).not.toThrow();
  });

  it('the security contexts run as non-root with a read-only root filesystem and no capabilities', () => {
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(values.containerSecurityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('a resources value of the wrong shape is caught', () => {
    const pod = new Pod({ metadata: { name: 'check' }, spec: { containers: [{ name: 'check', image: 'check', resources: { requests: { cpu: { cores: 1 } } } as never }] } });
    expect(() => pod.validate()).toThrow();
  });
});
