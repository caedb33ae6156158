import { ConversationSummarySchema } from '@bedrock-mcp/contracts';

/** A stored summary as read back: validated like any outside input. */
export const StoredConversationSummarySchema = ConversationSummarySchema.omit({ object: true, active_turn_id: true });
