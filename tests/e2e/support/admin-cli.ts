import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from './service-process.js';
import type { Stack } from './stack.js';

const run = promisify(execFile);

/** Runs the gateway's admin CLI (`npm run admin -w services/gateway -- …`) against the stack's Redis. */
export async function adminCli(stack: Stack, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', 'services/gateway/src/admin-cli.ts', ...args], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', REDIS_URL: stack.env.REDIS_URL!, REDIS_PREFIX: stack.env.REDIS_PREFIX!, CONFIG_PATH: stack.configPath },
    timeout: 30_000,
  });
  return stdout;
}

/** Creates a per-user key with the admin CLI and returns it. */
export async function createUserKey(stack: Stack, userId: string): Promise<string> {
  const output = await adminCli(stack, ['create-key', '--user', userId, '--label', 'e2e']);
  const key = /api key \(shown only now\): (\S+)/.exec(output)?.[1];
  if (!key) throw new Error(`no key in the admin CLI output:\n${output}`);
  return key;
}
