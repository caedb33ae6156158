/**
 * A V8 .cpuprofile (what `node --cpu-prof` writes) turned into a call tree whose frames are
 * merged by function + URL + line along each stack, with times in milliseconds.
 *
 * Time of a sample: the gap to the next sample (`timeDeltas[i + 1]`, microseconds), as Chrome
 * DevTools counts it; the last sample gets the gap to the profile's `endTime`. `(idle)` samples
 * are kept out of the tree (their total is `idleMs`), so widths are shares of active time.
 * A window (CLOCK_MONOTONIC microseconds, the clock of V8's timestamps and of
 * `process.hrtime.bigint() / 1000n` in any process on the machine) keeps only the samples taken
 * inside it: the measured part of a benchmark, without the service's start-up and shutdown.
 */
import { categorize, type FrameCategory } from './frame-category.js';

interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based. */
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds. */
  startTime: number;
  /** Microseconds. */
  endTime: number;
  /** Node id per sample. */
  samples: number[];
  /** Microseconds since the previous sample (the first: since startTime). */
  timeDeltas: number[];
}

export interface Frame {
  functionName: string;
  url: string;
  /** 1-based, as editors show it; 0 when V8 gave none. */
  line: number;
  category: FrameCategory;
}

export interface TreeNode {
  frame: Frame;
  /** Time with this frame on top of the stack (ms). */
  selfMs: number;
  /** Time with this frame anywhere on the stack at this position (ms): selfMs plus the children's totalMs. */
  totalMs: number;
  children: TreeNode[];
}

export interface CallTree {
  /** The root frame, `(root)`: its totalMs is the active time (idle excluded). */
  root: TreeNode;
  idleMs: number;
  /** Wall time the profile (or its window) covers (ms). */
  durationMs: number;
}

/** Microseconds on the monotonic clock, both ends included. */
export interface SampleWindow {
  startUs: number;
  endUs: number;
}

const frameKey = (frame: CallFrame) => `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}`;

export function parseCpuProfile(text: string): CpuProfile {
  const profile = JSON.parse(text) as Partial<CpuProfile>;
  if (!Array.isArray(profile.nodes) || !Array.isArray(profile.samples) || !Array.isArray(profile.timeDeltas)) {
    throw new Error('not a V8 .cpuprofile: nodes, samples and timeDeltas are required');
  }
  if (profile.samples.length !== profile.timeDeltas.length) throw new Error('samples and timeDeltas differ in length');
  return profile as CpuProfile;
}

/** Milliseconds each profile node was on top of the stack. */
function selfTimeByNode(profile: CpuProfile, window: SampleWindow): Map<number, number> {
  const selfUs = new Map<number, number>();
  let timestamp = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    timestamp += profile.timeDeltas[i]!;
    const next = i + 1 < profile.samples.length ? profile.timeDeltas[i + 1]! : Math.max(0, profile.endTime - timestamp);
    if (timestamp < window.startUs || timestamp > window.endUs) continue;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + next);
  }
  return new Map([...selfUs].map(([id, us]) => [id, us / 1000]));
}

export function buildCallTree(profile: CpuProfile, projectUrl: string, window?: SampleWindow): CallTree {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const childIds = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  const v8Root = profile.nodes.find((node) => !childIds.has(node.id));
  if (!v8Root) throw new Error('profile has no root node');
  const startUs = Math.max(profile.startTime, window?.startUs ?? -Infinity);
  const endUs = Math.min(profile.endTime, window?.endUs ?? Infinity);
  if (endUs <= startUs) throw new Error('the window does not overlap the profile');
  const selfMs = selfTimeByNode(profile, { startUs, endUs });
  const makeNode = (callFrame: CallFrame): TreeNode => ({
    frame: {
      functionName: callFrame.functionName,
      url: callFrame.url,
      line: callFrame.lineNumber >= 0 ? callFrame.lineNumber + 1 : 0,
      category: categorize(callFrame.functionName, callFrame.url, projectUrl),
    },
    selfMs: 0,
    totalMs: 0,
    children: [],
  });
  const root = makeNode(v8Root.callFrame);
  let idleMs = 0;
  const childMaps = new Map<TreeNode, Map<string, TreeNode>>();

  // Iterative walk: V8 stacks can be deeper than is safe to recurse over.
  const pending: Array<{ v8: ProfileNode; merged: TreeNode }> = [{ v8: v8Root, merged: root }];
  while (pending.length > 0) {
    const { v8, merged } = pending.pop()!;
    for (const childId of v8.children ?? []) {
      const child = byId.get(childId);
      if (!child) continue;
      if (child.callFrame.functionName === '(idle)' && !child.callFrame.url) {
        idleMs += subtreeSelf(child, byId, selfMs);
        continue;
      }
      let siblings = childMaps.get(merged);
      if (!siblings) childMaps.set(merged, (siblings = new Map()));
      const key = frameKey(child.callFrame);
      let target = siblings.get(key);
      if (!target) {
        target = makeNode(child.callFrame);
        siblings.set(key, target);
        merged.children.push(target);
      }
      target.selfMs += selfMs.get(child.id) ?? 0;
      pending.push({ v8: child, merged: target });
    }
  }
  root.selfMs += selfMs.get(v8Root.id) ?? 0;
  sumTotals(root);
  return { root, idleMs, durationMs: (endUs - startUs) / 1000 };
}

function subtreeSelf(node: ProfileNode, byId: Map<number, ProfileNode>, selfMs: Map<number, number>): number {
  let sum = selfMs.get(node.id) ?? 0;
  for (const id of node.children ?? []) {
    const child = byId.get(id);
    if (child) sum += subtreeSelf(child, byId, selfMs);
  }
  return sum;
}

/** Post-order without recursion: totalMs = selfMs + children's totals; children sorted widest first. */
function sumTotals(root: TreeNode): void {
  const order: TreeNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    stack.push(...node.children);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    node.totalMs = node.selfMs + node.children.reduce((sum, child) => sum + child.totalMs, 0);
    node.children.sort((a, b) => b.totalMs - a.totalMs);
  }
}
