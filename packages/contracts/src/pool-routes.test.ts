import { describe, expect, it } from 'vitest';
import { CALL_SOCKET_PATH, POOL_ROUTES, POOL_USER_SCOPE, routePath } from './index.js';

describe('the mcp-pool route table', () => {
  it('keeps the paths the pool has always served', () => {
    const table = Object.fromEntries(Object.entries(POOL_ROUTES).map(([name, route]) => [name, `${route.method} ${route.path}`]));
    expect(table).toEqual({
      ensure: 'POST /v1/users/:userId/servers/:serverId/ensure',
      list: 'GET /v1/users/:userId/servers',
      stop: 'DELETE /v1/users/:userId/servers/:serverId',
      catalog: 'POST /v1/users/:userId/catalog',
      call: 'POST /v1/users/:userId/call',
      callSocket: 'GET /v1/calls',
      checkRequestServers: 'POST /v1/users/:userId/request-servers/check',
      closeTurnServers: 'DELETE /v1/users/:userId/turns/:turnId/servers',
      answerElicitation: 'POST /v1/users/:userId/elicitations/:elicitationId',
    });
    expect(CALL_SOCKET_PATH).toBe('/v1/calls');
  });

  it('scopes every route but the call socket by user, so replicas can route it to the owner', () => {
    for (const [name, route] of Object.entries(POOL_ROUTES)) {
      expect(route.path.startsWith(`${POOL_USER_SCOPE}/`), name).toBe(name !== 'callSocket');
    }
  });

  it('builds paths with encoded ids', () => {
    expect(routePath(POOL_ROUTES.stop, { userId: 'a b', serverId: 'fs/x' })).toBe('/v1/users/a%20b/servers/fs%2Fx');
    expect(routePath(POOL_ROUTES.call, { userId: 'u1' })).toBe('/v1/users/u1/call');
  });

  it('validates path parameters and bodies with the contract', () => {
    expect(POOL_ROUTES.ensure.params.safeParse({ userId: 'u1', serverId: 'local_fs' }).success).toBe(true);
    expect(POOL_ROUTES.ensure.params.safeParse({ userId: 'u1', serverId: '' }).success).toBe(false);
    expect(POOL_ROUTES.list.params.safeParse({ userId: '' }).success).toBe(false);
    expect(POOL_ROUTES.call.request.safeParse({ serverId: 's', toolName: 't' }).success).toBe(true);
    expect(POOL_ROUTES.call.request.safeParse({ serverId: 's', toolName: 't', extra: 1 }).success).toBe(false);
    expect(POOL_ROUTES.catalog.response.safeParse({ tools: [], errors: [] }).success).toBe(true);
    expect(POOL_ROUTES.answerElicitation.params.safeParse({ userId: 'u1', elicitationId: 'eli_0123456789abcdefgh' }).success).toBe(true);
    expect(POOL_ROUTES.answerElicitation.params.safeParse({ userId: 'u1', elicitationId: 'ask_0123456789abcdefgh' }).success).toBe(false);
    expect(POOL_ROUTES.answerElicitation.request.safeParse({ action: 'accept', content: { name: 'Ada', n: 1, ok: true, tags: ['a'] } }).success).toBe(true);
    expect(POOL_ROUTES.answerElicitation.request.safeParse({ action: 'decline', content: {} }).success).toBe(false);
    expect(POOL_ROUTES.answerElicitation.request.safeParse({ action: 'accept', content: { nested: { a: 1 } } }).success).toBe(false);
  });
});
