/**
 * A classic flame graph (root at the bottom, callees above callers) as one self-contained SVG:
 * width ∝ active CPU time, `(idle)` left out (its total is in the title), colour by category,
 * labels cut to fit, a tooltip (<title>) per frame. Frames narrower than MIN_FRAME_PX are not
 * drawn (their time stays in their parent's width).
 */
import type { CallTree, TreeNode } from './call-tree.js';
import { shortUrl, type FrameCategory } from './frame-category.js';
import type { CategoryShare } from './profile-summary.js';

export interface FlameGraphOptions {
  service: string;
  command: string;
  /** Which part of the process's life is drawn ("the 12 s throughput window"). */
  scope: string;
  projectUrl: string;
  /** Categories ranked by self time, for the legend (from summarize()). */
  categories: CategoryShare[];
  /** Pixels; 1600 unless given. */
  width?: number;
}

const FRAME_HEIGHT = 17;
const FONT_SIZE = 11;
/** Width of one character of the 11px monospace font (≈ 0.6 em). */
const CHAR_WIDTH = 6.6;
const MIN_FRAME_PX = 0.5;
const MIN_LABEL_PX = 24;
const PADDING = 10;
const HEADER_HEIGHT = 78;

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * Distinct cool colours for the widest packages, in rank order; every other package shares
 * OTHER_PACKAGES. Ranking (not hashing) the names keeps neighbouring packages apart.
 */
const PACKAGE_PALETTE = ['#7aa6d6', '#7fc97f', '#c39bd3', '#76b7b2', '#c4a484', '#f4a6c0', '#a0cbe8', '#b5d99c', '#9ea9f0', '#5fb3a1'];
const OTHER_PACKAGES = '#d5dde8';

/** Colour per package name: the palette handed out widest package first. */
export function packagePalette(categories: readonly CategoryShare[]): Map<string, string> {
  const packages = categories.filter((share) => share.kind === 'package').slice(0, PACKAGE_PALETTE.length);
  return new Map(packages.map((share, index) => [share.name, PACKAGE_PALETTE[index]!]));
}

/** Project code orange, packages cool (from `palette`), Node yellow, GC dark red, program grey. */
export function categoryColour(category: FrameCategory, palette: ReadonlyMap<string, string>): string {
  switch (category.kind) {
    case 'project':
      return 'hsl(22, 90%, 58%)';
    case 'package':
      return palette.get(category.name) ?? OTHER_PACKAGES;
    case 'node':
      return 'hsl(52, 70%, 62%)';
    case 'gc':
      return 'hsl(0, 65%, 42%)';
    case 'program':
      return 'hsl(0, 0%, 72%)';
    case 'idle':
      return 'hsl(0, 0%, 90%)';
    case 'other':
      return 'hsl(320, 35%, 72%)';
  }
}

/** `text` cut to `maxChars`, ending in an ellipsis when cut; empty when not even two characters fit. */
export function fitLabel(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return maxChars < 3 ? '' : `${text.slice(0, maxChars - 1)}…`;
}

const frameLabel = (node: TreeNode, projectUrl: string) => {
  const name = node.frame.functionName || '(anonymous)';
  return node.frame.url ? `${name} ${shortUrl(node.frame.url, projectUrl)}:${node.frame.line}` : name;
};

interface PlacedFrame {
  node: TreeNode;
  x: number;
  width: number;
  depth: number;
}

/** Every frame wide enough to draw, with its position; the root spans the whole width at depth 0. */
export function layoutFrames(tree: CallTree, width: number): PlacedFrame[] {
  const scale = tree.root.totalMs > 0 ? width / tree.root.totalMs : 0;
  const placed: PlacedFrame[] = [];
  const stack: PlacedFrame[] = [{ node: tree.root, x: 0, width: tree.root.totalMs * scale, depth: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    placed.push(frame);
    let x = frame.x;
    for (const child of frame.node.children) {
      const childWidth = child.totalMs * scale;
      if (childWidth >= MIN_FRAME_PX) stack.push({ node: child, x, width: childWidth, depth: frame.depth + 1 });
      x += childWidth;
    }
  }
  return placed;
}

export function flameGraphSvg(tree: CallTree, options: FlameGraphOptions): string {
  const width = options.width ?? 1600;
  const plotWidth = width - 2 * PADDING;
  const frames = layoutFrames(tree, plotWidth);
  const depth = frames.reduce((deepest, frame) => Math.max(deepest, frame.depth), 0);
  const plotTop = HEADER_HEIGHT;
  const height = plotTop + (depth + 1) * FRAME_HEIGHT + PADDING;
  const active = tree.root.totalMs;
  const palette = packagePalette(options.categories);
  const percent = (ms: number) => (active > 0 ? ((100 * ms) / active).toFixed(2) : '0');

  const rects = frames.map((frame) => {
    const y = plotTop + (depth - frame.depth) * FRAME_HEIGHT;
    const { node } = frame;
    const label = frame.depth === 0 ? `all active CPU time (${active.toFixed(1)} ms)` : frameLabel(node, options.projectUrl);
    const tooltip = `${label}\n${node.frame.category.name} · total ${node.totalMs.toFixed(1)} ms (${percent(node.totalMs)}%) · self ${node.selfMs.toFixed(1)} ms (${percent(node.selfMs)}%)`;
    const text = frame.width >= MIN_LABEL_PX ? fitLabel(label, Math.floor((frame.width - 6) / CHAR_WIDTH)) : '';
    const x = PADDING + frame.x;
    return (
      `<g><title>${escapeXml(tooltip)}</title>` +
      `<rect x="${x.toFixed(2)}" y="${y}" width="${frame.width.toFixed(2)}" height="${FRAME_HEIGHT - 1}" fill="${categoryColour(node.frame.category, palette)}" rx="1"/>` +
      (text ? `<text x="${(x + 3).toFixed(2)}" y="${y + FRAME_HEIGHT - 5}">${escapeXml(text)}</text>` : '') +
      '</g>'
    );
  });

  const title = `${options.service} — ${options.scope}: ${active.toFixed(1)} ms active CPU over ${tree.durationMs.toFixed(0)} ms; idle ${tree.idleMs.toFixed(1)} ms not drawn`;
  const command = fitLabel(`$ ${options.command}`, Math.floor(plotWidth / CHAR_WIDTH));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="${FONT_SIZE}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${PADDING}" y="22" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${PADDING}" y="40" fill="#444">${escapeXml(command)}</text>`,
    legend(options.categories, palette, active, 60, plotWidth),
    ...rects,
    '</svg>',
    '',
  ].join('\n');
}

/** One row of swatches: project, node internals, GC, program and the packages with a colour of their own (self-time share in %). */
function legend(categories: CategoryShare[], palette: ReadonlyMap<string, string>, activeMs: number, y: number, maxWidth: number): string {
  const share = (ms: number) => `${activeMs > 0 ? ((100 * ms) / activeMs).toFixed(1) : '0'}%`;
  const others = categories.filter((entry) => entry.kind === 'package' && !palette.has(entry.name));
  const shown = [
    ...categories.filter((entry) => entry.kind !== 'package' && entry.kind !== 'idle').map((entry) => ({ text: `${entry.name} ${share(entry.selfMs)}`, colour: categoryColour(entry, palette) })),
    ...categories.filter((entry) => palette.has(entry.name)).map((entry) => ({ text: `${entry.name} ${share(entry.selfMs)}`, colour: categoryColour(entry, palette) })),
    ...(others.length > 0 ? [{ text: `${others.length} other packages ${share(others.reduce((sum, entry) => sum + entry.selfMs, 0))}`, colour: OTHER_PACKAGES }] : []),
  ];
  const caption = 'self time:';
  const items = [`<text x="${PADDING}" y="${y}" fill="#444">${caption}</text>`];
  let x = PADDING + (caption.length + 1) * CHAR_WIDTH;
  for (const [index, item] of shown.entries()) {
    const itemWidth = 16 + item.text.length * CHAR_WIDTH + 14;
    if (x + itemWidth > PADDING + maxWidth) {
      items.push(`<text x="${x}" y="${y}" fill="#666">+${shown.length - index} more</text>`);
      break;
    }
    items.push(`<rect x="${x.toFixed(1)}" y="${y - 10}" width="12" height="12" fill="${item.colour}"/><text x="${(x + 16).toFixed(1)}" y="${y}">${escapeXml(item.text)}</text>`);
    x += itemWidth;
  }
  return items.join('');
}
