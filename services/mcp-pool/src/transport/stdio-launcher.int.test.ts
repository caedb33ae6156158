import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturePath, isAlive, processGroupOf, PROJECT_ROOT, waitFor } from '../testing/processes.js';
import { buildChildEnv } from './child-env.js';
import { resolveCommand } from './command-path.js';
import { ProcessGroupStdioTransport } from './stdio-launcher.js';

const started: ProcessGroupStdioTransport[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((transport) => transport.close()));
});

async function launchStubborn(options: { stopGraceMs?: number; parentEnv?: NodeJS.ProcessEnv; serverEnv?: Record<string, string> } = {}) {
  const env = buildChildEnv(options.parentEnv ?? process.env, options.serverEnv ?? {});
  const transport = new ProcessGroupStdioTransport({
    command: resolveCommand('node', env.PATH, PROJECT_ROOT),
    args: [fixturePath('stubborn-server.mjs')],
    env,
    cwd: PROJECT_ROOT,
    stopGraceMs: options.stopGraceMs ?? 150,
  });
  started.push(transport);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(transport);
  const pids = JSON.parse(((await client.callTool({ name: 'pids' })).content as [{ text: string }])[0].text) as { pid: number; grandchildPid: number };
  return { transport, client, ...pids };
}

describe('ProcessGroupStdioTransport', () => {
  it('runs the server in its own process group and stops a server that ignores stdin end and SIGTERM, grandchild included', async () => {
    const { transport, pid, grandchildPid } = await launchStubborn({ stopGraceMs: 150 });
    expect(transport.pid).toBe(pid);
    expect(processGroupOf(pid)).toBe(pid);
    expect(processGroupOf(grandchildPid)).toBe(pid);
    expect(processGroupOf(pid)).not.toBe(processGroupOf(process.pid));

    const begin = Date.now();
    await transport.close();
    const elapsed = Date.now() - begin;
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(grandchildPid)).toBe(false);
    // stdin end (150 ms, ignored) + SIGTERM (150 ms, ignored) before SIGKILL.
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
    expect(transport.exitInfo?.signal).toBe('SIGKILL');
    expect(transport.stderr.tail()).toContain('stubborn: ignoring SIGTERM');
    await transport.close(); // idempotent
  });

  it('keeps a bounded stderr tail', async () => {
    const { transport } = await launchStubborn();
    await waitFor(() => transport.stderr.tail().includes('stubborn: start-up line 60'), 2000, 'stderr');
    const tail = transport.stderr.tail();
    expect(tail.length).toBeLessThanOrEqual(50);
    expect(tail).not.toContain('stubborn: start-up line 1');
  });

  it('passes only allowlisted variables of the parent plus the server env', async () => {
    const parentEnv = { ...process.env, AWS_SECRET_ACCESS_KEY: 'aws-secret', API_KEY: 'platform-key', SECRETS_KEY: 's', REDIS_URL: 'redis://x', LANG: 'C.UTF-8' };
    const { client } = await launchStubborn({ parentEnv, serverEnv: { MY_TOKEN: 'user-value' } });
    const result = await client.callTool({ name: 'env' });
    const env = JSON.parse((result.content as [{ text: string }])[0].text) as Record<string, string>;
    expect(env.MY_TOKEN).toBe('user-value');
    expect(env.LANG).toBe('C.UTF-8');
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'API_KEY', 'SECRETS_KEY', 'REDIS_URL']) expect(env[name]).toBeUndefined();
  });

  it('reports a crash through onclose and stops what the crashed server left behind', async () => {
    const { transport, client, pid, grandchildPid } = await launchStubborn();
    const closed = new Promise<void>((resolve) => {
      client.onclose = resolve;
    });
    await client.callTool({ name: 'crash' });
    await closed;
    expect(transport.exitInfo?.code).toBe(3);
    await waitFor(() => !isAlive(grandchildPid), 3000, 'grandchild gone');
    expect(isAlive(pid)).toBe(false);
    expect(transport.stderr.tail()).toContain('stubborn: crashing on purpose');
  });

  it('rejects start when the command cannot be spawned', async () => {
    const transport = new ProcessGroupStdioTransport({ command: '/nonexistent/binary', args: [], env: {}, cwd: PROJECT_ROOT, stopGraceMs: 50 });
    await expect(transport.start()).rejects.toThrow(/ENOENT/);
    expect(() => resolveCommand('no-such-command-xyz', process.env.PATH, PROJECT_ROOT)).toThrow(/not found on PATH/);
  });
});
