import { BedrockRuntimeClient, type BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';

/**
 * Milliseconds a Sonic stream may pass with nothing sent or received before the SDK ends it. The
 * browser streams microphone audio all the time, so only a dead connection (or a client that sends
 * nothing) gets there; the session then renews the stream, and gives up after a few fruitless renewals.
 */
const SONIC_STREAM_IDLE_TIMEOUT_MS = 120_000;

/**
 * The Bedrock client the voice sessions share (one per gateway process): the SDK's defaults (the
 * standard credential chain, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`) plus the region, and an HTTP/2 handler
 * whose idle timeouts outlast quiet moments of a conversation (the SDK's default socket timeout would
 * cut a stream during a long pause). Each bidirectional stream gets its own HTTP/2 session, as the SDK
 * does for event streams anyway. `overrides` are for tests (endpoint, static credentials).
 */
export function createSonicClient(region: string, overrides: Partial<BedrockRuntimeClientConfig> = {}): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region,
    // A bidirectional stream cannot be replayed: a retry would lose what the user said.
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: SONIC_STREAM_IDLE_TIMEOUT_MS,
      sessionTimeout: SONIC_STREAM_IDLE_TIMEOUT_MS,
      disableConcurrentStreams: true,
    },
    ...overrides,
  });
}
