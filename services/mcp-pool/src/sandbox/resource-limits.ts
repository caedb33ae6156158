/**
 * Limits of a stdio MCP server's processes, applied with util-linux `prlimit`; 0 means no limit.
 *
 * RLIMIT_NPROC is checked against a count of tasks per user: since Linux 5.14 one count per user
 * namespace, each charged up to its parents. Set before the sandbox's user namespace is made, it
 * caps the pool's uid (every server together) and becomes that namespace's ceiling; set inside
 * the namespace, it caps the tasks of that namespace, i.e. of one server. Unsandboxed, or on
 * older kernels, every RLIMIT_NPROC counts all the pool uid's tasks.
 */
export interface ResourceLimits {
  /** RLIMIT_NPROC before the sandbox is made: all servers' processes and threads together (with the pool's own). */
  allServersMaxProcesses: number;
  /** RLIMIT_NPROC inside a server's own user namespace: per server where the kernel counts per namespace, else leave 0. */
  serverMaxProcesses: number;
  /** RLIMIT_AS in MiB: virtual address space of each process. */
  maxAddressSpaceMb: number;
  /** RLIMIT_NOFILE: open file descriptors of each process. */
  maxOpenFiles: number;
  /** RLIMIT_CPU in seconds: CPU time of each process over its life (SIGXCPU, then SIGKILL). */
  maxCpuSeconds: number;
}

/** `prlimit` options for the server's own processes (both soft and hard: a server cannot raise them again); `maxProcesses` is the RLIMIT_NPROC to set. */
export function prlimitOptions(limits: ResourceLimits, maxProcesses: number): string[] {
  const options: string[] = [];
  if (maxProcesses > 0) options.push(`--nproc=${maxProcesses}`);
  if (limits.maxAddressSpaceMb > 0) options.push(`--as=${limits.maxAddressSpaceMb * 1024 * 1024}`);
  if (limits.maxOpenFiles > 0) options.push(`--nofile=${limits.maxOpenFiles}`);
  if (limits.maxCpuSeconds > 0) options.push(`--cpu=${limits.maxCpuSeconds}`);
  return options;
}
