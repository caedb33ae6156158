import type { ChatCompletionRequest } from '@bedrock-mcp/contracts';
import { PoolClientError, type PoolClient } from '@bedrock-mcp/pool-client';
import { GatewayError } from './gateway-error.js';

/** Milliseconds the pool has to check the request servers' addresses (DNS included). */
const CHECK_TIMEOUT_MS = 10_000;

/**
 * Refuses, before a turn starts, a request whose `mcp` tools point at an address the mcp-pool's
 * policy refuses (loopback, private, link-local… unless MCP_ALLOWED_URL_RANGES allows it): 400
 * naming the entry. The pool checks again whenever it connects.
 */
export async function assertRequestServersAllowed(pool: Pick<PoolClient, 'checkRequestServers'>, userId: string, body: ChatCompletionRequest): Promise<void> {
  const entries = (body.tools ?? []).flatMap((tool, index) => (tool.type === 'mcp' ? [{ url: tool.server_url, index }] : []));
  for (const { url, index } of entries) {
    try {
      await pool.checkRequestServers(userId, [url], AbortSignal.timeout(CHECK_TIMEOUT_MS));
    } catch (error) {
      if (error instanceof PoolClientError && (error.code === 'forbidden' || error.code === 'server_start_failed')) {
        throw new GatewayError('invalid_request', `tools[${index}].server_url: ${error.message}`, `tools[${index}].server_url`);
      }
      throw new GatewayError('service_unavailable', 'Could not check the MCP servers of the request with the mcp-pool; try again.');
    }
  }
}
