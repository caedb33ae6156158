/**
 * The Redis keys of a user's server-side chat history. The strings are the ones the platform has
 * always used (stored histories keep working); the `{userId}` hash tag keeps them on one Redis
 * Cluster slot, so the history scripts can take all three.
 */
export function createHistoryKeys(prefix: string) {
  return {
    /** list of JSON Converse messages, oldest first */
    history: (userId: string) => `${prefix}user:{${userId}}:history`,
    /** token (turn id) of the keep_session turn reading and writing the history now, with expiry */
    lock: (userId: string) => `${prefix}user:{${userId}}:history-lock`,
    /** counter bumped by every save, append and clear: a turn whose loaded history changed or was removed since does not write it back */
    epoch: (userId: string) => `${prefix}user:{${userId}}:history-epoch`,
  } as const;
}
export type HistoryKeys = ReturnType<typeof createHistoryKeys>;
