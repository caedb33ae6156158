import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { ProcessLaunch, SandboxProfile } from './sandbox.js';

export interface ExposedPathsOptions {
  projectRoot: string;
  /**
   * Folders no server may see even when its args name a file inside them: users' workspaces,
   * data/, conf/ (credential files). The project root itself (.env) is never mounted whole.
   */
  protectedPaths: string[];
  /** Already visible read-only (the system folders): not mounted again. */
  systemPaths: string[];
}

export interface ExposedPaths {
  readOnly: string[];
  readWrite: string[];
}

/**
 * The host paths a sandboxed server sees at their own paths: the project's node_modules, for
 * admin-written commands the folders of the files they name (with the node_modules and
 * package.json files above them inside the project, which node's module resolution reads), and
 * the user's workspace read-write.
 */
export function exposedPaths(launch: ProcessLaunch, profile: SandboxProfile, options: ExposedPathsOptions): ExposedPaths {
  const readOnly = new Set<string>();
  const addIfExists = (path: string) => {
    if (existsSync(path)) readOnly.add(path);
  };
  addIfExists(resolve(options.projectRoot, 'node_modules'));
  addIfExists(resolve(options.projectRoot, 'package.json'));
  if (profile.exposeArgFiles) {
    const dirs = [...[launch.command, ...launch.args].flatMap((arg) => fileDirOf(arg, launch.cwd)), launch.cwd];
    for (const dir of dirs) {
      if (!isExposable(dir, options) || readOnly.has(dir) || isInsideAny(dir, [...readOnly])) continue;
      readOnly.add(dir);
      for (let parent = dir; isInside(parent, options.projectRoot) && parent !== options.projectRoot; parent = dirname(parent)) {
        addIfExists(resolve(parent, 'node_modules'));
        addIfExists(resolve(parent, 'package.json'));
      }
    }
  }
  return { readOnly: [...readOnly], readWrite: profile.workspace ? [profile.workspace] : [] };
}

/** The folder of `arg` when it names an existing file (absolute, or relative to cwd). */
function fileDirOf(arg: string, cwd: string): string[] {
  if (!arg.includes('/')) return [];
  const path = isAbsolute(arg) ? arg : resolve(cwd, arg);
  try {
    return statSync(path).isFile() ? [dirname(path)] : [];
  } catch {
    return [];
  }
}

function isExposable(dir: string, options: ExposedPathsOptions): boolean {
  if (!existsSync(dir) || isInsideAny(dir, options.systemPaths)) return false;
  // Neither the project root (.env) nor any folder holding or inside a protected one.
  if (isInside(options.projectRoot, dir)) return false;
  return !options.protectedPaths.some((path) => isInside(path, dir) || isInside(dir, path));
}

/** Whether `path` is `dir` or inside it. */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function isInsideAny(path: string, dirs: string[]): boolean {
  return dirs.some((dir) => isInside(path, dir));
}
