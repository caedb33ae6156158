import { prlimitOptions, type ResourceLimits } from './resource-limits.js';
import type { ProcessLaunch, Sandbox } from './sandbox.js';

/**
 * MCP_SANDBOX=none (or no working bwrap outside production): the server runs as the pool user and
 * sees what the pool sees. The resource limits still apply when `prlimit` exists; the process
 * limit is only the ceiling on all servers together (no user namespace of its own to count in; a
 * pool running as root is exempt from it).
 */
export class Unsandboxed implements Sandbox {
  readonly kind = 'none';
  readonly serverMaxProcesses = 0;

  constructor(private readonly options: { prlimitPath: string | undefined; limits: ResourceLimits }) {}

  wrap(launch: ProcessLaunch): ProcessLaunch {
    const limits = prlimitOptions(this.options.limits, this.options.limits.allServersMaxProcesses);
    if (!this.options.prlimitPath || limits.length === 0) return launch;
    return { ...launch, command: this.options.prlimitPath, args: [...limits, '--', launch.command, ...launch.args] };
  }
}
