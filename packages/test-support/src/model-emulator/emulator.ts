import { listenDualProtocol } from './dual-protocol-server.js';
import type { EmulatorRuntime } from './emulator-runtime.js';
import { PromptCache } from './prompt-cache.js';
import { createRouter } from './router.js';
import { ScriptBook } from './script-book.js';
import { SonicScriptBook } from './sonic-script-book.js';
import type { SonicSessionRecord } from './sonic-types.js';
import type { ModelEmulator, ModelEmulatorOptions, RecordedRequest } from './types.js';

/** Starts an emulated Bedrock Runtime + OpenAI-compatible endpoint; see `ModelEmulator`. */
export async function startModelEmulator(options: ModelEmulatorOptions = {}): Promise<ModelEmulator> {
  const book = new ScriptBook();
  book.replaceRules(options.rules ?? []);
  const requests: RecordedRequest[] = [];
  const sonic = new SonicScriptBook();
  sonic.replace(options.sonic ?? {});
  const sonicSessions: SonicSessionRecord[] = [];
  const shutdown = new AbortController();
  const promptCache = new PromptCache();
  const runtime: EmulatorRuntime = {
    book,
    record: (request) => requests.push(request),
    sonic,
    recordSonic: (session) => sonicSessions.push(session),
    chunkCount: options.chunkCount ?? 3,
    chunkDelayMs: options.chunkDelayMs ?? 0,
    openaiModels: options.openaiModels ?? ['emulator-model'],
    promptCache,
    signal: shutdown.signal,
  };
  const host = options.host ?? '127.0.0.1';
  const server = await listenDualProtocol(createRouter(runtime), { host, port: options.port ?? 0 });
  const url = `http://${urlHost(host)}:${server.port}`;

  return {
    url,
    port: server.port,
    bedrockEndpoint: url,
    openaiBaseUrl: `${url}/v1`,
    requests,
    sonicSessions,
    script: (rules) => book.replaceRules(rules),
    scriptSonic: (script) => sonic.replace(script),
    failNext: (failure) => book.queueFailure(failure),
    reset: () => {
      book.reset();
      requests.length = 0;
      promptCache.clear();
      sonic.reset();
      sonicSessions.length = 0;
    },
    close: async () => {
      shutdown.abort();
      await server.close();
    },
  };
}

/** A wildcard bind address is not something a client can connect to. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
