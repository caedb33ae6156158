import { z } from 'zod';

/** A user id as it appears in keys and URLs: no braces, slashes or whitespace. */
export const UserIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*$/, 'user id may contain only letters, digits and . _ @ + -, and may not start with .');
export type UserId = z.infer<typeof UserIdSchema>;

/** An MCP server id, as in `{"mcpServers": {"<id>": …}}`. */
export const ServerIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'server id must start with a letter or digit and contain only letters, digits and _ . -');
export type ServerId = z.infer<typeof ServerIdSchema>;

/** A chat turn id, also the stream id of the seed (`X-Stream-ID`). */
export const TurnIdSchema = z.string().regex(/^chatcmpl-[A-Za-z0-9_-]{8,64}$/, 'not a turn id');
export type TurnId = z.infer<typeof TurnIdSchema>;

/** A conversation id a client chooses (`conversation_id`): used in keys, so a restricted alphabet. */
export const ConversationIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'conversation id may contain only letters, digits, _ and -, at most 128');

/** Tool names Bedrock accepts in a toolSpec. */
export const BEDROCK_TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const BedrockToolNameSchema = z.string().regex(BEDROCK_TOOL_NAME_PATTERN);
