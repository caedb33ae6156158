import type { ApiErrorCode, VoiceServerFrame } from '@bedrock-mcp/contracts';

/**
 * Bedrock ends a Nova Sonic session at its time limit with ModelTimeoutException ("Model has timed out
 * in processing the request"); such a stream is renewed, not reported.
 */
export function isSessionTimeout(error: unknown): boolean {
  const { name, message } = describe(error);
  return name === 'ModelTimeoutException' || name === 'modelTimeoutException' || /timed out/i.test(message);
}

const CODE_OF_EXCEPTION: Readonly<Record<string, ApiErrorCode>> = {
  ThrottlingException: 'rate_limit_exceeded',
  ServiceUnavailableException: 'service_unavailable',
  ModelTimeoutException: 'timeout',
  TimeoutError: 'timeout',
  AbortError: 'timeout',
};

/** The error frame a model failure becomes; the message is Bedrock's own (it carries no secrets). */
export function voiceErrorFrame(error: unknown, context: string): Extract<VoiceServerFrame, { type: 'error' }> {
  const { name, message } = describe(error);
  return { type: 'error', code: CODE_OF_EXCEPTION[name] ?? 'upstream_error', message: `${context}: ${message || name}` };
}

function describe(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
