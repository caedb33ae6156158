import { WebSettingsSchema } from '@bedrock-mcp/common';
import { describe, expect, it } from 'vitest';
import { chartSettingNames, generatedSettingsFiles, settingPropertySchema } from '../../scripts/settings-files.js';
import { readText } from './deploy-files.js';

// .env.example, README's settings tables and the chart's settings are generated from the schema
// (packages/common/src/settings/) by `npm run docs:settings`; this fails when one is stale.
describe('files generated from the settings schema', () => {
  it.each([...generatedSettingsFiles()])('%s is up to date (run `npm run docs:settings`)', (path, generated) => {
    expect(readText(path) === generated, `${path} differs from what npm run docs:settings writes`).toBe(true);
  });

  it('the chart accepts the old setting names too, with the same bounds as the new', () => {
    expect(chartSettingNames()).toEqual(expect.arrayContaining(['MAX_TURNS', 'MAX_MODEL_ROUNDS', 'INACTIVE_TIME', 'MCP_IDLE_MINUTES']));
    const { description: _old, examples: _example, ...oldName } = settingPropertySchema('MAX_TURNS');
    const { description: _new, ...newName } = settingPropertySchema('MAX_MODEL_ROUNDS');
    expect(oldName).toEqual(newName);
  });

  it('describes a URL setting as one, with its example', () => {
    expect(settingPropertySchema('OIDC_ISSUER_URL')).toMatchObject({ type: 'string', pattern: '^https?://[^\\s]+$', examples: ['https://login.example.com/realms/main'] });
  });

  // server.mjs runs without node_modules, so it reads its settings itself; the slice documents them.
  it('the web slice is what services/web/server.mjs reads (WEB_DIST_DIR, where the build output is, aside: a layout path, not a deployment setting)', () => {
    const read = new Set([...readText('services/web/server.mjs').matchAll(/process\.env\.([A-Z_]+)/g)].map((match) => match[1]!));
    read.delete('WEB_DIST_DIR');
    expect([...read].sort()).toEqual(Object.keys(WebSettingsSchema.shape).sort());
  });
});
