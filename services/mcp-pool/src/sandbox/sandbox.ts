/** A process to start: an absolute command, run without a shell. */
export interface ProcessLaunch {
  command: string;
  args: string[];
  /** The whole environment of the process. */
  env: Record<string, string>;
  cwd: string;
}

/** What one server may see beyond the system folders and the project's node_modules. */
export interface SandboxProfile {
  /** The host network; otherwise none, not even loopback (no Redis, no platform service). */
  network: boolean;
  /** The user's workspace, mounted read-write at its own path (per-user and user-added servers). */
  workspace: string | undefined;
  /**
   * Mount (read-only) the folders of the command, of files named in args and of cwd. Only for
   * commands the admin wrote (conf and catalog servers): a user's args could name any file.
   */
  exposeArgFiles: boolean;
}

/** Turns a server's launch into the launch of the same server isolated (or as-is, for `none`). */
export interface Sandbox {
  readonly kind: 'bwrap' | 'none';
  /** The RLIMIT_NPROC each server gets in its own user namespace, counted per server (0: none, only the ceiling on all). */
  readonly serverMaxProcesses: number;
  wrap(launch: ProcessLaunch, profile: SandboxProfile): ProcessLaunch;
}
