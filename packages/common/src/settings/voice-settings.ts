import { z } from 'zod';
import { bool, int } from './setting-fields.js';

/** Voice conversations (Nova Sonic), served by the gateway. */
export const VOICE_SETTINGS = {
  /** Voice (Nova Sonic speech-to-speech): the Bedrock model id of InvokeModelWithBidirectionalStream. */
  VOICE_MODEL_ID: z.string().min(1).default('amazon.nova-sonic-v1:0'),
  /** Voice: the system prompt of every voice conversation. */
  VOICE_SYSTEM_PROMPT: z
    .string()
    .min(1)
    .default(
      'You are a helpful voice assistant. The user and you are having a spoken conversation: keep answers short, ' +
        'two or three sentences, and use the tools you are given when they help.',
    ),
  /** Voice: ids the user may pick (comma-separated; the first is the default); Nova Sonic has matthew, tiffany, amy and more. */
  VOICE_IDS: z
    .string()
    .default('matthew,tiffany,amy')
    .transform((value) => value.split(',').map((id) => id.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z][a-z0-9_-]*$/)).min(1)),
  /** Voice: milliseconds after which a Sonic stream is replaced by a new one carrying the conversation (Bedrock ends a session at 8 minutes). */
  VOICE_SESSION_RENEW_MS: int(450_000, 1000, 480_000),
  /** Voice: milliseconds a due renewal may wait for the assistant to finish its turn before it happens anyway. */
  VOICE_SESSION_RENEW_GRACE_MS: int(20_000, 0, 120_000),
  /** Voice: prior text turns replayed into a new Sonic stream (Nova Sonic accepts at most 40). */
  VOICE_HISTORY_MAX_MESSAGES: int(40, 0, 40),
  /** Voice: UTF-8 bytes kept of each replayed turn (Nova Sonic accepts at most 1000; longer turns keep their end). */
  VOICE_HISTORY_MAX_BYTES: int(1000, 50, 1000),
  /** Voice: most tokens Sonic generates per response. */
  VOICE_MAX_TOKENS: int(1024, 1, 10_000),
  /** Voice: Sonic nucleus sampling (0–1). */
  VOICE_TOP_P: z.coerce.number().min(0).max(1).default(0.9),
  /** Voice: Sonic temperature (0–1). */
  VOICE_TEMPERATURE: z.coerce.number().min(0).max(1).default(0.7),
  /** Voice: seconds a WebSocket ticket issued by the REST API stays valid (single use). */
  VOICE_TICKET_TTL_S: int(60, 5, 600),
  /** Voice: 1 also accepts the seed's `token` query parameter (an API key in the URL, logged by proxies) on /ws/user-audio. */
  VOICE_ALLOW_QUERY_TOKEN: bool(false),
};
