/**
 * Whose history and which conversation of theirs: `conversationId` null is the user's default
 * conversation (keep_session without a `conversation_id`, and voice). Always both, so no caller
 * reaches one conversation's history while meaning another.
 */
export interface HistoryScope {
  readonly userId: string;
  /** A `conversation_id` (ConversationIdSchema: letters, digits, `_` and `-`), or null for the default conversation. */
  readonly conversationId: string | null;
}

/**
 * The Redis keys of a user's server-side chat history, one list (+ lock, + epoch) per conversation.
 * The default conversation's strings are the ones the platform has always used (stored histories
 * keep working); a named conversation puts `:conversation:<id>` after the kind
 * (`history`, `history-lock`, `history-epoch`), so an id ending in `-lock` cannot name another
 * conversation's lock. All start `user:{userId}:history` (the agent-worker's Redis ACL pattern) and
 * the `{userId}` hash tag keeps them on one Redis Cluster slot, so the history scripts can take all three.
 */
export function createHistoryKeys(prefix: string) {
  const key = (kind: 'history' | 'history-lock' | 'history-epoch', scope: HistoryScope) =>
    `${prefix}user:{${scope.userId}}:${kind}${scope.conversationId === null ? '' : `:conversation:${scope.conversationId}`}`;
  return {
    /** list of JSON Converse messages, oldest first */
    history: (scope: HistoryScope) => key('history', scope),
    /** token (turn id) of the keep_session turn reading and writing the history now, with expiry */
    lock: (scope: HistoryScope) => key('history-lock', scope),
    /** counter bumped by every save, append and clear: a turn whose loaded history changed or was removed since does not write it back */
    epoch: (scope: HistoryScope) => key('history-epoch', scope),
  } as const;
}
export type HistoryKeys = ReturnType<typeof createHistoryKeys>;
