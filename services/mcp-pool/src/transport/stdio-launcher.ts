import { spawn, type ChildProcess } from 'node:child_process';
import { deserializeMessage, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { JsonRpcLineReader, MessageTooLargeError } from './json-rpc-line-reader.js';
import { StderrRing } from './stderr-ring.js';

export interface StdioLaunchOptions {
  /** An absolute path (see resolveCommand); run without a shell. */
  command: string;
  args: string[];
  /** The child's whole environment (see buildChildEnv): nothing else is inherited. */
  env: Record<string, string>;
  cwd: string;
  /** Milliseconds each stop step waits (stdin closed → SIGTERM to the group → SIGKILL). */
  stopGraceMs: number;
  /** Kept stderr tail; default 50 lines / 16 KiB. */
  stderr?: StderrRing;
  /** Longest stdout line (one message) read, in bytes; a longer one stops the server. Default 8 MiB. */
  maxMessageBytes?: number;
  /** Runs once the process group is gone or was killed, before close() resolves (e.g. removes the server's cgroup). */
  afterStop?: () => Promise<void>;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * An MCP client transport over a child's stdin/stdout, like the SDK's StdioClientTransport but
 * with the child leading its own process group (`detached`), so stopping it reaches everything
 * it started: stdin is closed first, then the group gets SIGTERM, then SIGKILL. stderr goes into
 * a bounded ring buffer. When the child exits on its own, the rest of its group is stopped too.
 * A stdout line longer than maxMessageBytes stops the server (`failure` says why) rather than
 * being buffered (the SDK's ReadBuffer holds up to 10 MiB and copies it once per chunk).
 */
export class ProcessGroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  readonly stderr: StderrRing;
  private readonly lines: JsonRpcLineReader;
  /** Why the pool stopped the server itself, when it did. */
  private stoppedFor: string | undefined;
  private child: ChildProcess | undefined;
  private exit: ChildExit | undefined;
  private exited: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private closeNotified = false;

  constructor(private readonly options: StdioLaunchOptions) {
    this.stderr = options.stderr ?? new StderrRing();
    this.lines = new JsonRpcLineReader(options.maxMessageBytes ?? 8 * 1024 * 1024);
  }

  /** Why the pool stopped the server (it broke a limit), if it did. */
  get failure(): string | undefined {
    return this.stoppedFor;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How the child ended, once it has. */
  get exitInfo(): ChildExit | undefined {
    return this.exit;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('ProcessGroupStdioTransport already started');
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.command, this.options.args, {
        cwd: this.options.cwd,
        env: this.options.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        detached: true,
        windowsHide: true,
      });
      this.child = child;
      this.exited = new Promise((resolveExit) => {
        child.once('exit', (code, signal) => {
          this.exit = { code, signal };
          resolveExit();
          // Whatever the child left running in its group goes with it.
          void this.close();
          this.notifyClosed();
        });
      });
      child.once('error', (error) => {
        if (child.pid === undefined) {
          this.exit = { code: null, signal: null };
          this.notifyClosed();
          reject(error);
        } else {
          this.onerror?.(error);
        }
      });
      child.once('spawn', () => resolve());
      child.stdin?.on('error', (error) => this.onerror?.(error));
      child.stdout?.on('data', (chunk: Buffer) => this.receive(chunk));
      child.stdout?.on('error', (error) => this.onerror?.(error));
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => this.stderr.append(chunk));
      child.stderr?.on('error', () => undefined);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.exit || this.closing || !stdin.writable) return Promise.reject(new Error('Not connected'));
    return new Promise((resolve) => {
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** Idempotent: resolves once the whole process group is gone (or SIGKILL was sent to it). */
  close(): Promise<void> {
    this.closing ??= this.stopGroup()
      .then(() => this.options.afterStop?.())
      .finally(() => this.notifyClosed());
    return this.closing;
  }

  private receive(chunk: Buffer): void {
    if (this.stoppedFor) return;
    let lines: string[];
    try {
      lines = this.lines.push(chunk);
    } catch (error) {
      if (!(error instanceof MessageTooLargeError)) throw error;
      this.stoppedFor = `${error.message}; the pool stopped it`;
      this.onerror?.(error);
      void this.close();
      return;
    }
    for (const line of lines) {
      let message: JSONRPCMessage;
      try {
        message = deserializeMessage(line);
      } catch (error) {
        // A line that is not JSON-RPC (a server logging to stdout): reported, skipped.
        this.onerror?.(error as Error);
        continue;
      }
      this.onmessage?.(message);
    }
  }

  private async stopGroup(): Promise<void> {
    const child = this.child;
    const pid = child?.pid;
    if (!child || pid === undefined) return;
    const grace = this.options.stopGraceMs;
    if (!this.exit) {
      child.stdin?.end();
      await withTimeout(this.exited, grace);
    }
    if (groupAlive(pid)) {
      signalGroup(pid, 'SIGTERM');
      await waitUntil(() => !groupAlive(pid), grace);
      // SIGKILL cannot be refused; members may linger briefly as zombies until reaped.
      if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
    }
    await withTimeout(this.exited, grace);
    child.stdout?.destroy();
    child.stderr?.destroy();
    child.stdin?.destroy();
    this.lines.clear();
  }

  private notifyClosed(): void {
    if (this.closeNotified) return;
    this.closeNotified = true;
    this.onclose?.();
  }
}

/** Whether any process of the group led by `pgid` is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Polls `done` every 10 ms (a group has no exit event) for at most `ms`. */
async function waitUntil(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) {
    await new Promise<void>((resolve) => setTimeout(resolve, 10).unref());
  }
}
