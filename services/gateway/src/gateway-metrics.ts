import { Counter, Gauge, Histogram, type Registry } from '@bedrock-mcp/common';

/** The gateway's own Prometheus metrics (the registry also holds Node's defaults). */
export function createGatewayMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'gateway_http_requests_total',
      help: 'HTTP requests by method, matched route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    activeStreams: new Gauge({
      name: 'gateway_active_streams',
      help: 'Turns currently being streamed to clients, by transport (sse, ws, completion)',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    wsConnections: new Gauge({ name: 'gateway_ws_connections', help: 'Open chat WebSocket connections', registers: [registry] }),
    ttft: new Histogram({
      name: 'gateway_ttft_seconds',
      help: 'Time from receiving a chat request to sending its first text or reasoning, in seconds',
      labelNames: ['transport'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    turnsSubmitted: new Counter({ name: 'gateway_turns_submitted_total', help: 'Chat turns enqueued', registers: [registry] }),
    voiceConnections: new Gauge({ name: 'gateway_voice_connections', help: 'Open voice WebSocket connections (being authorized or live)', registers: [registry] }),
    voiceSessions: new Gauge({ name: 'gateway_voice_sessions', help: 'Active voice sessions (a Nova Sonic conversation each)', registers: [registry] }),
    voiceRefused: new Counter({
      name: 'gateway_voice_refused_total',
      help: 'Voice sockets refused, by close code (4401 no or bad ticket, 4403 forbidden, 4400 invalid request)',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
  };
}
export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
