import { z } from 'zod';
import { port } from './setting-fields.js';

/** The web server (services/web/server.mjs reads these itself; the gateway reads WEB_PORT for its default public URL). */
export const WEB_SETTINGS = {
  /** Web UI port (static build served under /chat; the gateway's public paths proxied through it). */
  WEB_PORT: port(3000),
  /** Web server bind address; loopback by default (containers set 0.0.0.0). With AUTH_MODE=local, whoever reaches it is the local user. */
  WEB_HOST: z.string().default('127.0.0.1'),
  /** web: where the web server proxies `/v1`, `/auth`, `/ws`, `/docs` and `/openapi.json` to (the browser talks only to the web origin). */
  GATEWAY_URL: z.string().default('http://127.0.0.1:7002'),
};
