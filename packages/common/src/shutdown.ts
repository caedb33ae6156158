import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  close: () => Promise<unknown> | unknown;
}

/**
 * Runs the steps in order on SIGTERM/SIGINT (callers list them in reverse order of creation),
 * carrying on when one fails, and exits; if they have not finished within `timeoutMs` the
 * process exits anyway with code 1. Returns the trigger so tests and callers can shut down too.
 */
export function installShutdown(options: { logger: Logger; timeoutMs: number; steps: ShutdownStep[] }): (reason: string) => Promise<void> {
  let closing: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    closing ??= (async () => {
      options.logger.info({ reason }, 'shutting down');
      const deadline = setTimeout(() => {
        options.logger.error({ timeoutMs: options.timeoutMs }, 'shutdown deadline passed; exiting');
        process.exit(1);
      }, options.timeoutMs);
      deadline.unref();
      for (const step of options.steps) {
        try {
          await step.close();
        } catch (error) {
          options.logger.error({ err: error, step: step.name }, 'shutdown step failed');
        }
      }
      clearTimeout(deadline);
      options.logger.info('shut down');
    })();
    return closing;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void shutdown(signal).then(() => process.exit(0));
    });
  }
  return shutdown;
}
