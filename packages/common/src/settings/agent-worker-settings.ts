import { z } from 'zod';
import { bool, int, port, optionalString, ipRanges } from './setting-fields.js';

/** The agent-worker: the model provider, the tool loop, its job locks and image fetching. */
export const AGENT_WORKER_SETTINGS = {
  /** API key for COMPATIBLE_API_BASE. */
  COMPATIBLE_API_KEY: optionalString,
  /** CSV with columns ak,sk: Bedrock requests rotate across these credentials. */
  CREDENTIAL_CSV: z.string().default('conf/credential.csv'),
  /** Model rounds (one model call and the tool calls it asks for) one chat turn may take before it ends with finish reason max_turns. */
  MAX_MODEL_ROUNDS: int(200, 1, 10_000),
  /** The seed's name for MAX_MODEL_ROUNDS, still read; MAX_MODEL_ROUNDS wins when both are set. */
  MAX_TURNS: z.coerce.number().int().min(1).max(10_000).optional(),
  /** agent-worker's health/metrics bind address; loopback by default (containers set 0.0.0.0 for probes and scraping). */
  AGENT_WORKER_HOST: z.string().default('127.0.0.1'),
  /** agent-worker's health/metrics port. */
  AGENT_WORKER_PORT: port(7004),
  /** Concurrent turns per worker process. */
  WORKER_CONCURRENCY: int(20, 1, 1000),
  /** Longest one model call may run, in milliseconds. */
  MODEL_CALL_TIMEOUT_MS: int(300_000, 1000),
  /** agent-worker: milliseconds a worker's lock on a running turn's job lasts (BullMQ renews it at half this); a dead worker's turn is resumed after it expires. */
  WORKER_LOCK_DURATION_MS: int(30_000, 500),
  /** agent-worker: milliseconds between a worker's checks for stalled jobs (turns whose worker died). */
  WORKER_STALLED_INTERVAL_MS: int(30_000, 200),
  /** agent-worker: times one turn may stall and be resumed by another worker before it fails with worker_lost. */
  WORKER_MAX_STALLED_COUNT: int(2, 0, 100),
  /** agent-worker: attempts per model call on throttling/unavailable errors that happen before any output. */
  MODEL_MAX_ATTEMPTS: int(4, 1, 20),
  /** agent-worker: first retry delay (ms) of a model call; doubles per attempt (with jitter), capped at 8 s. */
  MODEL_RETRY_BASE_MS: int(250, 0, 60_000),
  /** agent-worker: milliseconds to fetch an http(s) image URL of a chat message. */
  IMAGE_FETCH_TIMEOUT_MS: int(10_000, 100),
  /** agent-worker: largest image (bytes) fetched from an http(s) URL of a chat message. */
  IMAGE_FETCH_MAX_BYTES: int(5 * 1024 * 1024, 1024),
  /** agent-worker: bytes all http(s) image URLs of one turn may download together (each also within IMAGE_FETCH_MAX_BYTES); past that the turn ends with invalid_request. */
  IMAGE_FETCH_MAX_TOTAL_BYTES: int(20 * 1024 * 1024, 1024),
  /** agent-worker: 1 lets image URLs of chat messages resolve to private, loopback or link-local addresses; 0 refuses them (users cannot make the worker fetch internal services). */
  IMAGE_FETCH_ALLOW_PRIVATE: bool(false),
  /** agent-worker: CIDR ranges (comma-separated) image URLs of chat messages may resolve to although they are private or reserved, e.g. an internal image host; every redirect is checked too. */
  IMAGE_FETCH_ALLOWED_RANGES: ipRanges,
};
