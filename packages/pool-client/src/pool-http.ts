import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { PoolErrorBodySchema } from '@bedrock-mcp/contracts';
import { PoolClientError } from './pool-client-error.js';

export interface PoolHttpOptions {
  /** The pool's base URL, without a trailing slash. */
  baseUrl: string;
  /** The `Authorization` header every request carries (the internal credential). */
  authorization: string;
  /** Kept-alive connections to the pool at most. */
  maxSockets: number;
}

/**
 * Requests to the mcp-pool over node:http(s) with kept-alive connections, shared by the JSON routes
 * and the HTTP tool-call transport. close() drops the kept-alive connections (idempotent).
 */
export class PoolHttp {
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  /** The base URL as request options, parsed once: a URL string would be parsed again on every request. */
  private readonly target: RequestOptions;
  private readonly pathPrefix: string;

  constructor(private readonly options: PoolHttpOptions) {
    const base = new URL(options.baseUrl);
    const https = base.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
    this.agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.send = https ? (httpsRequest as typeof httpRequest) : httpRequest;
    const { protocol, hostname, port, auth } = urlToHttpOptions(base);
    this.target = { protocol, hostname, port, ...(auth ? { auth } : {}) };
    this.pathPrefix = base.pathname.replace(/\/+$/, '');
  }

  /**
   * Sends the request; resolves with the response once its headers arrived. Aborting destroys it.
   * A kept-alive connection the pool closed just as it was reused (ECONNRESET before any answer)
   * is retried once on a fresh connection: the pool never read that request.
   */
  async open(method: string, path: string, body: string | undefined, signal: AbortSignal | undefined, accept: string): Promise<IncomingMessage> {
    try {
      return await this.openOnce(method, path, body, signal, accept);
    } catch (error) {
      if (!(error instanceof StaleSocketError)) throw error;
      return this.openOnce(method, path, body, signal, accept);
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private openOnce(method: string, path: string, body: string | undefined, signal: AbortSignal | undefined, accept: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const headers: RequestOptions['headers'] = { accept, authorization: this.options.authorization };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const request = this.send({ ...this.target, path: `${this.pathPrefix}${path}`, method, agent: this.agent, headers });
      const onAbort = () => request.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      request.once('close', () => signal?.removeEventListener('abort', onAbort));
      request.once('response', resolve);
      request.once('error', (error: NodeJS.ErrnoException) => {
        reject(request.reusedSocket && error.code === 'ECONNRESET' && !signal?.aborted ? new StaleSocketError() : error);
      });
      request.end(body);
    });
  }
}

class StaleSocketError extends Error {}

/** An HTTP error answer as a PoolClientError: the contract's error body, or `internal` for anything else. */
export function toError(status: number, text: string): PoolClientError {
  const body = PoolErrorBodySchema.safeParse(safeJson(text));
  if (body.success) return new PoolClientError(body.data.error.code, body.data.error.message, status);
  return new PoolClientError('internal', `mcp-pool answered HTTP ${status}: ${text.slice(0, 200)}`, status);
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function readText(response: IncomingMessage): Promise<string> {
  response.setEncoding('utf8');
  let text = '';
  for await (const chunk of response) text += chunk as string;
  return text;
}
