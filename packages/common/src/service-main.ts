import type { Logger } from 'pino';
import { ConfigError, loadConfig, type RuntimeConfig } from './load-config.js';
import { createLogger } from './logger.js';
import { SERVICE_SETTINGS_SCHEMAS, type SettingsOf } from './settings.js';
import { installShutdown, type ShutdownStep } from './shutdown.js';

export type ServiceName = Exclude<keyof typeof SERVICE_SETTINGS_SCHEMAS, 'web'>;

export interface ServiceContext<S = SettingsOf<ServiceName>> {
  config: RuntimeConfig<S>;
  logger: Logger;
}

/**
 * The common start of every service's entry file: config (a bad value stops the service with a
 * message naming it), logger, then the service's own start, which returns its shutdown steps in
 * the order they must run. Start-up failures exit with code 1. The service parses only its own
 * settings (SERVICE_SETTINGS_SCHEMAS).
 */
export async function runService<Service extends ServiceName>(
  service: Service,
  start: (context: ServiceContext<SettingsOf<Service>>) => Promise<ShutdownStep[]>,
): Promise<void> {
  let config: RuntimeConfig<SettingsOf<Service>>;
  try {
    config = loadConfig({ service, schema: SERVICE_SETTINGS_SCHEMAS[service] }) as RuntimeConfig<SettingsOf<Service>>;
  } catch (error) {
    process.stderr.write(`${service}: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const logger = createLogger({ service, level: config.settings.LOG_LEVEL, logDir: config.settings.LOG_DIR && config.resolvePath(config.settings.LOG_DIR) });
  for (const warning of config.warnings) logger.warn(warning);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  try {
    const steps = await start({ config, logger });
    installShutdown({ logger, timeoutMs: config.settings.SHUTDOWN_TIMEOUT_S * 1000, steps });
  } catch (error) {
    // A missing or bad setting found at start (INTERNAL_API_KEY, SECRETS_KEY) reads as plainly as one found in parsing.
    if (error instanceof ConfigError) process.stderr.write(`${service}: ${error.message}\n`);
    logger.fatal({ err: error }, 'start-up failed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.exit(1);
  }
}
