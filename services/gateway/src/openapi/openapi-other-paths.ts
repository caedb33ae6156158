import { VOICE_CLOSE_CODES } from '@bedrock-mcp/contracts';

type JsonObject = Record<string, unknown>;

function ops(summary: string, description: string): JsonObject {
  return { summary, description, security: [], responses: { '200': { description: 'ok' }, '503': { description: 'not ready' } } };
}

/**
 * The paths the gateway answers outside its Express routes (so outside API_ROUTES): the ops
 * handler's probes and metrics, and the two WebSockets.
 */
export function pathsOutsideRoutes(): Record<string, Record<string, JsonObject>> {
  return {
    '/healthz': { get: ops('Liveness', 'Answers 200 while the process runs.') },
    '/readyz': { get: ops('Readiness', 'Redis and the MCP server config store reachable; 503 while draining.') },
    '/metrics': {
      get: {
        ...ops('Prometheus metrics', 'Requests, active streams, time to first token, Node.js runtime. Only for the platform’s internal credential: `Authorization: Bearer <INTERNAL_API_KEY>` (Prometheus `authorization` / `bearer_token`).'),
        responses: { '200': { description: 'Prometheus text' }, '401': { description: 'no or another internal key' } },
      },
    },
    '/ws/chat': {
      get: {
        summary: 'Chat WebSocket',
        description:
          'Upgrade to a WebSocket. From the browser, the session cookie authenticates it (the Origin must be PUBLIC_URL’s, else 403; a dead session 401) and the server sends `ready` at once. ' +
          'Without the cookie, the first frame must be `auth` (within WS_AUTH_TIMEOUT_MS, 10 s; else close 4401). Then `chat` (answered by `accepted` and `event` frames), ' +
          '`stop`, `resume` {turnId, afterSeq}, `ping`; a `chat` refused (e.g. 409 `conflict`: its conversation has a turn running, or is full) answers an `error` frame with the same code. ' +
          'Once authenticated, every change to the user’s conversations (from any device) arrives as a `conversation` frame. Frames: components WsClientFrame and WsServerFrame. ' +
          'More than WS_PREAUTH_MAX_BYTES (16 KiB) before authentication closes the socket with 1009; while WS_MAX_UNAUTHENTICATED sockets wait to ' +
          'authenticate, a new one is closed with 1013 (retry shortly).',
        security: [],
        responses: {
          '101': { description: 'switching protocols' },
          '401': { description: 'the session cookie is expired or unknown' },
          '403': { description: 'a session cookie from a page of another origin' },
          '426': { description: 'not a WebSocket upgrade' },
        },
      },
    },
    '/ws/user-audio': {
      get: {
        summary: 'Voice WebSocket (Nova Sonic speech-to-speech with the user’s MCP tools)',
        description:
          'Upgrade to a WebSocket, authorized by `ticket` (from POST /v1/voice/ticket); the seed’s `token` (an API key) + `user_id` only where VOICE_ALLOW_QUERY_TOKEN=1. ' +
          'Refused sockets are closed with 4401 (no, unknown, expired or used ticket), 4403 (the key may not act for the user), ' +
          '1013 (WS_MAX_UNAUTHENTICATED sockets already wait to be authorized on this gateway; retry shortly) or ' +
          `${VOICE_CLOSE_CODES.invalidRequest} (unknown voice or MCP server). Client → server: binary frames of PCM16 little-endian mono 16 kHz (~32 ms each; ` +
          'frames over 64 KiB close the socket with 1009) and JSON control frames (component VoiceClientFrame). Server → client: JSON frames (component ' +
          'VoiceServerFrame): `connection_established`, `ready`, `text` (one bubble per `utteranceId`, updated in place), `toolUse`, `toolResult`, ' +
          '`audio_data` (base64 PCM16 mono 24 kHz), `interrupted` (barge-in: drop queued audio), `error`, `pong`. ' +
          `A client that does not read the audio fast enough is closed with ${VOICE_CLOSE_CODES.clientTooSlow}; a failed model session with ` +
          `${VOICE_CLOSE_CODES.modelFailed} after an error frame; shutdown with 1001.`,
        security: [],
        parameters: [
          { name: 'ticket', in: 'query', required: false, schema: { type: 'string' }, description: 'single-use ticket from POST /v1/voice/ticket' },
          { name: 'voice_id', in: 'query', required: false, schema: { type: 'string' }, description: 'overrides the ticket’s voice (one of VOICE_IDS)' },
          { name: 'mcp_server_ids', in: 'query', required: false, schema: { type: 'string' }, description: 'comma-separated; overrides the ticket’s servers' },
          { name: 'keep_session', in: 'query', required: false, schema: { type: 'string', enum: ['1', '0', 'true', 'false'] }, description: 'default 1: start from the chat history and add the transcripts to it' },
          { name: 'token', in: 'query', required: false, schema: { type: 'string' }, description: 'the seed’s API key parameter (only with VOICE_ALLOW_QUERY_TOKEN=1)' },
          { name: 'user_id', in: 'query', required: false, schema: { type: 'string' }, description: 'with `token`: the user to act for' },
        ],
        responses: { '101': { description: 'switching protocols' }, '426': { description: 'not a WebSocket upgrade' }, '503': { description: 'the gateway is draining' } },
      },
    },
  };
}
