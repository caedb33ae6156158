/**
 * The numbers behind a flame graph: functions ranked by self time, and the share of active time
 * (idle excluded) spent in each category (project, each package, node internals, GC, program).
 */
import type { CallTree, Frame, TreeNode } from './call-tree.js';
import type { CategoryKind } from './frame-category.js';
import { shortUrl } from './frame-category.js';

interface FunctionTime {
  frame: Frame;
  selfMs: number;
  /** Time with the function anywhere on the stack, recursion counted once (ms). */
  totalMs: number;
}

export interface CategoryShare {
  name: string;
  kind: CategoryKind;
  selfMs: number;
}

export interface ProfileSummary {
  activeMs: number;
  idleMs: number;
  durationMs: number;
  /** Widest self time first. */
  functions: FunctionTime[];
  /** Largest first. */
  categories: CategoryShare[];
}

const keyOf = (frame: Frame) => `${frame.functionName}\u0000${frame.url}\u0000${frame.line}`;

export function summarize(tree: CallTree): ProfileSummary {
  const functions = new Map<string, FunctionTime>();
  const categories = new Map<string, CategoryShare>();
  const onPath = new Map<string, number>();
  // Depth-first with explicit enter/leave so `onPath` holds the keys of the current node's ancestors.
  const stack: Array<{ node: TreeNode; leaving: boolean }> = tree.root.children.map((node) => ({ node, leaving: false }));
  while (stack.length > 0) {
    const { node, leaving } = stack.pop()!;
    const key = keyOf(node.frame);
    if (leaving) {
      const count = onPath.get(key)! - 1;
      if (count === 0) onPath.delete(key);
      else onPath.set(key, count);
      continue;
    }
    let entry = functions.get(key);
    if (!entry) functions.set(key, (entry = { frame: node.frame, selfMs: 0, totalMs: 0 }));
    entry.selfMs += node.selfMs;
    if (!onPath.has(key)) entry.totalMs += node.totalMs;
    const { name, kind } = node.frame.category;
    let share = categories.get(name);
    if (!share) categories.set(name, (share = { name, kind, selfMs: 0 }));
    share.selfMs += node.selfMs;
    onPath.set(key, (onPath.get(key) ?? 0) + 1);
    stack.push({ node, leaving: true });
    for (const child of node.children) stack.push({ node: child, leaving: false });
  }
  return {
    activeMs: tree.root.totalMs,
    idleMs: tree.idleMs,
    durationMs: tree.durationMs,
    functions: [...functions.values()].sort((a, b) => b.selfMs - a.selfMs),
    categories: [...categories.values()].sort((a, b) => b.selfMs - a.selfMs),
  };
}

const MIN_CATEGORY_SHARE = 0.001;
const ms = (value: number) => value.toFixed(1);
const percent = (part: number, whole: number) => (whole > 0 ? ((100 * part) / whole).toFixed(1) : '0.0');
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('`', "'");

export interface SummaryHeading {
  service: string;
  command: string;
  /** Which part of the process's life the numbers cover ("the 12 s throughput window"). */
  scope: string;
  projectUrl: string;
  /** How many functions the table lists; 25 unless given. */
  top?: number;
}

export function summaryMarkdown(summary: ProfileSummary, heading: SummaryHeading): string {
  const top = heading.top ?? 25;
  const lines = [
    `## ${heading.service}`,
    '',
    `Scope: ${heading.scope}. Active CPU time ${ms(summary.activeMs)} ms over ${ms(summary.durationMs)} ms; idle ${ms(summary.idleMs)} ms, left out of every share below.`,
    '',
    'Command:',
    '',
    '```sh',
    heading.command,
    '```',
    '',
    '### Share of active time by category (self time)',
    '',
    '| category | kind | self ms | % |',
    '| --- | --- | ---: | ---: |',
    ...categoryRows(summary),
    '',
    `### Top ${top} functions by self time`,
    '',
    '| # | function | where | category | self ms | self % | total % |',
    '| ---: | --- | --- | --- | ---: | ---: | ---: |',
    ...summary.functions.slice(0, top).map((entry, index) => {
      const { frame } = entry;
      const where = frame.url ? `${shortUrl(frame.url, heading.projectUrl)}:${frame.line}` : '';
      return `| ${index + 1} | ${cell(frame.functionName || '(anonymous)')} | ${cell(where)} | ${cell(frame.category.name)} | ${ms(entry.selfMs)} | ${percent(entry.selfMs, summary.activeMs)} | ${percent(entry.totalMs, summary.activeMs)} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

/** One row per category of at least MIN_CATEGORY_SHARE of active time; the smaller packages summed in one row. */
function categoryRows(summary: ProfileSummary): string[] {
  const large = summary.categories.filter((share) => share.selfMs >= MIN_CATEGORY_SHARE * summary.activeMs);
  const small = summary.categories.filter((share) => share.selfMs < MIN_CATEGORY_SHARE * summary.activeMs && share.selfMs > 0);
  const rows = large.map((share) => `| ${cell(share.name)} | ${share.kind} | ${ms(share.selfMs)} | ${percent(share.selfMs, summary.activeMs)} |`);
  if (small.length > 0) {
    const smallMs = small.reduce((sum, share) => sum + share.selfMs, 0);
    rows.push(`| ${small.length} more (each < ${100 * MIN_CATEGORY_SHARE}%) | | ${ms(smallMs)} | ${percent(smallMs, summary.activeMs)} |`);
  }
  return rows;
}
