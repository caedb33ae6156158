import { z } from 'zod';

const RuntimeConfigSchema = z.object({ gatewayUrl: z.string().default('') });

/** The gateway port the UI assumes when the server does not name a gateway URL. */
export const DEFAULT_GATEWAY_PORT = 7002;

/**
 * The default gateway URL: `runtime-config.json` beside the app (from PUBLIC_GATEWAY_URL on the
 * web server), else the page's host on port 7002.
 */
export async function loadDefaultGatewayUrl(
  location: Pick<Location, 'protocol' | 'hostname'> = window.location,
  fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  baseUrl: string = import.meta.env.BASE_URL,
): Promise<string> {
  const fallback = `${location.protocol}//${location.hostname}:${DEFAULT_GATEWAY_PORT}`;
  try {
    const response = await fetchImpl(`${baseUrl.replace(/\/?$/, '/')}runtime-config.json`, { signal: AbortSignal.timeout(5000), cache: 'no-store' });
    if (!response.ok) return fallback;
    const parsed = RuntimeConfigSchema.safeParse(await response.json());
    return parsed.success && parsed.data.gatewayUrl.trim() ? parsed.data.gatewayUrl.trim().replace(/\/+$/, '') : fallback;
  } catch {
    return fallback;
  }
}
