import type { TurnErrorCode } from '@bedrock-mcp/contracts';

/**
 * Why a model call failed, as the loop needs to know it: `throttled` and `unavailable` may be
 * retried (before any output), `not_configured` names the setting to fix, `rejected` is the
 * provider refusing the request (validation, access), `failed` anything else.
 */
export type ModelFailure = 'throttled' | 'unavailable' | 'not_configured' | 'rejected' | 'failed';

export class ModelCallError extends Error {
  override readonly name = 'ModelCallError';
  constructor(
    readonly failure: ModelFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return this.failure === 'throttled' || this.failure === 'unavailable';
  }

  /** The turn error code the client sees. */
  get turnErrorCode(): TurnErrorCode {
    if (this.failure === 'throttled') return 'model_throttled';
    if (this.failure === 'not_configured') return 'model_not_configured';
    return 'model_error';
  }
}

export const BEDROCK_NOT_CONFIGURED =
  'Bedrock is not configured: no AWS credentials were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or an AWS profile or role) and AWS_REGION, or add conf/credential.csv (columns ak,sk); or set use_bedrock=0 with COMPATIBLE_API_BASE (and COMPATIBLE_API_KEY) for an OpenAI-compatible provider';
export const OPENAI_NOT_CONFIGURED =
  'The OpenAI-compatible provider is not configured: set COMPATIBLE_API_BASE (and COMPATIBLE_API_KEY), or use Bedrock with use_bedrock=1, AWS credentials and AWS_REGION';

const THROTTLED = new Set(['ThrottlingException', 'TooManyRequestsException', 'ServiceQuotaExceededException']);
const UNAVAILABLE = new Set(['ServiceUnavailableException', 'InternalServerException', 'ModelNotReadyException', 'ModelStreamErrorException', 'TimeoutError', 'ECONNRESET', 'ECONNREFUSED']);
const CREDENTIALS = new Set(['CredentialsProviderError', 'UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException']);

/** An AWS SDK (or network) error → ModelCallError. */
export function fromBedrockError(error: unknown): ModelCallError {
  if (error instanceof ModelCallError) return error;
  const err = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err.name ?? err.code ?? 'Error';
  const status = err.$metadata?.httpStatusCode;
  const message = `Bedrock ${name}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(error)}`;
  if (name === 'CredentialsProviderError') return new ModelCallError('not_configured', BEDROCK_NOT_CONFIGURED, { cause: error });
  if (THROTTLED.has(name) || status === 429) return new ModelCallError('throttled', message, { cause: error });
  if (UNAVAILABLE.has(name) || UNAVAILABLE.has(err.code ?? '') || (status !== undefined && status >= 500)) {
    return new ModelCallError('unavailable', message, { cause: error });
  }
  if (CREDENTIALS.has(name)) return new ModelCallError('rejected', `${message} (check the AWS credentials)`, { cause: error });
  if (status !== undefined && status >= 400) return new ModelCallError('rejected', message, { cause: error });
  return new ModelCallError('failed', message, { cause: error });
}

/** An `openai` client (or network) error → ModelCallError. */
export function fromOpenAiError(error: unknown): ModelCallError {
  if (error instanceof ModelCallError) return error;
  const err = error as { name?: string; status?: number; message?: string };
  const status = typeof err.status === 'number' ? err.status : undefined;
  const message = `OpenAI-compatible API ${status ? `HTTP ${status}` : (err.name ?? 'error')}: ${err.message ?? String(error)}`;
  if (status === 429) return new ModelCallError('throttled', message, { cause: error });
  if ((status !== undefined && status >= 500) || err.name === 'APIConnectionError' || err.name === 'APIConnectionTimeoutError') {
    return new ModelCallError('unavailable', message, { cause: error });
  }
  if (status !== undefined && status >= 400) return new ModelCallError('rejected', message, { cause: error });
  return new ModelCallError('failed', message, { cause: error });
}
