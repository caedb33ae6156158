import type { CallToolRequest, CatalogTool, ToolResult } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { CatalogToolCaller } from './catalog-tool-caller.js';
import { PoolClientError } from './pool-client-error.js';
import type { CallToolOptions, ToolCallResult, ToolProgress } from './tool-call-transport.js';

const catalog: CatalogTool[] = [
  { name: 'fs__read', serverId: 'fs', toolName: 'read', description: '', inputSchema: {} },
  { name: 'web__get', serverId: 'web', toolName: 'get', description: '', inputSchema: {} },
];
const result: ToolResult = { content: [{ type: 'text', text: 'ok' }], isError: false, truncatedBytes: 0 };

/** A pool whose callTool records its arguments and answers with `answer`, which sees the call's options. */
function pool(answer: (options: CallToolOptions) => Promise<ToolCallResult>) {
  const calls: Array<{ userId: string; request: CallToolRequest; options: CallToolOptions }> = [];
  return {
    calls,
    callTool: (userId: string, request: CallToolRequest, options: CallToolOptions = {}) => {
      calls.push({ userId, request, options });
      return answer(options);
    },
  };
}

/** Rejects with the signal's reason once it aborts, like the real transports. */
const untilAborted = (options: CallToolOptions) => new Promise<ToolCallResult>((_resolve, reject) => options.signal!.addEventListener('abort', () => reject(options.signal!.reason)));

const call = (name: string, signal = new AbortController().signal) => ({ userId: 'u1', name, toolUseId: 'tu1', input: { path: '/a' }, signal });

describe('CatalogToolCaller', () => {
  it('calls the tool the model named on its server, under its own name, and forwards progress', async () => {
    const fake = pool(async (options) => {
      options.onProgress?.({ progress: 1, total: 2 });
      return { result, durationMs: 4 };
    });
    const progress: ToolProgress[] = [];
    const caller = new CatalogToolCaller(catalog, { pool: fake, timeoutMs: 1000 });
    const outcome = await caller.call({ ...call('web__get'), onProgress: (update) => progress.push(update) });
    expect(outcome).toEqual({ kind: 'result', tool: catalog[1], result, durationMs: 4 });
    expect(fake.calls.map(({ userId, request }) => ({ userId, request }))).toEqual([
      { userId: 'u1', request: { serverId: 'web', toolName: 'get', arguments: { path: '/a' }, timeoutMs: 1000, toolUseId: 'tu1' } },
    ]);
    expect(progress).toEqual([{ progress: 1, total: 2 }]);
    expect(caller.tool('fs__read')).toBe(catalog[0]);
  });

  it('leaves the timeout to the pool when none is given, and takes the catalog as a map too', async () => {
    const fake = pool(async () => ({ result, durationMs: 1 }));
    await new CatalogToolCaller(new Map(catalog.map((tool) => [tool.name, tool])), { pool: fake }).call(call('fs__read'));
    expect(fake.calls[0]!.request).toEqual({ serverId: 'fs', toolName: 'read', arguments: { path: '/a' }, toolUseId: 'tu1' });
  });

  it('answers unknown_tool for a name outside the catalog, calling nothing', async () => {
    const fake = pool(async () => ({ result, durationMs: 1 }));
    expect(await new CatalogToolCaller(catalog, { pool: fake }).call(call('read'))).toEqual({ kind: 'unknown_tool' });
    expect(fake.calls).toEqual([]);
  });

  it('tells the pool’s errors from other failures', async () => {
    const failure = new PoolClientError('tool_not_found', 'no tool', 404);
    expect(await new CatalogToolCaller(catalog, { pool: pool(() => Promise.reject(failure)) }).call(call('fs__read'))).toEqual({ kind: 'pool_error', tool: catalog[0], error: failure });
    const network = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(await new CatalogToolCaller(catalog, { pool: pool(() => Promise.reject(network)) }).call(call('fs__read'))).toEqual({ kind: 'failed', tool: catalog[0], error: network });
  });

  it('ends as cancelled when the caller aborts, and timed_out after timeoutMs + graceMs', async () => {
    const abort = new AbortController();
    const cancelled = new CatalogToolCaller(catalog, { pool: pool(untilAborted), timeoutMs: 60_000, graceMs: 1000 }).call(call('fs__read', abort.signal));
    abort.abort(new Error('stopped'));
    expect(await cancelled).toMatchObject({ kind: 'cancelled', error: new Error('stopped') });

    const started = Date.now();
    const timedOut = await new CatalogToolCaller(catalog, { pool: pool(untilAborted), timeoutMs: 30, graceMs: 20 }).call(call('fs__read'));
    expect(timedOut).toMatchObject({ kind: 'timed_out', error: { name: 'TimeoutError' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('has no timeout of its own without graceMs, and refuses graceMs without timeoutMs', async () => {
    const fake = pool(async () => ({ result, durationMs: 1 }));
    await new CatalogToolCaller(catalog, { pool: fake, timeoutMs: 10 }).call(call('fs__read'));
    const signal = call('fs__read').signal;
    await new CatalogToolCaller(catalog, { pool: fake }).call({ ...call('fs__read'), signal });
    expect(fake.calls[1]!.options.signal).toBe(signal);
    expect(() => new CatalogToolCaller(catalog, { pool: fake, graceMs: 5 })).toThrow(/graceMs needs timeoutMs/);
  });

  it('opts in to elicitations only with onElicitation, and its own timeout waits while one is answered', async () => {
    const answered: unknown[] = [];
    const fake = pool(async (options) => {
      const signal = options.signal!;
      answered.push(await options.onElicitation!({ message: 'Name?', requestedSchema: { type: 'object', properties: {} } }, new AbortController().signal));
      if (signal.aborted) throw signal.reason;
      return { result, durationMs: 1 };
    });
    const caller = new CatalogToolCaller(catalog, { pool: fake, timeoutMs: 30, graceMs: 20 });
    const onElicitation = async () => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      return { action: 'accept' as const, content: { name: 'Ada' } };
    };
    expect(await caller.call({ ...call('fs__read'), onElicitation, elicitationTimeoutMs: 5000 })).toMatchObject({ kind: 'result' });
    expect(answered).toEqual([{ action: 'accept', content: { name: 'Ada' } }]);
    expect(fake.calls[0]!.request.elicitationTimeoutMs).toBe(5000);

    const plain = pool(async () => ({ result, durationMs: 1 }));
    await new CatalogToolCaller(catalog, { pool: plain }).call({ ...call('fs__read'), elicitationTimeoutMs: 5000 });
    expect(plain.calls[0]!.request.elicitationTimeoutMs).toBeUndefined();
    expect(plain.calls[0]!.options.onElicitation).toBeUndefined();
  });
});
