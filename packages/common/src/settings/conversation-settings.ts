import { z } from 'zod';
import { int, optionalString } from './setting-fields.js';

/** Where users' conversations (`/v1/conversations`) are kept, for how long and how big (the gateway reads them, the agent-worker writes them). */
export const CONVERSATION_SETTINGS = {
  /** DynamoDB table for users' conversations (created by `ensureConversationTable` in development and tests; see docs/deployment.md for its keys); unset: Redis. */
  CONVERSATIONS_DDB_TABLE: optionalString,
  /** Days a conversation is kept after its last change, then deleted with its files; 0 keeps it until its owner deletes it. */
  CONVERSATION_RETENTION_DAYS: int(0, 0, 36_500),
  /** Bytes one conversation may hold (messages and files); a conversation at the cap takes no new turn (409 `conflict`: start a new one). */
  CONVERSATION_MAX_BYTES: int(50 * 1024 * 1024, 64 * 1024),
  /** How a new conversation gets its title: `model` asks the turn's model for a few words after the first exchange (the first message stands until then); `first_message` keeps the start of the first message. */
  CONVERSATION_TITLES: z.enum(['model', 'first_message']).default('model'),
};
