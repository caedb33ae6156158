import { handleBedrockConverse, sendBedrockError, type BedrockTarget } from './bedrock-route.js';
import type { EmulatorRuntime } from './emulator-runtime.js';
import {
  exchangeInfo,
  sendJson,
  type ExchangeHandler,
  type ExchangeRequest,
  type ExchangeResponse,
} from './http-exchange.js';
import { handleChatCompletions, handleListModels, sendOpenAIError } from './openai-route.js';
import { handleSonicStream } from './sonic-route.js';

// The model id is one path segment; the SDK percent-encodes ':' and '/' inside it.
const BEDROCK_CONVERSE_PATH = /^\/model\/([^/]+)\/(converse|converse-stream)$/;
const BEDROCK_BIDIRECTIONAL_PATH = /^\/model\/([^/]+)\/invoke-with-bidirectional-stream$/;

export function createRouter(runtime: EmulatorRuntime): ExchangeHandler {
  return (request, response) => {
    // A rejection here means even the error answer failed: the client is gone, nothing left to tell.
    route(request, response, runtime).catch(() => undefined);
  };
}

async function route(request: ExchangeRequest, response: ExchangeResponse, runtime: EmulatorRuntime): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://emulator').pathname;
  const info = exchangeInfo(request, path);
  try {
    const bedrockTarget = info.method === 'POST' ? bedrockTargetOf(path) : undefined;
    const sonicModelId = info.method === 'POST' ? BEDROCK_BIDIRECTIONAL_PATH.exec(path)?.[1] : undefined;
    if (bedrockTarget !== undefined) {
      await handleBedrockConverse(request, response, info, bedrockTarget, runtime);
    } else if (sonicModelId !== undefined) {
      await handleSonicStream(request, response, info, decodeURIComponent(sonicModelId), runtime);
    } else if (info.method === 'POST' && path === '/v1/chat/completions') {
      await handleChatCompletions(request, response, info, runtime);
    } else if (info.method === 'GET' && path === '/v1/models') {
      handleListModels(response, info, runtime);
    } else if (info.method === 'GET' && path === '/healthz') {
      sendJson(response, 200, { status: 'ok' });
    } else {
      sendJson(response, 404, { message: `emulator: no route for ${info.method} ${path}` });
    }
  } catch (error) {
    // Typically a reply function that threw: surface it to the client as a server error.
    const failure = { kind: 'http', status: 500, message: `emulator: ${String(error)}` } as const;
    if (path.startsWith('/model/')) sendBedrockError(response, failure);
    else sendOpenAIError(response, failure);
  }
}

function bedrockTargetOf(path: string): BedrockTarget | undefined {
  const match = BEDROCK_CONVERSE_PATH.exec(path);
  const [, encodedModelId, operation] = match ?? [];
  if (encodedModelId === undefined || (operation !== 'converse' && operation !== 'converse-stream')) return undefined;
  return { operation, modelId: decodeURIComponent(encodedModelId) };
}
