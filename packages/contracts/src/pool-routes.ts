import { z } from 'zod';
import { ServerIdSchema, TurnIdSchema, UserIdSchema } from './ids.js';
import { CallToolRequestSchema, CatalogRequestSchema, RequestServerCheckSchema, ElicitationResponseSchema, PoolElicitationIdSchema, CatalogResponseSchema, PoolServerListResponseSchema, PoolServerStatusSchema } from './pool-api.js';
import { defineRoute } from './route.js';

/**
 * The prefix of every user-scoped route of the mcp-pool (see pool-api.ts): what a replica routes
 * to the user's owner before serving it.
 */
export const POOL_USER_SCOPE = '/v1/users/:userId';

const UserParamsSchema = z.object({ userId: UserIdSchema });
const UserServerParamsSchema = z.object({ userId: UserIdSchema, serverId: ServerIdSchema });

/**
 * The mcp-pool's internal HTTP API as data: the pool serves these routes and pool-client calls them,
 * so neither spells a path. Errors are a PoolErrorBody with the status POOL_ERROR_STATUS gives.
 */
export const POOL_ROUTES = {
  ensure: defineRoute({
    method: 'POST',
    path: `${POOL_USER_SCOPE}/servers/:serverId/ensure`,
    summary: "Starts the user's server unless it runs, and waits until it is ready",
    params: UserServerParamsSchema,
    answer: 'json',
    response: PoolServerStatusSchema,
  }),
  list: defineRoute({
    method: 'GET',
    path: `${POOL_USER_SCOPE}/servers`,
    summary: "The user's servers and their states",
    params: UserParamsSchema,
    answer: 'json',
    response: PoolServerListResponseSchema,
  }),
  stop: defineRoute({
    method: 'DELETE',
    path: `${POOL_USER_SCOPE}/servers/:serverId`,
    summary: "Stops the user's server (its state is then `stopped`)",
    params: UserServerParamsSchema,
    answer: 'json',
    response: PoolServerStatusSchema,
  }),
  catalog: defineRoute({
    method: 'POST',
    path: `${POOL_USER_SCOPE}/catalog`,
    summary: 'The tools of the given servers, named for the model',
    params: UserParamsSchema,
    request: CatalogRequestSchema,
    answer: 'json',
    response: CatalogResponseSchema,
  }),
  call: defineRoute({
    method: 'POST',
    path: `${POOL_USER_SCOPE}/call`,
    summary: 'Calls a tool: NDJSON CallToolStreamLines, progress then one result or error; closing the request cancels the call',
    params: UserParamsSchema,
    request: CallToolRequestSchema,
    answer: 'ndjson',
  }),
  checkRequestServers: defineRoute({
    method: 'POST',
    path: `${POOL_USER_SCOPE}/request-servers/check`,
    summary: "Checks request servers' URLs against the address policy (MCP_ALLOWED_URL_RANGES): 204, or 403 naming the refused host",
    params: UserParamsSchema,
    request: RequestServerCheckSchema,
    answer: 'none',
    status: 204,
  }),
  closeTurnServers: defineRoute({
    method: 'DELETE',
    path: `${POOL_USER_SCOPE}/turns/:turnId/servers`,
    summary: "Closes the turn's request servers (the turn ended)",
    params: z.object({ userId: UserIdSchema, turnId: TurnIdSchema }),
    answer: 'none',
    status: 204,
  }),
  answerElicitation: defineRoute({
    method: 'POST',
    path: `${POOL_USER_SCOPE}/elicitations/:elicitationId`,
    summary: "Answers an elicitation of one of the user's calls in flight (once); 404 when it is unknown, answered, expired or another user's",
    params: z.object({ userId: UserIdSchema, elicitationId: PoolElicitationIdSchema }),
    request: ElicitationResponseSchema,
    answer: 'none',
    status: 204,
  }),
  /** Upgraded to a WebSocket carrying CallSocketClientFrames / CallSocketServerFrames (pool-api.ts). */
  callSocket: defineRoute({
    method: 'GET',
    path: '/v1/calls',
    summary: 'The call socket: many tool calls at once on one WebSocket, for users this replica owns',
    answer: 'none',
    status: 101,
  }),
} as const;

/** The call socket's upgrade path. */
export const CALL_SOCKET_PATH = POOL_ROUTES.callSocket.path;
