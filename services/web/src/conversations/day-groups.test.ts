import type { ConversationSummary } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { groupByDay } from './day-groups.js';

const summary = (id: string, updatedAt: Date): ConversationSummary => ({
  id,
  object: 'conversation',
  title: id,
  title_source: 'user',
  created_at: updatedAt.getTime(),
  updated_at: updatedAt.getTime(),
  model: null,
  mcp_server_ids: [],
  message_count: 2,
  size_bytes: 10,
  active_turn_id: null,
});

describe('groupByDay', () => {
  // Local time: the groups follow the person's days, not UTC's.
  const now = new Date(2026, 11, 6, 9, 30).getTime();

  it('groups newest first into Today, Yesterday, Previous 7 days, then months named in the locale', () => {
    const list = [
      summary('morning', new Date(2026, 11, 6, 0, 5)),
      summary('last-night', new Date(2026, 11, 5, 23, 59)),
      summary('yesterday-early', new Date(2026, 11, 5, 0, 0)),
      summary('three-days', new Date(2026, 11, 3, 12, 0)),
      summary('six-days', new Date(2026, 10, 30, 8, 0)),
      summary('two-weeks', new Date(2026, 10, 20, 8, 0)),
      summary('november', new Date(2026, 10, 2, 8, 0)),
      summary('last-year', new Date(2025, 11, 24, 8, 0)),
    ];
    const groups = groupByDay(list, now, 'en-US');
    expect(groups.map((group) => [group.label, group.conversations.map((item) => item.id)])).toEqual([
      ['Today', ['morning']],
      ['Yesterday', ['last-night', 'yesterday-early']],
      ['Previous 7 days', ['three-days', 'six-days']],
      ['November 2026', ['two-weeks', 'november']],
      ['December 2025', ['last-year']],
    ]);
  });

  it('names the months in the person’s language', () => {
    const groups = groupByDay([summary('old', new Date(2026, 2, 10))], now, 'fr-FR');
    expect(groups[0]?.label).toBe('mars 2026');
    expect(groups[0]?.key).toBe('month-2026-03');
  });

  it('has no groups for no conversations', () => {
    expect(groupByDay([], now)).toEqual([]);
  });
});
