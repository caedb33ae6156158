import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { API_ROUTES, type ApiRouteDefinition } from './api-routes.js';
import {
  ListMcpServersResponseSchema,
  ListModelsResponseLenientSchema,
  ListModelsResponseSchema,
  McpServerDetailListResponseSchema,
  McpServerListLenientSchema,
} from './management.js';
import { routePath } from './route.js';

const routes = Object.entries(API_ROUTES) as Array<[string, ApiRouteDefinition]>;

describe('API_ROUTES', () => {
  it('names each path parameter in the route’s params schema, and nothing else', () => {
    for (const [name, route] of routes) {
      const segments = [...route.path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]);
      const keys = route.params ? Object.keys((route.params as z.ZodObject).shape) : [];
      expect(keys, name).toEqual(segments);
    }
  });

  it('gives every JSON answer with a body a schema, and no body to the answers without one', () => {
    for (const [name, route] of routes) {
      if (route.answer === 'none') expect([route.response, route.status], name).toEqual([undefined, 204]);
      if (route.answer === 'sse') expect(route.events, name).toBeDefined();
      if (route.lenientResponse) expect(route.response, name).toBeDefined();
      if (route.path !== '/openapi.json' && route.answer === 'json') expect(route.response, name).toBeDefined();
    }
  });

  it('builds a route’s URL path with its parameters encoded', () => {
    expect(routePath(API_ROUTES.mcpServerTools, { server_id: 'every thing' })).toBe('/v1/mcp_servers/every%20thing/tools');
    expect(() => routePath(API_ROUTES.removeMcpServer)).toThrow(/server_id/);
  });
});

describe('lenient readings of the listings', () => {
  it('defaults the capability flags an older gateway left out, which the gateway’s own schema requires', () => {
    const old = { models: [{ model_id: 'm', model_name: 'M' }] };
    expect(ListModelsResponseSchema.safeParse(old).success).toBe(false);
    expect(ListModelsResponseLenientSchema.parse(old).models[0]).toEqual({
      model_id: 'm',
      model_name: 'M',
      supports_thinking: false,
      supports_images: true,
      supports_documents: true,
    });
  });

  it('reads the seed’s own server list and statuses it does not know, which the gateway’s schemas refuse', () => {
    const seed = { servers: [{ server_id: 'fs', server_name: 'Files' }] };
    expect(ListMcpServersResponseSchema.safeParse(seed).success).toBe(false);
    expect(McpServerListLenientSchema.parse(seed).servers[0]).toMatchObject({ server_id: 'fs', scope: 'user', enabled: false, status: 'unknown' });
    const newer = { servers: [{ server_id: 'fs', server_name: 'Files', scope: 'global', enabled: true, transport: 'stdio', status: 'paused', error: null }] };
    expect(McpServerDetailListResponseSchema.safeParse(newer).success).toBe(false);
    expect(McpServerListLenientSchema.parse(newer).servers[0]).toMatchObject({ scope: 'global', enabled: true, status: 'unknown', error: null });
  });
});
