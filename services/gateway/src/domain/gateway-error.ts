import { API_ERRORS, type ApiErrorCode } from '@bedrock-mcp/contracts';

/** A failure the client is told about: one code of the closed set, its message and the field at fault. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly param: string | null = null,
    /** Extra response headers (e.g. retry-after). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get status(): number {
    return API_ERRORS[this.code].status;
  }
}
