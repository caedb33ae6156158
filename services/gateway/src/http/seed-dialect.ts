import type { ListMcpServersResponse, ManagementErrorBody, OpenAiErrorBody, SeedResponse, StreamFormat } from '@bedrock-mcp/contracts';
import type { KnownServer } from '../domain/mcp-server-directory.js';
import { OpenAiStreamFormatter } from '../domain/format/openai-stream-format.js';
import { SeedStreamFormatter } from '../domain/format/seed-stream-format.js';
import type { StreamFormatContext, StreamFormatter } from '../domain/format/stream-formatter.js';

/**
 * The seed's dialect, kept at the edge: the routes marked `dialect: 'seed'` in API_ROUTES answer
 * through these mappings from the platform's own results, and nothing below the routers knows it.
 */

/** The seed's success envelope: `{errno: 0, msg, data?}`. */
export function seedOk<T>(msg: string, data?: T): SeedResponse<T> {
  return data === undefined ? { errno: 0, msg } : { errno: 0, msg, data };
}

/** `POST /v1/stop/stream/{id}`'s answer. */
export const SEED_STOP_ANSWER: SeedResponse = seedOk('Stream stopping initiated');

/** `GET /v1/list/mcp_server`: the servers a user may enable, as the seed lists them. */
export function seedServerList(servers: readonly KnownServer[]): ListMcpServersResponse {
  return {
    servers: servers.map(({ serverId, scope, config }) => ({
      server_id: serverId,
      server_name: config.description || serverId,
      scope,
      enabled: config.enabled,
      transport: config.transport,
    })),
  };
}

/** The management routes (the seed's and `/v1/mcp_servers`) answer failures in the seed's envelope too. */
const SEED_ERROR_PATH = /^\/v1\/(list\/|add\/|remove\/|stop\/|mcp_servers)/;

/** A failure's body for a request path: OpenAI's error object, plus the seed's `errno: -1` and `msg` on management paths. */
export function errorBodyForPath(path: string, body: OpenAiErrorBody): OpenAiErrorBody | ManagementErrorBody {
  return SEED_ERROR_PATH.test(path) ? { errno: -1, msg: body.error.message, ...body } : body;
}

/** The chat stream's dialect: OpenAI's chunks, or the seed's (`stream_format: "seed"` / `X-Stream-Format: seed`). */
export function createFormatter(format: StreamFormat, context: StreamFormatContext): StreamFormatter {
  return format === 'seed' ? new SeedStreamFormatter(context) : new OpenAiStreamFormatter(context);
}
