import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENTER_SCRIPT } from './server-cgroups.js';

// The script that puts a server into its cgroup before it runs, against plain files standing in
// for cgroup.procs (the real cgroups are in sandbox-limits.int.test.ts).
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function enter(procsFiles: string[], command: string[]): string {
  return execFileSync('/bin/sh', ['-c', ENTER_SCRIPT, 'mcp-cgroup-enter', ...procsFiles, '--', ...command], { encoding: 'utf8' });
}

describe('ENTER_SCRIPT', () => {
  it('writes its own pid into every cgroup.procs, then execs the command as that same process', () => {
    dir = mkdtempSync(join(tmpdir(), 'cgroup-enter-'));
    const files = [join(dir, 'pids.procs'), join(dir, 'memory.procs')];
    for (const file of files) writeFileSync(file, '');
    const pid = enter(files, ['/bin/sh', '-c', 'echo $$']).trim();
    expect(pid).toMatch(/^\d+$/);
    for (const file of files) expect(readFileSync(file, 'utf8').trim()).toBe(pid);
  });

  it('passes the command and its arguments through untouched: nothing of them is shell code', () => {
    dir = mkdtempSync(join(tmpdir(), 'cgroup-enter-'));
    const marker = join(dir, 'pwned');
    const hostile = [`$(touch ${marker})`, `; touch ${marker}`, '--', '"$1"', ' spaced  out '];
    const output = enter([join(dir, 'procs')], ['/usr/bin/printf', '%s\\n', ...hostile]);
    expect(output.split('\n').slice(0, -1)).toEqual(hostile);
    expect(existsSync(marker)).toBe(false);
  });

  it('does not run the command when it cannot enter the cgroup', () => {
    dir = mkdtempSync(join(tmpdir(), 'cgroup-enter-'));
    const ran = join(dir, 'ran');
    let status: number | undefined;
    try {
      enter([join(dir, 'missing', 'cgroup.procs')], ['/usr/bin/touch', ran]);
    } catch (error) {
      status = (error as { status?: number }).status;
    }
    expect(status).toBe(125);
    expect(existsSync(ran)).toBe(false);
  });
});
