/**
 * Every Redis key and pub/sub channel the platform uses outside a chat turn's life, in one place.
 * A user's data always sits under a key that includes the user id; `{…}` hash tags keep one
 * user's keys on one Redis Cluster slot so multi-key scripts work there too. A turn's keys (its
 * events, meta, stop, checkpoint, tool ledger, and the users' rate counters and turn slots) live
 * in packages/turns (turn-keys.ts), used only by that package.
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

    // conversations (`/v1/conversations`), when kept in Redis; the turn a conversation runs
    // (`…:conversation:<id>:turn`) and its approved tools: packages/turns
    /** sorted set of the user's conversation ids, scored by updated_at (epoch ms) */
    userConversations: (userId: string) => `${p}user:{${userId}}:conversations`,
    /** hash: one conversation's summary fields, its search text and where its last exchange starts */
    conversationMeta: (userId: string, conversationId: string) => `${p}user:{${userId}}:conversation:${conversationId}:meta`,
    /** list of the conversation's messages (JSON), oldest first */
    conversationMessages: (userId: string, conversationId: string) => `${p}user:{${userId}}:conversation:${conversationId}:messages`,
    /** hash blob id → bytes, and `<blob id>:type` → media type */
    conversationBlobs: (userId: string, conversationId: string) => `${p}user:{${userId}}:conversation:${conversationId}:blobs`,
    /** channel of ConversationChange JSON (every user's; gateways relay each to its user's sockets) */
    conversationChanges: () => `${p}conversation-changes`,
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
