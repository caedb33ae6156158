import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { AddressPolicy } from '@bedrock-mcp/common';

export class DownloadError extends Error {
  override readonly name: string = 'DownloadError';
}

/** The body is larger than the download's maxBytes. */
export class DownloadTooLargeError extends DownloadError {
  override readonly name = 'DownloadTooLargeError';
}

export interface DownloadOptions {
  timeoutMs: number;
  maxBytes: number;
  /** Which addresses every hop (the URL and each redirect) may resolve to. */
  addressPolicy: AddressPolicy;
  signal?: AbortSignal;
  /** Redirects followed, each checked like the first URL. Default 3. */
  maxRedirects?: number;
}

export interface Download {
  bytes: Buffer;
  contentType: string | undefined;
}

/**
 * GET of a user-supplied http(s) URL with a deadline and a size cap. Redirects are followed here,
 * not by the HTTP client, up to `maxRedirects`: for each hop the host is resolved once, every
 * address must pass the policy, and the connection goes to that checked address, so neither a
 * redirect nor a DNS answer that changes between check and connect can reach an internal service.
 */
export async function guardedDownload(url: string, options: DownloadOptions): Promise<Download> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let current = new URL(url);
  for (let redirects = 0; ; redirects++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') throw new DownloadError(`only http(s) URLs are fetched, not ${current.protocol}`);
    const response = await get(current, await checkedLookup(current.hostname, options.addressPolicy), signal, options.timeoutMs);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (redirects >= (options.maxRedirects ?? 3)) throw new DownloadError('too many redirects');
      current = new URL(response.headers.location, current);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new DownloadError(`HTTP ${status}`);
    }
    return { bytes: await readCapped(response, options.maxBytes, signal, options.timeoutMs), contentType: response.headers['content-type'] };
  }
}

async function checkedLookup(hostname: string, policy: AddressPolicy): Promise<LookupFunction> {
  const host = hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true });
  } catch (error) {
    throw new DownloadError(`cannot resolve ${host}: ${(error as Error).message}`);
  }
  const chosen = addresses[0];
  if (!chosen) throw new DownloadError(`cannot resolve ${host}: no address`);
  const refused = addresses.find((entry) => policy.refusal(entry.address) !== undefined);
  if (refused) throw new DownloadError(`${host} resolves to a non-public address (${refused.address}); only public hosts are fetched`);
  return (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [chosen]);
    else callback(null, chosen.address, chosen.family);
  };
}

function get(url: URL, lookupFn: LookupFunction, signal: AbortSignal, timeoutMs: number): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, { method: 'GET', lookup: lookupFn, signal, headers: { accept: 'image/*' } }, resolve);
    request.on('error', (error) => reject(signal.aborted ? abortError(signal, timeoutMs) : new DownloadError(error.message)));
    request.end();
  });
}

async function readCapped(response: IncomingMessage, maxBytes: number, signal: AbortSignal, timeoutMs: number): Promise<Buffer> {
  if (Number(response.headers['content-length'] ?? 0) > maxBytes) {
    response.destroy();
    throw new DownloadTooLargeError(`larger than ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        throw new DownloadTooLargeError(`larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    throw signal.aborted ? abortError(signal, timeoutMs) : new DownloadError((error as Error).message);
  }
  return Buffer.concat(chunks);
}

function abortError(signal: AbortSignal, timeoutMs: number): DownloadError {
  const reason = signal.reason as { name?: string } | undefined;
  return new DownloadError(reason?.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : 'aborted');
}
