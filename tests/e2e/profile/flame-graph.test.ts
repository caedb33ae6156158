// The flame-graph tool (bench/profile) on a hand-written .cpuprofile whose times are known:
// 14 ms profiled, 2 ms idle, 12 ms active. Here because no vitest project includes bench/.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCallTree, parseCpuProfile, type TreeNode } from '../../../bench/profile/call-tree.js';
import { writeFlameGraphs } from '../../../bench/profile/flame-graph-files.js';
import { categorize, packageOf } from '../../../bench/profile/frame-category.js';
import { categoryColour, fitLabel, flameGraphSvg, layoutFrames, packagePalette } from '../../../bench/profile/flame-svg.js';
import { summarize, summaryMarkdown } from '../../../bench/profile/profile-summary.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'small.cpuprofile');
const PROJECT_URL = 'file:///repo/';
const profile = () => parseCpuProfile(readFileSync(FIXTURE, 'utf8'));
const named = (nodes: TreeNode[]) => nodes.map((node) => [node.frame.functionName, node.totalMs, node.selfMs]);

describe('call tree', () => {
  const tree = buildCallTree(profile(), PROJECT_URL);

  it('gives each sample the time until the next one, the last until endTime, and keeps idle out of the active time', () => {
    expect(tree.durationMs).toBe(14);
    expect(tree.idleMs).toBe(2);
    expect(tree.root.totalMs).toBe(12);
    expect(named(tree.root.children)).toEqual([
      ['handle', 10, 1],
      ['(program)', 1, 1],
      ['(garbage collector)', 1, 1],
    ]);
  });

  it('merges frames with the same function, URL and line under the same parent, widest child first', () => {
    const handle = tree.root.children[0]!;
    // Nodes 6 and 7 differ only by column; nodes 5 and 9 are two V8 nodes of one frame.
    expect(named(handle.children)).toEqual([
      ['parse', 5, 5],
      ['query', 3, 1],
      ['write', 1, 1],
    ]);
    expect(handle.frame.line).toBe(10);
    expect(named(handle.children[1]!.children)).toEqual([['handle', 2, 2]]);
  });

  it('keeps only the samples inside a window', () => {
    const windowed = buildCallTree(profile(), PROJECT_URL, { startUs: 4000, endUs: 8000 });
    expect(windowed.durationMs).toBe(4);
    expect(windowed.idleMs).toBe(0);
    expect(windowed.root.totalMs).toBe(5);
  });

  it('refuses a file that is not a V8 profile', () => {
    expect(() => parseCpuProfile('{"traceEvents": []}')).toThrow(/not a V8 .cpuprofile/);
  });
});

describe('categories', () => {
  it('tells project code, packages, Node internals and V8 pseudo-frames apart', () => {
    expect(categorize('handle', 'file:///repo/services/gateway/dist/app.js', PROJECT_URL)).toEqual({ kind: 'project', name: 'project' });
    expect(categorize('x', 'file:///repo/packages/common/dist/index.js', PROJECT_URL).kind).toBe('project');
    expect(categorize('x', 'file:///repo/node_modules/@scope/pkg/lib/q.js', PROJECT_URL)).toEqual({ kind: 'package', name: '@scope/pkg' });
    expect(categorize('x', 'file:///repo/node_modules/a/node_modules/ms/index.js', PROJECT_URL)).toEqual({ kind: 'package', name: 'ms' });
    expect(categorize('write', 'node:net', PROJECT_URL).kind).toBe('node');
    expect(categorize('writev', '', PROJECT_URL).kind).toBe('node');
    expect(categorize('(garbage collector)', '', PROJECT_URL).kind).toBe('gc');
    expect(categorize('(program)', '', PROJECT_URL).kind).toBe('program');
    expect(categorize('x', 'file:///repo/bench/gateway/gateway-bench.ts', PROJECT_URL).kind).toBe('other');
    expect(packageOf('file:///repo/services/gateway/dist/app.js')).toBeUndefined();
  });

  it('colours our code, each of the widest packages, Node and GC differently; the narrowest packages share one colour', () => {
    const packages = Array.from({ length: 12 }, (_, index) => ({ kind: 'package' as const, name: `package-${index}`, selfMs: 12 - index }));
    const palette = packagePalette([{ kind: 'project', name: 'project', selfMs: 100 }, ...packages]);
    const colours = [
      categoryColour({ kind: 'project', name: 'project' }, palette),
      ...packages.slice(0, 10).map((entry) => categoryColour(entry, palette)),
      categoryColour({ kind: 'node', name: 'node internals' }, palette),
      categoryColour({ kind: 'gc', name: 'GC' }, palette),
      categoryColour({ kind: 'program', name: '(program)' }, palette),
    ];
    expect(new Set(colours).size).toBe(colours.length);
    const narrowest = packages.slice(10).map((entry) => categoryColour(entry, palette));
    expect(narrowest[0]).toBe(narrowest[1]);
    expect(colours).not.toContain(narrowest[0]);
  });
});

describe('summary', () => {
  const summary = summarize(buildCallTree(profile(), PROJECT_URL));

  it('ranks functions by self time and counts a recursive function once in its total', () => {
    expect(summary.functions.slice(0, 2).map((entry) => [entry.frame.functionName, entry.selfMs, entry.totalMs])).toEqual([
      ['parse', 5, 5],
      ['handle', 3, 10],
    ]);
  });

  it('shares active time out by category', () => {
    expect(Object.fromEntries(summary.categories.map((share) => [share.name, share.selfMs]))).toEqual({
      zod: 5,
      project: 3,
      '@scope/pkg': 1,
      'node internals': 1,
      GC: 1,
      '(program)': 1,
    });
    const markdown = summaryMarkdown(summary, { service: 'gateway', command: 'npm run bench:profile', scope: 'whole process', projectUrl: PROJECT_URL });
    expect(markdown).toContain('| zod | package | 5.0 | 41.7 |');
    expect(markdown).toContain('| 1 | parse | zod/v4/core.js:5 | zod | 5.0 | 41.7 | 41.7 |');
    expect(markdown).toContain('idle 2.0 ms');
  });
});

describe('flame graph SVG', () => {
  const tree = buildCallTree(profile(), PROJECT_URL);

  it('makes widths proportional to active time, children side by side from their parent’s left edge', () => {
    const frames = layoutFrames(tree, 1200);
    const at = (name: string, depth: number) => frames.find((frame) => frame.node.frame.functionName === name && frame.depth === depth)!;
    expect([at('(root)', 0).x, at('(root)', 0).width]).toEqual([0, 1200]);
    expect([at('handle', 1).x, at('handle', 1).width]).toEqual([0, 1000]);
    expect([at('(program)', 1).x, at('(program)', 1).width]).toEqual([1000, 100]);
    expect([at('parse', 2).x, at('parse', 2).width]).toEqual([0, 500]);
    expect([at('query', 2).x, at('query', 2).width]).toEqual([500, 300]);
    expect([at('handle', 3).x, at('handle', 3).width]).toEqual([500, 200]);
    expect(frames.some((frame) => frame.node.frame.functionName === '(idle)')).toBe(false);
  });

  it('cuts labels to fit with an ellipsis', () => {
    expect(fitLabel('parse zod/v4/core.js:5', 100)).toBe('parse zod/v4/core.js:5');
    expect(fitLabel('parse zod/v4/core.js:5', 8)).toBe('parse z…');
    expect(fitLabel('parse', 2)).toBe('');
  });

  it('draws a titled, self-contained SVG without the idle frame', () => {
    const summary = summarize(tree);
    const svg = flameGraphSvg(tree, { service: 'gateway', command: 'npm run bench:profile', scope: 'whole process', projectUrl: PROJECT_URL, categories: summary.categories, width: 1220 });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1220" height="\d+"/);
    expect(svg).toContain('gateway — whole process: 12.0 ms active CPU over 14 ms; idle 2.0 ms not drawn');
    expect(svg).toContain('$ npm run bench:profile');
    expect(svg).not.toContain('(idle)');
    expect(svg).not.toMatch(/href=|<script/);
    expect(svg).toContain(`fill="${categoryColour({ kind: 'package', name: 'zod' }, packagePalette(summary.categories))}"`);
  });
});

describe('files (real Chromium for the PNG)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'flame-graph-test-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('writes the SVG, a PNG of its size and the summary', async () => {
    const outBase = join(outDir, 'gateway');
    const [summary] = await writeFlameGraphs([{ profilePath: FIXTURE, service: 'gateway', command: 'test', scope: 'whole process', outBase, projectRoot: '/repo' }]);
    expect(summary).toContain('## gateway');
    expect(readFileSync(`${outBase}.md`, 'utf8')).toBe(summary);
    const svg = readFileSync(`${outBase}.svg`, 'utf8');
    const [, width, height] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    const png = readFileSync(`${outBase}.png`);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // IHDR: width and height, big-endian, at bytes 16 and 20.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([width, height]);
  });
});
