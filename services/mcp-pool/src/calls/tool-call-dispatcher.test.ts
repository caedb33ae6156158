import type { CallToolRequest, ToolResult } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { PoolFailure } from '../errors/pool-failure.js';
import type { PoolCallOptions } from '../pool/server-pool.js';
import { PendingElicitations } from './pending-elicitations.js';
import { ToolCallDispatcher, type CallProgressLine } from './tool-call-dispatcher.js';

const request: CallToolRequest = { serverId: 's', toolName: 't', arguments: {} };
const result: ToolResult = { content: [{ type: 'text', text: 'ok' }], isError: false, truncatedBytes: 0 };

/** A server pool whose one call is driven by the test, and an ownership that counts holds. */
function setup(owned: string[] = ['u']) {
  let holds = 0;
  let call: { options: PoolCallOptions; resolve: (value: { result: ToolResult; durationMs: number }) => void; reject: (error: unknown) => void } | undefined;
  const dispatcher = new ToolCallDispatcher({
    pool: {
      callTool: (_userId, _request, options = {}) =>
        new Promise((resolve, reject) => {
          call = { options, resolve, reject };
        }),
    },
    ownership: {
      owns: (userId) => owned.includes(userId),
      hold: () => {
        holds += 1;
        return () => (holds -= 1);
      },
    },
    elicitations: new PendingElicitations(),
  });
  return { dispatcher, holds: () => holds, call: () => call! };
}

describe('ToolCallDispatcher', () => {
  it('runs a call under a hold on the user and answers with the result line', async () => {
    const { dispatcher, holds, call } = setup();
    const progress: CallProgressLine[] = [];
    const outcome = dispatcher.dispatch('u', request, { signal: new AbortController().signal, onProgress: (line) => progress.push(line) });
    expect(holds()).toBe(1);
    call().options.onProgress?.({ progress: 1, total: 2 });
    call().options.onProgress?.({ progress: 2, message: 'half' });
    call().resolve({ result, durationMs: 7 });
    expect(await outcome).toEqual({ type: 'result', result, durationMs: 7 });
    expect(progress).toEqual([
      { type: 'progress', progress: 1, total: 2 },
      { type: 'progress', progress: 2, message: 'half' },
    ]);
    expect(holds()).toBe(0);
  });

  it('maps failures to the contract error: its own code for a PoolFailure, internal otherwise', async () => {
    const { dispatcher, call } = setup();
    const signal = new AbortController().signal;
    const first = dispatcher.dispatch('u', request, { signal, onProgress: () => undefined });
    call().reject(new PoolFailure('tool_not_found', 'no tool t'));
    expect(await first).toEqual({ type: 'error', error: { code: 'tool_not_found', message: 'no tool t' } });
    const second = dispatcher.dispatch('u', request, { signal, onProgress: () => undefined });
    call().reject(new Error('boom'));
    expect(await second).toEqual({ type: 'error', error: { code: 'internal', message: 'boom' } });
  });

  it('ends a cancelled call as cancelled, with no progress after the abort, and releases the user', async () => {
    const { dispatcher, holds, call } = setup();
    const abort = new AbortController();
    const progress: CallProgressLine[] = [];
    const outcome = dispatcher.dispatch('u', request, { signal: abort.signal, onProgress: (line) => progress.push(line) });
    expect(call().options.signal).toBe(abort.signal);
    abort.abort(new PoolFailure('cancelled', 'the caller cancelled the call'));
    call().options.onProgress?.({ progress: 1 });
    call().reject(abort.signal.reason);
    expect(await outcome).toEqual({ type: 'cancelled' });
    expect(progress).toEqual([]);
    expect(holds()).toBe(0);
  });

  it('serves here only users this replica owns', () => {
    const { dispatcher } = setup(['mine']);
    expect(dispatcher.servesHere('mine')).toBe(true);
    expect(dispatcher.servesHere('theirs')).toBe(false);
  });

  it('validates a call body with the contract, naming the field', () => {
    const { dispatcher } = setup();
    expect(dispatcher.parseRequest({ serverId: 's', toolName: 't' })).toEqual({ serverId: 's', toolName: 't', arguments: {} });
    expect(() => dispatcher.parseRequest({ serverId: 's' })).toThrow(expect.objectContaining({ code: 'invalid_request', message: expect.stringMatching(/^toolName: /) }));
    expect(() => dispatcher.parseRequest(undefined)).toThrow(PoolFailure);
  });
});
