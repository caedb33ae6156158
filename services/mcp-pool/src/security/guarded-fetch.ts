import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import type { AddressPolicy } from '@bedrock-mcp/common';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { PoolFailure } from '../errors/pool-failure.js';

export type LookupAll = (hostname: string) => Promise<LookupAddress[]>;

const defaultLookupAll: LookupAll = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/** Redirects one request of a user-added URL server may follow, each hop checked like the first. */
const DEFAULT_MAX_REDIRECTS = 3;

/**
 * Refuses a user-added server URL whose host is, or resolves to, an address the policy refuses
 * (every address must pass), or whose scheme is not http(s). Throws PoolFailure('forbidden')
 * naming the host.
 */
export async function assertUrlAllowed(url: string | URL, policy: AddressPolicy, lookupAll: LookupAll = defaultLookupAll): Promise<void> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new PoolFailure('forbidden', `refused to connect to ${parsed.protocol} URLs: only http(s)`);
  const hostname = parsed.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(hostname) ? [hostname] : (await lookupAll(hostname).catch((error: Error) => {
    throw new PoolFailure('server_start_failed', `cannot resolve ${hostname}: ${error.message}`);
  })).map((entry) => entry.address);
  for (const address of addresses) {
    const refusal = policy.refusal(address);
    if (refusal) throw new PoolFailure('forbidden', `refused to connect to ${hostname}: ${refusal} (an admin can allow the range with MCP_ALLOWED_URL_RANGES)`);
  }
}

export interface GuardedFetchOptions {
  /** Milliseconds to open a connection. Default 10 000. */
  connectTimeoutMs?: number;
  /** Redirects followed per request. Default DEFAULT_MAX_REDIRECTS. */
  maxRedirects?: number;
}

/**
 * A fetch for user-added URL servers. It follows redirects itself (`redirect: 'manual'`), checking
 * each hop's URL (IP literal or every DNS answer) against the policy before requesting it, up to
 * `maxRedirects`; and every connection its agent opens checks the resolved address again at connect
 * time (so a DNS answer that changes between the check and the connection cannot reach a refused
 * address). Credentials (Authorization, Cookie) are not carried to another origin.
 * Returns the fetch and the agent's close().
 */
export function createGuardedFetch(policy: AddressPolicy, options: GuardedFetchOptions = {}): { fetch: FetchLike; close: () => Promise<void> } {
  const agent = createGuardedAgent(policy, options);
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const guarded: FetchLike = async (url, init) => {
    let current = new URL(url);
    let request: RequestInit = { ...init };
    for (let redirects = 0; ; redirects++) {
      await assertUrlAllowed(current, policy);
      const response = (await undiciFetch(current, { ...request, redirect: 'manual', dispatcher: agent } as Parameters<typeof undiciFetch>[1])) as unknown as Response;
      const location = isRedirect(response.status) ? response.headers.get('location') : null;
      if (location === null) return response;
      await response.body?.cancel().catch(() => undefined);
      if (redirects >= maxRedirects) throw new PoolFailure('forbidden', `refused to follow more than ${maxRedirects} redirects from ${new URL(url).host}`);
      const next = new URL(location, current);
      request = redirectedRequest(request, response.status, current, next);
      current = next;
    }
  };
  return { fetch: guarded, close: () => agent.close() };
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The next hop's request, as the fetch standard makes it: 303 (and 301/302 after POST) become a bodiless GET; credentials stay with their origin. */
function redirectedRequest(request: RequestInit, status: number, from: URL, to: URL): RequestInit {
  const method = (request.method ?? 'GET').toUpperCase();
  const headers = new Headers(request.headers);
  const next: RequestInit = { ...request, headers };
  if (status === 303 ? method !== 'GET' && method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST') {
    next.method = 'GET';
    delete next.body;
    for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
  }
  if (from.origin !== to.origin) {
    headers.delete('authorization');
    headers.delete('cookie');
    headers.delete('proxy-authorization');
  }
  return next;
}

/** An undici Agent whose every connection resolves its host through the policy (IP literals skip DNS: check them first). */
export function createGuardedAgent(policy: AddressPolicy, options: { connectTimeoutMs?: number } = {}): Agent {
  const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => policy.refusal(entry.address));
      if (refused) {
        const failure = Object.assign(new Error(`refused to connect to ${hostname}: ${policy.refusal(refused.address)}`), { code: 'EADDRNOTAVAIL' });
        return callback(failure, '', 0);
      }
      if (lookupOptions.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      return callback(null, first.address, first.family);
    });
  };
  return new Agent({ connect: { lookup: guardedLookup, timeout: options.connectTimeoutMs ?? 10_000 } });
}
