/**
 * Every Redis key and channel of a turn's life, built only inside this package: services use the
 * producer, consumer and readers, never these keys. The strings are those the platform always used
 * (stored data and other deployments keep working); `{…}` hash tags keep one turn's (or user's)
 * keys on one Redis Cluster slot so multi-key scripts work there too.
 */
export function createTurnKeys(prefix: string) {
  const p = prefix;
  return {
    /** pub/sub channel of a turn's stream events */
    turnChannel: (turnId: string) => `${p}turn:{${turnId}}:events`,
    /**
     * pub/sub channel of one gateway process (its hub): the events of the turns it submitted, each
     * message prefixed with the turn's channel name (the turn's meta names it: `homeChannel`). Under
     * `turn:`, so the Redis ACLs that let a worker publish a turn's events cover it too.
     */
    hubChannel: (hubId: string) => `${p}turn:hub:${hubId}:events`,
    /** list of a turn's events (JSON), capped, for resume */
    turnLog: (turnId: string) => `${p}turn:{${turnId}}:log`,
    /** the turn's last assigned sequence number */
    turnSeq: (turnId: string) => `${p}turn:{${turnId}}:seq`,
    /** hash: userId, model, status (running|done), createdAt, homeChannel (the hub that submitted it) */
    turnMeta: (turnId: string) => `${p}turn:{${turnId}}:meta`,
    /** set when a stop was requested */
    turnCancel: (turnId: string) => `${p}turn:{${turnId}}:cancel`,
    /** JSON checkpoint of the tool loop, for a worker that takes over */
    turnCheckpoint: (turnId: string) => `${p}turn:{${turnId}}:checkpoint`,
    /** hash toolUseId → JSON tool result: each tool use runs once */
    turnToolResults: (turnId: string) => `${p}turn:{${turnId}}:tool-results`,
    /**
     * hash of the turn's asks (approvals, elicitations): `<askId>` → the ask (JSON, as emitted),
     * `<askId>:kind`, `<askId>:state` (pending|answered|expired), `<askId>:expires` (epoch ms),
     * `<askId>:answer` (JSON); `resume` → the BullMQ job id that resumes a paused turn
     */
    turnAsks: (turnId: string) => `${p}turn:{${turnId}}:asks`,
    /** channel on which a turn id is published when one of its asks is answered */
    answersChannel: () => `${p}turn-answers`,
    /** set of `serverId/toolName` a user approved for the rest of one conversation */
    conversationApprovals: (userId: string, conversationId: string) => `${p}user:{${userId}}:conversation:${conversationId}:approved-tools`,
    /** the turn id running in one of the user's conversations (set when admitted, removed when the turn ends; expires like the turn's slot) */
    conversationTurn: (userId: string, conversationId: string) => `${p}user:{${userId}}:conversation:${conversationId}:turn`,
    /** channel on which stop requests are broadcast to workers */
    cancelChannel: () => `${p}turn-cancel`,
    /** fixed-window counter for a rate limit; `bucket` names a limit other than the chat one */
    userRateLimit: (userId: string, windowStart: number, bucket?: string) => `${p}user:{${userId}}:rate:${bucket ? `${bucket}:` : ''}${windowStart}`,
    /** sorted set of the user's running or queued turn ids, scored by the epoch ms each slot expires at */
    userActiveTurns: (userId: string) => `${p}user:{${userId}}:active-turns`,
  } as const;
}
export type TurnKeys = ReturnType<typeof createTurnKeys>;
