import { createLogger, type Logger } from '@bedrock-mcp/common';

export interface CapturedLogger {
  logger: Logger;
  /** Every line written so far, parsed. */
  lines: Array<Record<string, unknown>>;
  /** The raw text of every line, for "never contains" assertions. */
  text(): string;
}

/** A real pino logger (redaction included) whose lines land in memory. */
export function captureLogger(): CapturedLogger {
  const raw: string[] = [];
  const logger = createLogger({ service: 'config-store-test', level: 'debug', destination: { write: (line: string) => void raw.push(line) } });
  return {
    logger,
    get lines() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    text: () => raw.join(''),
  };
}
