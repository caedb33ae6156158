/** Limits of a stdio MCP server's processes, applied with util-linux `prlimit`; 0 means no limit. */
export interface ResourceLimits {
  /**
   * RLIMIT_NPROC: the kernel counts every process and thread of the pool's real uid against it
   * (all servers and the pool itself, across user namespaces), so it is a ceiling on all servers
   * together, never a per-server limit. 0 where cgroups limit each server instead.
   */
  uidMaxProcesses: number;
  /** RLIMIT_AS in MiB: virtual address space of each process. */
  maxAddressSpaceMb: number;
  /** RLIMIT_NOFILE: open file descriptors of each process. */
  maxOpenFiles: number;
  /** RLIMIT_CPU in seconds: CPU time of each process over its life (SIGXCPU, then SIGKILL). */
  maxCpuSeconds: number;
}

/** `prlimit` options setting both soft and hard limits (a server cannot raise them again). */
export function prlimitOptions(limits: ResourceLimits): string[] {
  const options: string[] = [];
  if (limits.uidMaxProcesses > 0) options.push(`--nproc=${limits.uidMaxProcesses}`);
  if (limits.maxAddressSpaceMb > 0) options.push(`--as=${limits.maxAddressSpaceMb * 1024 * 1024}`);
  if (limits.maxOpenFiles > 0) options.push(`--nofile=${limits.maxOpenFiles}`);
  if (limits.maxCpuSeconds > 0) options.push(`--cpu=${limits.maxCpuSeconds}`);
  return options;
}
