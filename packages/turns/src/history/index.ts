export { boundHistory, isExchangeStart, mergeConsecutiveRoles, sealConversation } from './conversation-shaping.js';
export { createHistoryKeys, type HistoryKeys, type HistoryScope } from './history-keys.js';
export { HistoryLockTimeoutError, type HeldHistoryLock } from './history-lock.js';
export { HistoryStore, type AppendOutcome, type HistoryText, type HistoryVersion, type LoadedHistory, type SaveOutcome } from './history-store.js';
export { HISTORY_STORE_DEFAULTS, type HistoryStoreOptions } from './history-store-options.js';
