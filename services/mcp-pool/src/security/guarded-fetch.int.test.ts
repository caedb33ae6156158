import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressPolicy } from '@bedrock-mcp/common';
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
