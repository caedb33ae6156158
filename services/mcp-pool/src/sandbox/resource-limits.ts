/** Per-process limits of a stdio MCP server, applied with util-linux `prlimit`; 0 means no limit. */
export interface ResourceLimits {
  /** RLIMIT_NPROC: processes and threads (counted per uid; inside the sandbox, per server). */
  maxProcesses: number;
  /** RLIMIT_AS in MiB: virtual address space of each process. */
  maxMemoryMb: number;
  /** RLIMIT_NOFILE: open file descriptors of each process. */
  maxOpenFiles: number;
  /** RLIMIT_CPU in seconds: CPU time of each process over its life (SIGXCPU, then SIGKILL). */
  maxCpuSeconds: number;
}

/** `prlimit` options setting both soft and hard limits (a server cannot raise them again). */
export function prlimitOptions(limits: ResourceLimits): string[] {
  const options: string[] = [];
  if (limits.maxProcesses > 0) options.push(`--nproc=${limits.maxProcesses}`);
  if (limits.maxMemoryMb > 0) options.push(`--as=${limits.maxMemoryMb * 1024 * 1024}`);
  if (limits.maxOpenFiles > 0) options.push(`--nofile=${limits.maxOpenFiles}`);
  if (limits.maxCpuSeconds > 0) options.push(`--cpu=${limits.maxCpuSeconds}`);
  return options;
}
