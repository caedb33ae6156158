import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { PoolFailure } from '../pool/pool-failure.js';
import type { AddressPolicy } from '@bedrock-mcp/common';

export type LookupAll = (hostname: string) => Promise<LookupAddress[]>;

const defaultLookupAll: LookupAll = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/**
 * Refuses a user-added server URL whose host is, or resolves to, an address the policy refuses
 * (every address must pass). Throws PoolFailure('forbidden') naming the host.
 */
export async function assertUrlAllowed(url: string | URL, policy: AddressPolicy, lookupAll: LookupAll = defaultLookupAll): Promise<void> {
  const hostname = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(hostname) ? [hostname] : (await lookupAll(hostname).catch((error: Error) => {
    throw new PoolFailure('server_start_failed', `cannot resolve ${hostname}: ${error.message}`);
  })).map((entry) => entry.address);
  for (const address of addresses) {
    const refusal = policy.refusal(address);
    if (refusal) throw new PoolFailure('forbidden', `refused to connect to ${hostname}: ${refusal} (an admin can allow the range with MCP_ALLOWED_URL_RANGES)`);
  }
}

/**
 * A fetch for user-added URL servers that checks the address of every connection it opens, at
 * connect time (so DNS answers that change between the check and the connection, or redirects,
 * cannot reach a refused address), on top of a check of the URL before each request.
 * Returns the fetch and the agent's close().
 */
export function createGuardedFetch(policy: AddressPolicy, options: { connectTimeoutMs?: number } = {}): { fetch: FetchLike; close: () => Promise<void> } {
  const agent = createGuardedAgent(policy, options);
  const guarded: FetchLike = async (url, init) => {
    await assertUrlAllowed(url, policy);
    return (await undiciFetch(url, { ...(init as object), dispatcher: agent } as Parameters<typeof undiciFetch>[1])) as unknown as Response;
  };
  return { fetch: guarded, close: () => agent.close() };
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
