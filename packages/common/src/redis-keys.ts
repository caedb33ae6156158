/**
 * Every Redis key and pub/sub channel the platform uses, in one place. A user's data always sits
 * under a key that includes the user id; `{…}` hash tags keep one user's (or turn's) keys on
 * one Redis Cluster slot so multi-key scripts work there too.
 */
export function createRedisKeys(prefix: string) {
  const p = prefix;
  return {
    prefix: p,
    /** BullMQ's own key prefix (it appends `:<queue>:…`). */
    bullPrefix: `${p}bull`,

    // users
    /** hash serverId → encrypted JSON of the user's MCP server config */
    userMcpServers: (userId: string) => `${p}user:{${userId}}:mcp-servers`,
    // a user's chat history (`user:{id}:history*`): packages/turns, createHistoryKeys
    /** fixed-window counter for a rate limit; `bucket` names a limit other than the chat one */
    userRateLimit: (userId: string, windowStart: number, bucket?: string) => `${p}user:{${userId}}:rate:${bucket ? `${bucket}:` : ''}${windowStart}`,
    /** sorted set of the user's running or queued turn ids, scored by the epoch ms each slot expires at */
    userActiveTurns: (userId: string) => `${p}user:{${userId}}:active-turns`,
    /** hash of per-user API keys: sha256(key) → JSON {userId, createdAt, label, prefix?, expiresAt?} */
    userApiKeys: () => `${p}api-keys`,
    /** hash sha256(key) → epoch ms the key was last used (written at most once a minute per key) */
    userApiKeysLastUsed: () => `${p}api-keys:last-used`,
    /** set of the sha256 of every browser session id of the user (for sign-out everywhere) */
    userSessions: (userId: string) => `${p}user:{${userId}}:sessions`,

    // sign-in
    /** JSON of one browser session, by sha256 of its cookie value; expires with the session */
    session: (sessionHash: string) => `${p}session:${sessionHash}`,
    /** JSON of one sign-in in progress (PKCE verifier, state, nonce, return path), by sha256 of its cookie value; single use */
    loginState: (loginHash: string) => `${p}login-state:${loginHash}`,

    // turns
    /** pub/sub channel of a turn's stream events */
    turnChannel: (turnId: string) => `${p}turn:{${turnId}}:events`,
    /** list of a turn's events (JSON), capped, for resume */
    turnLog: (turnId: string) => `${p}turn:{${turnId}}:log`,
    /** the turn's last assigned sequence number */
    turnSeq: (turnId: string) => `${p}turn:{${turnId}}:seq`,
    /** hash: userId, model, status (running|done), createdAt */
    turnMeta: (turnId: string) => `${p}turn:{${turnId}}:meta`,
    /** set when a stop was requested */
    turnCancel: (turnId: string) => `${p}turn:{${turnId}}:cancel`,
    /** JSON checkpoint of the tool loop, for a worker that takes over */
    turnCheckpoint: (turnId: string) => `${p}turn:{${turnId}}:checkpoint`,
    /** hash toolUseId → JSON tool result: each tool use runs once */
    turnToolResults: (turnId: string) => `${p}turn:{${turnId}}:tool-results`,
    /** channel on which stop requests are broadcast to workers */
    cancelChannel: () => `${p}turn-cancel`,

    // mcp-pool replicas
    /** which replica runs a user's servers: value = replica id, with expiry */
    poolOwner: (userId: string) => `${p}pool:owner:{${userId}}`,
    /** a replica's heartbeat: value = its base URL, with expiry */
    poolReplica: (replicaId: string) => `${p}pool:replica:${replicaId}`,

    // voice
    voiceTicket: (ticket: string) => `${p}voice-ticket:${ticket}`,
  } as const;
}
export type RedisKeys = ReturnType<typeof createRedisKeys>;
