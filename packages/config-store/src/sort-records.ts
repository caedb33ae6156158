import type { UserServerRecord } from './user-server-store.js';

/** Oldest first, then by id: both backends store entries unordered, callers expect a stable list. */
export function sortRecords(records: UserServerRecord[]): UserServerRecord[] {
  return records.sort((a, b) => a.createdAt - b.createdAt || (a.serverId < b.serverId ? -1 : a.serverId > b.serverId ? 1 : 0));
}
