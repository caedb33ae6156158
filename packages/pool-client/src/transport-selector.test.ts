import type { CallToolRequest } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { PoolClientError } from './pool-client-error.js';
import { ToolCallRerouted, type PreferredToolCallTransport, type ToolCallResult, type ToolCallTransport } from './tool-call-transport.js';
import { TransportSelector } from './transport-selector.js';

const request: CallToolRequest = { serverId: 's', toolName: 't', arguments: {} };
const answer = (text: string): ToolCallResult => ({ result: { content: [{ type: 'text', text }], isError: false, truncatedBytes: 0 }, durationMs: 1 });

/** A transport that records its calls and answers with `outcome` (a value, or a rejection). */
function transport(outcome: () => Promise<ToolCallResult>, available = true) {
  const log = { calls: 0, closes: 0, availableChecks: 0 };
  const self: PreferredToolCallTransport = {
    available: () => (log.availableChecks++, available),
    call: () => (log.calls++, outcome()),
    close: () => void log.closes++,
  };
  return { self, log };
}

describe('TransportSelector', () => {
  it('takes the preferred transport while it is available', async () => {
    const socket = transport(async () => answer('socket'));
    const http = transport(async () => answer('http'));
    const selector = new TransportSelector({ preferred: socket.self, fallback: http.self });
    expect(await selector.call('u', request, {})).toEqual(answer('socket'));
    expect([socket.log.calls, http.log.calls]).toEqual([1, 0]);
  });

  it('takes the fallback while the preferred one is not available, or when there is none', async () => {
    const socket = transport(async () => answer('socket'), false);
    const http = transport(async () => answer('http'));
    expect(await new TransportSelector({ preferred: socket.self, fallback: http.self }).call('u', request, {})).toEqual(answer('http'));
    expect(await new TransportSelector({ fallback: http.self }).call('u', request, {})).toEqual(answer('http'));
    expect([socket.log.availableChecks, socket.log.calls, http.log.calls]).toEqual([1, 0, 2]);
  });

  it('makes a call the preferred transport rerouted over the fallback', async () => {
    const socket = transport(() => Promise.reject(new ToolCallRerouted('not the owner')));
    const http = transport(async () => answer('http'));
    expect(await new TransportSelector({ preferred: socket.self, fallback: http.self }).call('u', request, {})).toEqual(answer('http'));
    expect([socket.log.calls, http.log.calls]).toEqual([1, 1]);
  });

  it('passes the preferred transport’s other failures on, without calling again', async () => {
    const failure = new PoolClientError('timeout', 'too slow', 504);
    const socket = transport(() => Promise.reject(failure));
    const http = transport(async () => answer('http'));
    await expect(new TransportSelector({ preferred: socket.self, fallback: http.self }).call('u', request, {})).rejects.toBe(failure);
    expect(http.log.calls).toBe(0);
  });

  it('rejects an aborted call with its reason before choosing', async () => {
    const socket = transport(async () => answer('socket'));
    const http: ToolCallTransport = transport(async () => answer('http')).self;
    const abort = new AbortController();
    abort.abort(new Error('stopped'));
    await expect(new TransportSelector({ preferred: socket.self, fallback: http }).call('u', request, { signal: abort.signal })).rejects.toThrow('stopped');
    expect([socket.log.availableChecks, socket.log.calls]).toEqual([0, 0]);
  });

  it('closes both transports', () => {
    const socket = transport(async () => answer('socket'));
    const http = transport(async () => answer('http'));
    new TransportSelector({ preferred: socket.self, fallback: http.self }).close();
    expect([socket.log.closes, http.log.closes]).toEqual([1, 1]);
  });
});
