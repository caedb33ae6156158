import { useCallback, useEffect, useRef, useState } from 'react';
import type { GatewayClient } from '../api/gateway-client.js';
import { describeGatewayError } from '../api/gateway-error.js';
import type { McpServerInfo } from '../api/gateway-views.js';

/** How often (ms) the list is refreshed while a server is starting, and otherwise. */
const FAST_POLL_MS = 2000;
const SLOW_POLL_MS = 30_000;

/** The user's MCP servers (global and personal) with their status, kept fresh by polling. */
export function useMcpServers(client: GatewayClient | undefined) {
  const [servers, setServers] = useState<McpServerInfo[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string>();
  const [poolError, setPoolError] = useState<string>();
  const clientRef = useRef(client);
  clientRef.current = client;

  const refresh = useCallback(async () => {
    const current = clientRef.current;
    if (!current) return;
    try {
      const list = await current.listMcpServers();
      if (clientRef.current !== current) return;
      setServers(list.servers);
      setPoolError(list.poolError);
      setError(undefined);
    } catch (caught) {
      if (clientRef.current === current) setError(describeGatewayError(caught));
    } finally {
      if (clientRef.current === current) setLoaded(true);
    }
  }, []);

  useEffect(() => {
    setServers([]);
    setLoaded(false);
    void refresh();
  }, [client, refresh]);

  const starting = servers.some((server) => server.status === 'starting');
  useEffect(() => {
    if (!client) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') void refresh();
    }, starting ? FAST_POLL_MS : SLOW_POLL_MS);
    return () => clearInterval(timer);
  }, [client, starting, refresh]);

  return { servers, loaded, error, poolError, refresh };
}
