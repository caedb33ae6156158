/**
 * A direct ConverseStream client in a process of its own, configured as the agent worker's clients
 * are (one attempt, shared HTTP/2 sessions): the baseline the platform's added time to first token
 * is measured against. The worker calls the model from another process than the model endpoint,
 * so the baseline does too; a client inside the emulator's own process is served without any
 * cross-process wake-up, which no deployment has.
 *
 * Run as a child (startDirectModelClient); each `measure` message is answered with one sample.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { SharedSessionHttp2Handler } from '../../services/agent-worker/src/providers/shared-session-http2-handler.js';

/** Time to the first text via the AWS SDK straight to the endpoint (ms). */
export async function directTtft(client: BedrockRuntimeClient, modelId: string): Promise<number> {
  const started = performance.now();
  const output = await client.send(
    new ConverseStreamCommand({ modelId, messages: [{ role: 'user', content: [{ text: 'bench ttft' }] }], inferenceConfig: { maxTokens: 100 } }),
  );
  for await (const event of output.stream ?? []) {
    if (event.contentBlockDelta?.delta?.text) {
      const elapsed = performance.now() - started;
      for await (const _rest of output.stream ?? []) {
        // drain
      }
      return elapsed;
    }
  }
  throw new Error('no text from the model endpoint');
}

export function workerLikeClient(endpoint: string): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    requestHandler: new SharedSessionHttp2Handler({ idleSessionMs: 60_000 }),
  });
}

export interface DirectModelClient {
  measure(): Promise<number>;
  close(): void;
}

/** Starts the client process; `measure()` runs one call there and resolves with its time to first text. */
export async function startDirectModelClient(endpoint: string, modelId: string): Promise<DirectModelClient> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [endpoint, modelId], { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: 'inherit' });
  const replies: Array<(message: { ms?: number; error?: string }) => void> = [];
  child.on('message', (message: { ms?: number; error?: string; ready?: boolean }) => replies.shift()?.(message));
  const next = () => new Promise<{ ms?: number; error?: string }>((resolve) => replies.push(resolve));
  await next(); // ready
  return {
    async measure() {
      const reply = next();
      child.send({ measure: true });
      const { ms, error } = await reply;
      if (ms === undefined) throw new Error(`direct model client: ${error}`);
      return ms;
    },
    close: () => child.kill(),
  };
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  const [endpoint, modelId] = process.argv.slice(2) as [string, string];
  const client = workerLikeClient(endpoint);
  process.on('message', () => {
    directTtft(client, modelId).then(
      (ms) => process.send!({ ms }),
      (error: unknown) => process.send!({ error: String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}
