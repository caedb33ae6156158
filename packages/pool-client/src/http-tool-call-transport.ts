import type { IncomingMessage } from 'node:http';
import { CallToolStreamLineSchema, POOL_ROUTES, routePath, type CallToolRequest } from '@bedrock-mcp/contracts';
import { PoolClientError } from './pool-client-error.js';
import { readText, safeJson, toError, type PoolHttp } from './pool-http.js';
import type { ElicitationAnswerer } from './elicitation-answerer.js';
import type { CallToolOptions, ToolCallResult, ToolCallTransport } from './tool-call-transport.js';

/**
 * Tool calls over the pool's `call` route (POOL_ROUTES.call): one HTTP request each, answered in
 * NDJSON. Takes every call: any replica routes it to the one that owns the user. Closing the request
 * (the signal) cancels the call. Its connections belong to the PoolHttp it is given: close() leaves them.
 */
export class HttpToolCallTransport implements ToolCallTransport {
  constructor(
    private readonly http: PoolHttp,
    private readonly elicitations: ElicitationAnswerer,
  ) {}

  async call(userId: string, request: CallToolRequest, options: CallToolOptions): Promise<ToolCallResult> {
    const { signal, onElicitation } = options;
    const route = POOL_ROUTES.call;
    const ended = new AbortController();
    try {
      const response = await this.http.open(route.method, routePath(route, { userId }), JSON.stringify(request), signal, 'application/x-ndjson');
      if ((response.statusCode ?? 500) >= 400) throw toError(response.statusCode ?? 500, await readText(response));
      // Read to the end even after the last line: leaving early would destroy the kept-alive socket.
      let outcome: ToolCallResult | PoolClientError | undefined;
      for await (const line of readLines(response)) {
        if (outcome) continue;
        const parsed = parseLine(line);
        if (parsed.type === 'progress') options.onProgress?.({ progress: parsed.progress, total: parsed.total, message: parsed.message });
        else if (parsed.type === 'elicitation') {
          if (onElicitation) this.elicitations.answer(userId, parsed, onElicitation, ended.signal);
        } else if (parsed.type === 'result') outcome = { result: parsed.result, durationMs: parsed.durationMs };
        else outcome = new PoolClientError(parsed.error.code, parsed.error.message);
      }
      if (outcome instanceof PoolClientError) throw outcome;
      if (!outcome) throw new PoolClientError('internal', 'the pool closed the call without a result');
      return outcome;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw error;
    } finally {
      ended.abort();
    }
  }

  close(): void {
    // Nothing of its own: the connections are the PoolHttp's.
  }
}

function parseLine(line: string) {
  const parsed = CallToolStreamLineSchema.safeParse(safeJson(line));
  if (!parsed.success) throw new PoolClientError('internal', `mcp-pool sent a line that is not the contract: ${line.slice(0, 200)}`);
  return parsed.data;
}

async function* readLines(response: IncomingMessage): AsyncGenerator<string> {
  response.setEncoding('utf8');
  let buffered = '';
  for await (const chunk of response) {
    buffered += chunk as string;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield line;
    }
  }
  if (buffered.trim()) yield buffered.trim();
}
