import { API_ROUTES, type VoiceTicketResponse } from '@bedrock-mcp/contracts';
import { chooseVoiceId } from '@bedrock-mcp/voice';
import { Router } from 'express';
import { GatewayError } from '../domain/gateway-error.js';
import { principalOf, type GatewayServices } from './gateway-services.js';
import { serve } from './serve-route.js';

/**
 * `POST /v1/voice/ticket`: a short-lived, single-use ticket that opens `/ws/user-audio` as the caller
 * (a browser cannot set headers on a WebSocket, and an API key in a URL ends up in proxy logs). The
 * voice and the MCP servers are checked now, so a bad choice fails here with a 400 naming the field.
 */
export function voiceRoutes(services: GatewayServices): Router {
  const router = Router();

  serve(router, API_ROUTES.voiceTicket, async ({ res, body: parseBody }) => {
    const { userId } = principalOf(res);
    if (services.isDraining()) throw new GatewayError('service_unavailable', 'The gateway is shutting down; retry on another instance.');
    // A voice session is the most expensive thing a user can start: it counts against the chat rate limit.
    const rateHeaders = await services.rateLimiter.enforce(userId);
    const body = parseBody();
    const offered = services.settings.VOICE_IDS;
    const voiceId = chooseVoiceId(body.voice_id, offered);
    if (voiceId === undefined) throw new GatewayError('invalid_request', `voice_id: unknown voice '${body.voice_id ?? ''}' (offered: ${offered.join(', ')})`, 'voice_id');
    const mcpServerIds = await services.servers.requireUsable(userId, body.mcp_server_ids ?? []);
    const { ticket, expiresIn } = await services.voice.tickets.issue({ userId, mcpServerIds, voiceId });
    services.logger.debug({ userId, voiceId, servers: mcpServerIds }, 'voice ticket issued');
    const answer: VoiceTicketResponse = { ticket, expires_in: expiresIn };
    res.set(rateHeaders).json(answer);
  });

  return router;
}
