import { API_ROUTES } from '@bedrock-mcp/contracts';
import { Router } from 'express';
import { principalOf, type GatewayServices } from './gateway-services.js';
import { seedOk, seedServerList } from './seed-dialect.js';
import { serve } from './serve-route.js';

/** Models and MCP server management, in the seed's shapes. */
export function managementRoutes(services: GatewayServices): Router {
  const router = Router();

  serve(router, API_ROUTES.models, ({ res }) => {
    res.json(services.models.openAiList());
  });

  serve(router, API_ROUTES.seedListModels, ({ res }) => {
    res.json(services.models.seedList());
  });

  serve(router, API_ROUTES.seedListMcpServers, async ({ res }) => {
    res.json(seedServerList(await services.servers.list(principalOf(res).userId)));
  });

  // Each asks the mcp-pool for live state, and adds and tool listings may start a server process:
  // counted per user before any of that work.
  serve(router, API_ROUTES.mcpServers, async ({ res }) => {
    const { userId } = principalOf(res);
    res.set(await services.mcpServerLimits.listings.enforce(userId));
    res.json(await services.manager.listDetailed(userId));
  });

  serve(router, API_ROUTES.mcpServerTools, async (call) => {
    const { userId } = principalOf(call.res);
    call.res.set(await services.mcpServerLimits.starts.enforce(userId));
    call.res.json(seedOk('ok', await services.manager.tools(userId, call.params().server_id)));
  });

  serve(router, API_ROUTES.addMcpServer, async (call) => {
    const { userId } = principalOf(call.res);
    call.res.set(await services.mcpServerLimits.starts.enforce(userId));
    const request = call.body();
    call.res.json(seedOk(`MCP server '${request.serverId}' added`, await services.manager.add(userId, request)));
  });

  serve(router, API_ROUTES.removeMcpServer, async (call) => {
    const serverId = call.params().server_id;
    await services.manager.remove(principalOf(call.res).userId, serverId);
    call.res.json(seedOk(`MCP server '${serverId}' removed`));
  });

  serve(router, API_ROUTES.removeHistory, async (call) => {
    const { res } = call;
    const { userId } = principalOf(res);
    const conversationId = call.body().conversation_id ?? null;
    await services.history.clear({ userId, conversationId });
    services.logger.info({ userId, conversationId }, 'history removed');
    res.json(seedOk('removed history'));
  });

  return router;
}
