import { z } from 'zod';
import { ChatCompletionRequestSchema } from './chat-request.js';
import { ConversationChangeSchema } from './conversations.js';
import { ApiErrorCodeSchema } from './errors.js';
import { StreamEventSchema } from './stream-events.js';
import { TurnAnswersSchema } from './turn-asks.js';

/**
 * Chat WebSocket (`/ws/chat`). A browser cannot set headers on a WebSocket, so the first frame
 * authenticates; every other frame before it is refused and the socket closed.
 */
/** Close codes of the chat WebSocket (4000–4999 are the application's). */
export const WS_CLOSE_CODES = {
  /** No valid `auth` frame within the deadline, or a bad key. */
  unauthorized: 4401,
  /** The key may not act for the user the `auth` frame names. */
  forbidden: 4403,
  /** The gateway is shutting down. */
  goingAway: 1001,
  /** More bytes than allowed before authentication (WS_PREAUTH_MAX_BYTES), or a frame over the size limit. */
  messageTooBig: 1009,
  /** The gateway holds as many unauthenticated sockets as it allows (WS_MAX_UNAUTHENTICATED): reconnect a little later. */
  tryAgainLater: 1013,
} as const;

export const WsClientFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), apiKey: z.string().min(1), userId: z.string().optional() }).strict(),
  /** `requestId` is the client's, echoed back in `accepted` and errors. */
  z.object({ type: z.literal('chat'), requestId: z.string().min(1).max(100), body: ChatCompletionRequestSchema }).strict(),
  z.object({ type: z.literal('stop'), turnId: z.string() }).strict(),
  /** Replays the turn's events after `afterSeq`, then the live rest. */
  z.object({ type: z.literal('resume'), turnId: z.string(), afterSeq: z.number().int().min(0).default(0) }).strict(),
  /** Answers the turn's asks (approval_request events); acknowledged by `answered` or refused by `error`. */
  z.object({ type: z.literal('answer'), turnId: z.string(), answers: TurnAnswersSchema }).strict(),
  z.object({ type: z.literal('ping') }).strict(),
]);
export type WsClientFrame = z.infer<typeof WsClientFrameSchema>;
export type WsClientFrameInput = z.input<typeof WsClientFrameSchema>;

export const WsServerFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), userId: z.string() }).strict(),
  z.object({ type: z.literal('accepted'), requestId: z.string(), turnId: z.string() }).strict(),
  z.object({ type: z.literal('event'), event: StreamEventSchema }).strict(),
  z
    .object({
      type: z.literal('error'),
      requestId: z.string().optional(),
      turnId: z.string().optional(),
      error: z.object({ code: ApiErrorCodeSchema, message: z.string() }),
    })
    .strict(),
  /** The `answer` frame's answers were recorded; the turn's events go on. */
  z.object({ type: z.literal('answered'), turnId: z.string() }).strict(),
  z.object({ type: z.literal('pong') }).strict(),
  /**
   * One of the user's conversations changed (on this device or another): refresh the list, and
   * the open conversation if it is this one (`turn_started`: resume that turn's stream).
   */
  z.object({ type: z.literal('conversation'), change: ConversationChangeSchema.omit({ user_id: true }) }).strict(),
]);
export type WsServerFrame = z.infer<typeof WsServerFrameSchema>;
