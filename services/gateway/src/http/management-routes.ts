import { AddMcpServerRequestSchema, ServerIdSchema, type SeedResponse } from '@bedrock-mcp/contracts';
import { Router } from 'express';
import { GatewayError } from '../domain/gateway-error.js';
import { principalOf, type GatewayServices } from './gateway-services.js';

function serverIdParam(value: string | undefined): string {
  const parsed = ServerIdSchema.safeParse(value);
  if (!parsed.success) throw new GatewayError('invalid_request', `server_id: ${parsed.error.issues[0]?.message ?? 'invalid'}`, 'server_id');
  return parsed.data;
}

function ok<T>(msg: string, data?: T): SeedResponse<T> {
  return data === undefined ? { errno: 0, msg } : { errno: 0, msg, data };
}

/** Models and MCP server management, in the seed's shapes. */
export function managementRoutes(services: GatewayServices): Router {
  const router = Router();

  router.get('/v1/models', (_req, res) => {
    res.json(services.models.openAiList());
  });

  router.get('/v1/list/models', (_req, res) => {
    res.json(services.models.seedList());
  });

  router.get('/v1/list/mcp_server', async (_req, res) => {
    const servers = await services.servers.list(principalOf(res).userId);
    res.json({
      servers: servers.map(({ serverId, scope, config }) => ({
        server_id: serverId,
        server_name: config.description || serverId,
        scope,
        enabled: config.enabled,
        transport: config.transport,
      })),
    });
  });

  // Each asks the mcp-pool for live state, and adds and tool listings may start a server process:
  // counted per user before any of that work.
  router.get('/v1/mcp_servers', async (_req, res) => {
    const { userId } = principalOf(res);
    res.set(await services.mcpServerLimits.listings.enforce(userId));
    res.json(await services.manager.listDetailed(userId));
  });

  router.get('/v1/mcp_servers/:serverId/tools', async (req, res) => {
    const { userId } = principalOf(res);
    res.set(await services.mcpServerLimits.starts.enforce(userId));
    res.json(ok('ok', await services.manager.tools(userId, serverIdParam(req.params.serverId))));
  });

  router.post('/v1/add/mcp_server', async (req, res) => {
    const { userId } = principalOf(res);
    res.set(await services.mcpServerLimits.starts.enforce(userId));
    const request = AddMcpServerRequestSchema.parse(req.body ?? {});
    res.json(ok(`MCP server '${request.serverId}' added`, await services.manager.add(userId, request)));
  });

  router.delete('/v1/remove/mcp_server/:serverId', async (req, res) => {
    const serverId = serverIdParam(req.params.serverId);
    await services.manager.remove(principalOf(res).userId, serverId);
    res.json(ok(`MCP server '${serverId}' removed`));
  });

  router.post('/v1/remove/history', async (_req, res) => {
    const { userId } = principalOf(res);
    await services.history.clear(userId);
    services.logger.info({ userId }, 'history removed');
    res.json(ok('removed history'));
  });

  return router;
}
