/**
 * Runs the model emulator for manual runs and end-to-end demos:
 *
 *   EMULATOR_PORT=4010 EMULATOR_SCRIPT=./script.json npx tsx packages/test-support/src/model-emulator/cli.ts
 *
 * Env: EMULATOR_PORT (default 4010), EMULATOR_HOST (default 127.0.0.1; 0.0.0.0 inside a container),
 * EMULATOR_SCRIPT or the first argument (JSON rules, see script-file.ts), EMULATOR_CHUNK_DELAY_MS (default 0).
 * Point clients at it with AWS_ENDPOINT_URL_BEDROCK_RUNTIME=<url> and an OpenAI base URL of <url>/v1.
 */
import { startModelEmulator } from './emulator.js';
import { loadScriptFile } from './script-file.js';

const DEFAULT_PORT = 4010;

async function main(): Promise<void> {
  const scriptPath = process.argv[2] ?? process.env['EMULATOR_SCRIPT'];
  const emulator = await startModelEmulator({
    host: process.env['EMULATOR_HOST'] ?? '127.0.0.1',
    port: integerFromEnv('EMULATOR_PORT', DEFAULT_PORT),
    chunkDelayMs: integerFromEnv('EMULATOR_CHUNK_DELAY_MS', 0),
    rules: scriptPath === undefined ? [] : await loadScriptFile(scriptPath),
  });
  console.log(`model emulator listening on ${emulator.url}`);
  console.log(`  AWS_ENDPOINT_URL_BEDROCK_RUNTIME=${emulator.bedrockEndpoint}`);
  console.log(`  OpenAI baseURL=${emulator.openaiBaseUrl}`);
  console.log(`  script: ${scriptPath ?? '(none: every request gets the "no rule" echo)'}`);
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function integerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
