import type { ConversationSummary } from '@bedrock-mcp/contracts';

export interface DayGroup {
  /** Stable across renders: `today`, `yesterday`, `week`, or `month-YYYY-MM`. */
  key: string;
  label: string;
  conversations: ConversationSummary[];
}

const DAY_MS = 86_400_000;

function startOfDay(time: number): number {
  const date = new Date(time);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

/**
 * Pure: conversations (newest first) grouped by when they last changed, in the person's time
 * zone: Today, Yesterday, Previous 7 days, then one group per month named in `locale`.
 */
export function groupByDay(conversations: readonly ConversationSummary[], now: number, locale?: string): DayGroup[] {
  const today = startOfDay(now);
  const yesterday = startOfDay(today - DAY_MS / 2);
  const weekAgo = startOfDay(today - 7 * DAY_MS + DAY_MS / 2);
  const monthName = new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric' });
  const groups: DayGroup[] = [];
  for (const conversation of conversations) {
    const at = conversation.updated_at;
    let key: string;
    let label: string;
    if (at >= today) [key, label] = ['today', 'Today'];
    else if (at >= yesterday) [key, label] = ['yesterday', 'Yesterday'];
    else if (at >= weekAgo) [key, label] = ['week', 'Previous 7 days'];
    else {
      const date = new Date(at);
      key = `month-${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}`;
      label = monthName.format(date);
    }
    const last = groups.at(-1);
    if (last?.key === key) last.conversations.push(conversation);
    else groups.push({ key, label, conversations: [conversation] });
  }
  return groups;
}
