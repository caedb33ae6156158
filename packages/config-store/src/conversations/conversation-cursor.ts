import { ConversationIdSchema } from '@bedrock-mcp/contracts';
import { ConversationCursorError } from './conversation-store.js';

/** Where a list page ended: the last conversation returned, in the newest-first order (updated_at, then id, both descending). */
export interface ListPosition {
  updatedAt: number;
  id: string;
}

export function encodeCursor(position: ListPosition): string {
  return Buffer.from(`${position.updatedAt}:${position.id}`, 'utf8').toString('base64url');
}

/** Throws ConversationCursorError for anything encodeCursor did not make. */
export function decodeCursor(cursor: string): ListPosition {
  const match = /^(\d{1,16}):(.+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || !ConversationIdSchema.safeParse(match[2]).success || encodeCursor({ updatedAt: Number(match[1]), id: match[2]! }) !== cursor) {
    throw new ConversationCursorError();
  }
  return { updatedAt: Number(match[1]), id: match[2]! };
}

/** Whether a conversation comes after `position` in the newest-first order. */
export function isAfter(position: ListPosition, updatedAt: number, id: string): boolean {
  return updatedAt < position.updatedAt || (updatedAt === position.updatedAt && id < position.id);
}
