import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AddressPolicy } from '@bedrock-mcp/common';
import { fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCountingServer, startRedirectingServer, type RunningHttpServer } from '../testing/http-servers.js';
import { assertUrlAllowed, createGuardedAgent, createGuardedFetch } from './guarded-fetch.js';

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((_req, res) => res.end('reached'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('guarded fetch for user-added URL servers', () => {
  it('refuses loopback by IP literal and by name, before any request is made', async () => {
    const { fetch, close } = createGuardedFetch(new AddressPolicy());
    try {
      await expect(fetch(`http://127.0.0.1:${port}/mcp`)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(fetch(`http://localhost:${port}/mcp`)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(fetch(`http://[::1]:${port}/mcp`)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(fetch(`http://169.254.169.254/latest/meta-data/`)).rejects.toMatchObject({ code: 'forbidden' });
    } finally {
      await close();
    }
  });

  it('checks the address again when connecting, so a name that resolves differently later is still refused', async () => {
    const agent = createGuardedAgent(new AddressPolicy());
    try {
      await expect(undiciFetch(`http://localhost:${port}/`, { dispatcher: agent })).rejects.toThrow();
      await expect(undiciFetch(`http://localhost:${port}/`, { dispatcher: agent }).catch((error: Error) => String((error.cause as Error)?.message))).resolves.toMatch(/refused to connect to localhost/);
    } finally {
      await agent.close();
    }
  });

  it('reaches an admin-allowed range', async () => {
    const policy = new AddressPolicy(['127.0.0.0/8', '::1/128']);
    await expect(assertUrlAllowed(`http://localhost:${port}/`, policy)).resolves.toBeUndefined();
    const { fetch, close } = createGuardedFetch(policy);
    try {
      const response = await fetch(`http://localhost:${port}/`);
      expect(await response.text()).toBe('reached');
    } finally {
      await close();
    }
  });
});

describe('redirects of a user-added URL server (issue #15: SSRF through a redirect)', () => {
  // The first hop is on 127.0.0.1, which these tests allow; 127.0.0.2 (another loopback address) is not allowed.
  const policy = new AddressPolicy(['127.0.0.1/32']);
  const servers: RunningHttpServer[] = [];
  let internal: Awaited<ReturnType<typeof startCountingServer>>;
  let guarded: ReturnType<typeof createGuardedFetch>;
  beforeAll(async () => {
    internal = await startCountingServer('127.0.0.2');
    servers.push(internal);
    guarded = createGuardedFetch(policy, { maxRedirects: 2 });
  });
  afterAll(async () => {
    await guarded.close();
    await Promise.all(servers.map((running) => running.close()));
  });
  const redirecting = async (location: string, status?: number) => {
    const running = await startRedirectingServer(location, status === undefined ? {} : { status });
    servers.push(running);
    return running;
  };

  it('refuses a redirect to an address outside the allowed ranges, and never reaches it', async () => {
    for (const status of [301, 302, 303, 307, 308]) {
      const first = await redirecting(internal.url, status);
      await expect(guarded.fetch(first.url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('127.0.0.2') });
      expect(first.hits).toHaveLength(1);
    }
    expect(internal.hits).toHaveLength(0);
  });

  it('refuses a redirect to the cloud metadata address, by IP literal or IPv4-mapped IPv6, before connecting', async () => {
    for (const location of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:a9fe:a9fe]/latest/meta-data/', 'http://[::ffff:127.0.0.2]:1/']) {
      const first = await redirecting(location);
      const started = Date.now();
      await expect(guarded.fetch(first.url)).rejects.toMatchObject({ code: 'forbidden' });
      expect(Date.now() - started).toBeLessThan(1000);
    }
  });

  it('refuses a redirect to another scheme, and a chain longer than the limit', async () => {
    await expect(guarded.fetch((await redirecting('file:///etc/passwd')).url)).rejects.toMatchObject({ code: 'forbidden' });
    const third = await redirecting('/again');
    await expect(guarded.fetch(third.url)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('more than 2 redirects') });
    expect(third.hits).toHaveLength(3);
  });

  it('follows an allowed redirect, keeping the method and body on 307 and the credentials only on the same origin', async () => {
    const target = await startCountingServer('127.0.0.1');
    servers.push(target);
    // A same-origin redirect loops back to the same server until the limit; every hop kept the token.
    const sameOrigin = await redirecting('/elsewhere');
    await expect(guarded.fetch(sameOrigin.url, { method: 'POST', body: '{"a":1}', headers: { authorization: 'Bearer user-token' } })).rejects.toMatchObject({ code: 'forbidden' });
    expect(sameOrigin.hits.map((headers) => headers.authorization)).toEqual(['Bearer user-token', 'Bearer user-token', 'Bearer user-token']);

    const crossOrigin = await redirecting(target.url);
    const reached = await guarded.fetch(crossOrigin.url, { method: 'POST', body: '{"a":1}', headers: { authorization: 'Bearer user-token', 'content-type': 'application/json' } });
    expect(await reached.text()).toBe('reached');
    expect(crossOrigin.hits[0]!.authorization).toBe('Bearer user-token');
    expect(target.hits).toHaveLength(1);
    expect(target.hits[0]!.authorization).toBeUndefined();
    expect(target.hits[0]!['content-type']).toBe('application/json');
  });
});
