import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Runs the real gateway entry (from source) with only `env`; resolves with its exit code and output. */
function runGateway(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'services/gateway/src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ENV_FILE: '/nonexistent/.env', INTERNAL_API_KEY: TEST_INTERNAL_API_KEY, LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the gateway process refuses to start when nobody would have to sign in on a reachable address', () => {
  it('AUTH_MODE=auto on 0.0.0.0 without an identity provider: exit 1, naming AUTH_MODE and the ways out', async () => {
    const { code, output } = await runGateway({ MCP_SERVICE_HOST: '0.0.0.0', MCP_SERVICE_PORT: '9', REDIS_URL: 'redis://127.0.0.1:9' });
    expect(code).toBe(1);
    expect(output).toMatch(/no identity provider is configured and the gateway binds 0\.0\.0\.0/);
    expect(output).toContain('AUTH_MODE=local');
    expect(output).toContain('OIDC_ISSUER_URL');
  });
});
