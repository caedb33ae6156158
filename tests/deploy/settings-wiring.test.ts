import { SettingsSchema } from '@bedrock-mcp/common';
import { describe, expect, it } from 'vitest';
import { chartEnvNamesOf, NOT_WIRED_IN_CHART } from '../../scripts/settings-files.js';
import { APP_SERVICES, chartTemplates, loadCompose, loadValuesSchema, readText } from './deploy-files.js';

// Every setting the services read must reach them in both deployments. Compose: from .env
// (env_file on every app service, checked in compose.test.ts) unless its `environment` or the
// pool's `command` sets it. Helm: from .Values.settings (the settings ConfigMap) unless the
// templates set it. docs/deployment.md lists the exceptions; this keeps that list true.

/** Environment variables the templates set that are not platform settings. */
// REDIS_PASSWORD: a component's Redis ACL password, from which the chart builds REDIS_URL.
const CHART_EXTRA_ENV = new Set(['POD_NAME', 'POD_NAMESPACE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'REDIS_PASSWORD']);

const settingNames = Object.keys(SettingsSchema.shape);
const compose = loadCompose();
const templateText = [...chartTemplates().values()].join('\n');
const chartSettings = new Set(Object.keys(loadValuesSchema().properties.settings.properties as object));

const composeEnvironmentNames = new Set(APP_SERVICES.flatMap((name) => Object.keys(compose.services[name]!.environment ?? {})));
const poolCommand = [compose.services['mcp-pool']!.command ?? []].flat().join(' ');
const setByCompose = (name: string) => composeEnvironmentNames.has(name) || new RegExp(`\\b${name}=`).test(poolCommand);

const chartEnvNames = chartEnvNamesOf(templateText);
const setByChart = (name: string) => chartEnvNames.has(name);

/** docs/deployment.md's table of settings the deployments decide themselves: name → [compose, helm]. */
const settingsSection = readText('docs/deployment.md').split(/^## /m).find((section) => section.startsWith('How each setting reaches the services')) ?? '';
const documented = new Map(
  [...settingsSection.matchAll(/^\| `([A-Za-z_][A-Za-z0-9_]*)` \| ([^|]+) \| ([^|]+) \|$/gm)].map((match) => [match[1]!, [match[2]!.trim(), match[3]!.trim()] as const]),
);

describe('every setting reaches the services', () => {
  it.each(settingNames)('%s in docker compose', (name) => {
    if (setByCompose(name)) {
      expect(documented.has(name), `${name} is set in docker-compose.yml: list it in docs/deployment.md`).toBe(true);
    } else {
      // From .env: every app service must read it.
      for (const service of APP_SERVICES) expect(compose.services[service]!.env_file, `${service} has no env_file for ${name}`).toEqual(['.env']);
    }
  });

  it.each(settingNames)('%s in the Helm chart', (name) => {
    const routes = [chartSettings.has(name) && 'values settings', setByChart(name) && 'templates', name in NOT_WIRED_IN_CHART && 'NOT_WIRED_IN_CHART'].filter(Boolean);
    // Exactly one route: a setting both in .Values.settings and set by a template would be silently overridden.
    const hint =
      routes.length === 0
        ? 'run `npm run docs:settings` to add it to values.yaml and values.schema.json'
        : `set twice: ${routes.join(', ')}`;
    expect(routes, `${name}: ${hint}`).toHaveLength(1);
  });
});

describe('docs/deployment.md lists exactly the settings the deployments decide themselves', () => {
  const exceptions = settingNames.filter((name) => setByCompose(name) || setByChart(name) || name in NOT_WIRED_IN_CHART);

  it('one row per such setting', () => {
    expect([...documented.keys()].sort()).toEqual(exceptions.sort());
  });

  it.each(exceptions)('%s: the row says how compose and the chart set it', (name) => {
    const [composeCell, helmCell] = documented.get(name) ?? ['', ''];
    expect(composeCell.startsWith('`.env`'), `${name} compose column: ${composeCell}`).toBe(!setByCompose(name));
    expect(helmCell.startsWith('not set'), `${name} Helm column: ${helmCell}`).toBe(name in NOT_WIRED_IN_CHART);
  });
});

describe('no unknown names (a misspelt variable would be silently ignored)', () => {
  it('docker-compose.yml sets only settings in the app services’ environment', () => {
    expect([...composeEnvironmentNames].filter((name) => !settingNames.includes(name))).toEqual([]);
  });

  it('the chart templates set only settings and the listed extra variables', () => {
    expect([...chartEnvNames].filter((name) => !settingNames.includes(name) && !CHART_EXTRA_ENV.has(name))).toEqual([]);
  });

  it('values.schema.json accepts only settings that exist', () => {
    expect([...chartSettings].filter((name) => !settingNames.includes(name))).toEqual([]);
  });

  it('the allowlist names only settings that exist and are indeed not wired', () => {
    for (const name of Object.keys(NOT_WIRED_IN_CHART)) {
      expect(settingNames, name).toContain(name);
      expect(chartSettings.has(name) || setByChart(name), name).toBe(false);
    }
  });
});
