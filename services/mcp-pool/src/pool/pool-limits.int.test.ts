import { PoolClientError } from '@bedrock-mcp/pool-client';
import { toolResultText } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEverythingOverHttp, type RunningHttpServer } from '../testing/http-servers.js';
import { startTestPool, testConf, type TestPool } from '../testing/pool-harness.js';
import { fixturePath, isAlive } from '../testing/processes.js';

const MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_TOOLS = 50;
const oversized = (...args: string[]) => ({ command: 'node', args: [fixturePath('oversized-server.mjs'), ...args] });

let pool: TestPool;
let streamable: RunningHttpServer;
let sse: RunningHttpServer;
beforeAll(async () => {
  [streamable, sse] = await Promise.all([startEverythingOverHttp('streamableHttp'), startEverythingOverHttp('sse')]);
  pool = await startTestPool({
    label: 'limits',
    env: { MCP_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES), MCP_MAX_TOOLS_PER_SERVER: String(MAX_TOOLS) },
    conf: testConf({
      // A 64 MiB line: past the limit here, and past the SDK's own 10 MiB read buffer too.
      flooder: oversized(`--line-bytes=${64 * 1024 * 1024}`),
      // 4 MiB: under the SDK's buffer, so only MCP_MAX_MESSAGE_BYTES can refuse it.
      bulky: oversized(`--line-bytes=${4 * 1024 * 1024}`),
      crowded: oversized(`--tools=${MAX_TOOLS + 1}`),
      roomy: oversized(`--tools=${MAX_TOOLS}`),
      remote_http: { url: streamable.url },
      remote_sse: { url: sse.url },
    }),
  });
});
afterAll(async () => {
  await pool?.close();
  await Promise.all([streamable?.close(), sse?.close()]);
});

/** Calls `tool` while sampling this process's heap + buffers; returns the error and the peak growth in bytes. */
async function callMeasured(serverId: string, toolName: string): Promise<{ error: unknown; growth: number }> {
  const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const before = used();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, used())), 5);
  try {
    await pool.client.callTool('alice', { serverId, toolName, arguments: {} });
    return { error: undefined, growth: peak - before };
  } catch (error) {
    return { error, growth: Math.max(peak, used()) - before };
  } finally {
    clearInterval(sampler);
  }
}

describe('a server that writes a message longer than MCP_MAX_MESSAGE_BYTES', () => {
  it('is stopped with an error naming the limit, while the pool holds about the limit, not the line', async () => {
    const { pid } = (await pool.client.ensureServer('alice', 'flooder')) as { pid?: number };
    const { error, growth } = await callMeasured('flooder', 'flood');
    expect(error).toBeInstanceOf(PoolClientError);
    expect((error as Error).message).toMatch(/server 'flooder' stopped during the call: the server wrote a message longer than 1048576 bytes \(MCP_MAX_MESSAGE_BYTES\); the pool stopped it/);
    // The line is 64 MiB; what the pool held for it is bounded by the limit (plus a pipe chunk and GC slack).
    expect(growth).toBeLessThan(8 * 1024 * 1024);
    const status = (await pool.client.listServers('alice')).find((server) => server.serverId === 'flooder');
    expect(status).toMatchObject({ state: 'error', error: expect.stringContaining('MCP_MAX_MESSAGE_BYTES') });
    if (pid !== undefined) await expect.poll(() => isAlive(pid)).toBe(false);
  });

  it('is refused even when the line is under the MCP SDK’s own 10 MiB buffer', async () => {
    const { error } = await callMeasured('bulky', 'flood');
    expect((error as Error | undefined)?.message).toMatch(/MCP_MAX_MESSAGE_BYTES/);
  });

  it('leaves the pool and the other servers working', async () => {
    const echo = await pool.client.callTool('alice', { serverId: 'everything', toolName: 'echo', arguments: { message: 'still here' } });
    expect(toolResultText(echo.result)).toContain('still here');
    const pong = await pool.client.callTool('bob', { serverId: 'bulky', toolName: 'ping', arguments: {} });
    expect(toolResultText(pong.result)).toBe('pong');
  });
});

describe('a server that lists more than MCP_MAX_TOOLS_PER_SERVER tools', () => {
  it('fails with an error naming the limit; one at the limit and the other servers are listed', async () => {
    const catalog = await pool.client.catalog('alice', ['crowded', 'roomy', 'everything']);
    expect(catalog.errors).toEqual([
      { serverId: 'crowded', message: expect.stringMatching(/server 'crowded' lists more than 50 tools \(MCP_MAX_TOOLS_PER_SERVER\)/) },
    ]);
    expect(catalog.tools.filter((tool) => tool.serverId === 'roomy')).toHaveLength(MAX_TOOLS);
    expect(catalog.tools.some((tool) => tool.serverId === 'everything')).toBe(true);
    const status = (await pool.client.listServers('alice')).find((server) => server.serverId === 'crowded');
    expect(status).toMatchObject({ state: 'error', error: expect.stringContaining('MCP_MAX_TOOLS_PER_SERVER') });
  });
});

describe('an HTTP server whose answer passes MCP_MAX_MESSAGE_BYTES (server-everything echo, real processes)', () => {
  it.each(['remote_http', 'remote_sse'])('%s: the call fails naming the limit, and the next call reconnects', async (serverId) => {
    const big = 'x'.repeat(MAX_MESSAGE_BYTES + 1024);
    const error = await pool.client.callTool('carol', { serverId, toolName: 'echo', arguments: { message: big } }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(PoolClientError);
    expect((error as Error).message).toMatch(/longer than 1048576 bytes \(MCP_MAX_MESSAGE_BYTES\); the pool closed the connection/);
    const { result } = await pool.client.callTool('carol', { serverId, toolName: 'echo', arguments: { message: 'small again' } });
    expect(toolResultText(result)).toContain('small again');
  });
});
