/**
 * Which part of the system a stack frame belongs to, from its script URL: our own code
 * (services/*, packages/*), one npm package, Node's internals (node:* scripts and V8 natives
 * without a URL), or one of V8's pseudo-frames (GC, idle, program).
 */
export type CategoryKind = 'project' | 'package' | 'node' | 'gc' | 'program' | 'idle' | 'other';

export interface FrameCategory {
  kind: CategoryKind;
  /** What the category is called in legends and summaries: "project", a package name ("ioredis"), "node internals"… */
  name: string;
}

const PSEUDO_FRAMES: Record<string, FrameCategory> = {
  '(garbage collector)': { kind: 'gc', name: 'GC' },
  '(idle)': { kind: 'idle', name: 'idle' },
  '(program)': { kind: 'program', name: '(program)' },
  '(root)': { kind: 'program', name: '(program)' },
};

const NODE_INTERNALS: FrameCategory = { kind: 'node', name: 'node internals' };
const PROJECT: FrameCategory = { kind: 'project', name: 'project' };
const OTHER: FrameCategory = { kind: 'other', name: 'other scripts' };

/** The npm package a node_modules path belongs to (`@scope/name` or `name`), from its last node_modules/ segment. */
export function packageOf(url: string): string | undefined {
  const at = url.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const [first, second] = url.slice(at + '/node_modules/'.length).split('/');
  if (!first) return undefined;
  return first.startsWith('@') && second ? `${first}/${second}` : first;
}

/** `projectUrl`: the repository root as a file URL ending in a slash (file:///work/repo/). */
export function categorize(functionName: string, url: string, projectUrl: string): FrameCategory {
  if (!url) return PSEUDO_FRAMES[functionName] ?? NODE_INTERNALS;
  if (url.startsWith('node:')) return NODE_INTERNALS;
  const packageName = packageOf(url);
  if (packageName) return { kind: 'package', name: packageName };
  if (url.startsWith(projectUrl)) {
    const relative = url.slice(projectUrl.length);
    if (relative.startsWith('services/') || relative.startsWith('packages/')) return PROJECT;
  }
  return OTHER;
}

/** A URL shortened for a label: relative to the repository, or from the package's folder, or as is. */
export function shortUrl(url: string, projectUrl: string): string {
  const at = url.lastIndexOf('/node_modules/');
  if (at >= 0) return url.slice(at + '/node_modules/'.length);
  if (url.startsWith(projectUrl)) return url.slice(projectUrl.length);
  return url;
}
