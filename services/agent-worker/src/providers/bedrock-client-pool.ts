import { existsSync, readFileSync } from 'node:fs';
import { BedrockRuntimeClient, type BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import { SharedSessionHttp2Handler, type SharedSessionHttp2HandlerOptions } from './shared-session-http2-handler.js';

export interface StaticCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

export class CredentialFileError extends Error {
  override readonly name = 'CredentialFileError';
}

/**
 * Reads conf/credential.csv: a header naming the columns `ak` and `sk` (any order, other columns
 * ignored), then one credential per line. Returns [] when the file does not exist.
 */
export function readCredentialCsv(path: string): StaticCredential[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const header = lines.shift()?.split(',').map(unquote).map((name) => name.toLowerCase());
  const ak = header?.indexOf('ak') ?? -1;
  const sk = header?.indexOf('sk') ?? -1;
  if (ak < 0 || sk < 0) throw new CredentialFileError(`${path}: the first line must name the columns ak and sk`);
  return lines.map((line, index) => {
    const cells = line.split(',').map(unquote);
    const accessKeyId = cells[ak] ?? '';
    const secretAccessKey = cells[sk] ?? '';
    if (!accessKeyId || !secretAccessKey) throw new CredentialFileError(`${path}: line ${index + 2} lacks an ak or sk value`);
    return { accessKeyId, secretAccessKey };
  });
}

function unquote(cell: string): string {
  return cell.trim().replace(/^"(.*)"$/, '$1').trim();
}

export interface BedrockClientHandle {
  client: BedrockRuntimeClient;
  /** 1-based position, for logs ("credential 2/3"); never the key itself. */
  label: string;
}

export interface BedrockClientPoolOptions {
  region: string;
  /** More client configuration: a named provider's `profile` (shared AWS config files) or `endpoint`. */
  clientConfig?: Pick<BedrockRuntimeClientConfig, 'profile' | 'endpoint'>;
  /** Static credentials to rotate across; empty: one client on the default AWS credential chain. */
  credentials: StaticCredential[];
  /** Milliseconds a throttled credential is skipped while others are available. */
  throttleCooldownMs?: number;
  /** Model calls share HTTP/2 sessions (see SharedSessionHttp2Handler); without it, the SDK's connection per call. */
  sharedSessions?: SharedSessionHttp2HandlerOptions;
  /** Builds each client; defaults to the SDK's client with its defaults (so AWS_ENDPOINT_URL_BEDROCK_RUNTIME applies). */
  createClient?: (config: BedrockRuntimeClientConfig) => BedrockRuntimeClient;
  now?: () => number;
}

/**
 * One Bedrock client per credential, handed out round-robin per request; a credential that was
 * throttled is skipped for a cooldown while another is available. Retries are the caller's
 * (clients make one attempt), so a throttled call moves on to the next credential at once.
 */
export class BedrockClientPool {
  private readonly handles: BedrockClientHandle[];
  private readonly cooldownUntil: number[];
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private cursor = 0;

  constructor(options: BedrockClientPoolOptions) {
    const create = options.createClient ?? ((config) => new BedrockRuntimeClient(config));
    const base: BedrockRuntimeClientConfig = { ...options.clientConfig, region: options.region, maxAttempts: 1 };
    const sharedSessions = options.sharedSessions;
    const configs = (options.credentials.length > 0 ? options.credentials.map((credentials) => ({ ...base, credentials })) : [base]).map((config) =>
      sharedSessions ? { ...config, requestHandler: new SharedSessionHttp2Handler(sharedSessions) } : config,
    );
    this.handles = configs.map((config, index) => ({ client: create(config), label: `${index + 1}/${configs.length}` }));
    this.cooldownUntil = this.handles.map(() => 0);
    this.cooldownMs = options.throttleCooldownMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.handles.length;
  }

  /** The next client in turn, skipping ones cooling down after throttling unless all are. */
  next(): BedrockClientHandle {
    const now = this.now();
    for (let step = 0; step < this.handles.length; step++) {
      const index = (this.cursor + step) % this.handles.length;
      if (this.cooldownUntil[index]! <= now) {
        this.cursor = index + 1;
        return this.handles[index]!;
      }
    }
    const index = this.cursor++ % this.handles.length;
    return this.handles[index]!;
  }

  reportThrottled(handle: BedrockClientHandle): void {
    const index = this.handles.indexOf(handle);
    if (index >= 0 && this.handles.length > 1) this.cooldownUntil[index] = this.now() + this.cooldownMs;
  }

  close(): void {
    for (const handle of this.handles) handle.client.destroy();
  }
}
