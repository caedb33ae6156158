import type { PlainMiddleware, PlainRequest } from './plain-http.js';
import type { GatewayMetrics } from '../gateway-metrics.js';

/** Stamps each request's arrival (for time to first token) and counts it by matched route when it ends. */
export function requestMetrics(metrics: GatewayMetrics): PlainMiddleware {
  return (req, res, next) => {
    (req as PlainRequest & { receivedAt?: bigint }).receivedAt = process.hrtime.bigint();
    res.on('finish', () => {
      // The route pattern, never the raw path (ids would explode the label set).
      const route = req.route?.path ?? 'unmatched';
      metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
