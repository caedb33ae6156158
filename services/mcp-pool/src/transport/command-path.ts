import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/**
 * The absolute path of `command` as the child's PATH finds it (a name without a slash), or the
 * command resolved against `cwd` (a path). Resolving here, with the child's PATH rather than the
 * pool's, keeps the lookup independent of how the platform's spawn searches, and gives a clear
 * error instead of a late ENOENT.
 */
export function resolveCommand(command: string, pathVariable: string | undefined, cwd: string): string {
  if (command.includes('/')) {
    const absolute = isAbsolute(command) ? command : resolve(cwd, command);
    if (!isExecutableFile(absolute)) throw new Error(`command not found or not executable: ${command}`);
    return absolute;
  }
  for (const dir of (pathVariable ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new Error(`command not found on PATH: ${command}`);
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
