import { z } from 'zod';
import { ApiErrorCodeSchema } from './errors.js';
import { ServerIdSchema, UserIdSchema } from './ids.js';

/**
 * Voice WebSocket (`/ws/user-audio`, the seed's path). The browser sends binary frames of PCM16
 * little-endian mono at VOICE_INPUT_SAMPLE_RATE and, optionally, JSON control frames; the server
 * sends JSON frames (the seed's types, with fields for in-place transcripts). Close codes are
 * WS_CLOSE_CODES'.
 */
export const VOICE_INPUT_SAMPLE_RATE = 16_000;
export const VOICE_OUTPUT_SAMPLE_RATE = 24_000;
export const VOICE_WS_PATH = '/ws/user-audio';

/**
 * Close codes of the voice socket besides WS_CLOSE_CODES' (4401 no or bad ticket/token, 4403 the key
 * may not act for the user, 1001 the gateway is shutting down). The close reason says why.
 */
export const VOICE_CLOSE_CODES = {
  /** The conversation ended normally (either side closed it). */
  normal: 1000,
  /** The query asks for something the user may not have: an unknown voice or MCP server. */
  invalidRequest: 4400,
  /** The client did not read the assistant's audio fast enough; the gateway will not buffer without bound. */
  clientTooSlow: 4408,
  /** The voice model failed or refused the session (an `error` frame said why first). */
  modelFailed: 1011,
  /** A dependency (the MCP pool, Redis) is unavailable; try again later. */
  unavailable: 1013,
} as const;

/**
 * Query of the voice socket. `ticket` (from POST /v1/voice/ticket) authenticates; the seed's
 * `token` (an API key) only where the deployment enables it. `mcp_server_ids` is comma-separated.
 */
export const VoiceSocketQuerySchema = z.object({
  ticket: z.string().min(1).max(200).optional(),
  token: z.string().min(1).optional(),
  user_id: UserIdSchema.optional(),
  mcp_server_ids: z
    .string()
    .optional()
    .transform((value) => (value ?? '').split(',').map((id) => id.trim()).filter(Boolean))
    .pipe(z.array(ServerIdSchema).max(50)),
  voice_id: z.string().min(1).max(50).optional(),
  /**
   * `1`/`true` (the default when absent): the conversation starts from the user's chat history and its
   * transcripts are added to it (text chat with keep_session sees them); `0`/`false`: neither.
   */
  keep_session: z
    .enum(['1', '0', 'true', 'false'])
    .optional()
    .transform((value) => (value === undefined ? undefined : value === '1' || value === 'true')),
});
export type VoiceSocketQuery = z.infer<typeof VoiceSocketQuerySchema>;

/** Body of the REST call that issues a voice ticket (the caller is authenticated as for chat). */
export const VoiceTicketRequestSchema = z
  .object({
    mcp_server_ids: z.array(ServerIdSchema).max(50).optional(),
    voice_id: z.string().min(1).max(50).optional(),
  })
  .strict();
export type VoiceTicketRequest = z.infer<typeof VoiceTicketRequestSchema>;

export const VoiceTicketResponseSchema = z.object({
  ticket: z.string(),
  /** Seconds the ticket stays valid; it works once. */
  expires_in: z.number().int().positive(),
});
export type VoiceTicketResponse = z.infer<typeof VoiceTicketResponseSchema>;

/** JSON text frames a browser may send besides audio. */
export const VoiceClientFrameSchema = z.discriminatedUnion('type', [
  /** Push-to-talk released: the user's utterance is complete (the model also detects pauses itself). */
  z.object({ type: z.literal('end_of_utterance') }).strict(),
  z.object({ type: z.literal('ping') }).strict(),
]);
export type VoiceClientFrame = z.infer<typeof VoiceClientFrameSchema>;

export const VoiceRoleSchema = z.enum(['user', 'assistant']);
export type VoiceRole = z.infer<typeof VoiceRoleSchema>;

export const VoiceServerFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('connection_established'), sessionId: z.string() }).strict(),
  /** The model session is open: audio may flow. */
  z.object({ type: z.literal('ready'), voiceId: z.string() }).strict(),
  /**
   * A transcript: the whole text of one utterance so far, to replace the bubble `utteranceId` in
   * place. `final` false: (part of) it is the model's speculative plan, not yet spoken. `user` /
   * `assistant` repeat `content` under the seed's key.
   */
  z
    .object({
      type: z.literal('text'),
      role: VoiceRoleSchema,
      utteranceId: z.string(),
      content: z.string(),
      final: z.boolean(),
      user: z.string().optional(),
      assistant: z.string().optional(),
    })
    .strict(),
  z.object({ type: z.literal('toolUse'), toolUseId: z.string(), name: z.string(), input: z.unknown() }).strict(),
  z
    .object({ type: z.literal('toolResult'), toolUseId: z.string(), name: z.string(), content: z.string(), isError: z.boolean() })
    .strict(),
  /** Assistant speech: base64 PCM16 little-endian mono at `sampleRate` (VOICE_OUTPUT_SAMPLE_RATE). */
  z.object({ type: z.literal('audio_data'), data: z.string(), sampleRate: z.number().int().positive() }).strict(),
  /** The user barged in: drop all queued assistant audio at once. */
  z.object({ type: z.literal('interrupted') }).strict(),
  z.object({ type: z.literal('error'), code: ApiErrorCodeSchema, message: z.string() }).strict(),
  z.object({ type: z.literal('pong') }).strict(),
]);
export type VoiceServerFrame = z.infer<typeof VoiceServerFrameSchema>;
