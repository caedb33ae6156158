import { OpenAiErrorBodySchema, SeedResponseSchema } from '@bedrock-mcp/contracts';

/** A failed call to the gateway, with a message meant to be shown as is. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    message: string,
    /** HTTP status; 0 when the gateway could not be reached. */
    readonly status: number,
    /** The API error code (`unauthorized`, `conflict`, …) or a local one (`network`, `timeout`, `bad_response`). */
    readonly code: string,
  ) {
    super(message);
  }
}

/** Builds a GatewayError from an HTTP response body in any of the gateway's error shapes. */
export function gatewayErrorFromBody(status: number, body: unknown, fallbackText = ''): GatewayError {
  const openAi = OpenAiErrorBodySchema.safeParse(body);
  if (openAi.success) {
    return new GatewayError(openAi.data.error.message, status, openAi.data.error.code ?? openAi.data.error.type);
  }
  const seed = SeedResponseSchema.safeParse(body);
  if (seed.success) return new GatewayError(seed.data.msg, status, codeForStatus(status));
  const text = fallbackText.trim().slice(0, 300);
  return new GatewayError(text || `The gateway answered HTTP ${status}`, status, codeForStatus(status));
}

function codeForStatus(status: number): string {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status >= 500) return 'upstream_error';
  return status >= 400 ? 'invalid_request' : 'bad_response';
}

/** A sentence that says what to do about an error, for the places that show one. */
export function describeGatewayError(error: unknown): string {
  if (error instanceof GatewayError) {
    if (error.code === 'unauthorized') return `Not signed in (the session ended): ${error.message}`;
    if (error.code === 'csrf_failed') return `The gateway refused a request without this page's session token; reload the page: ${error.message}`;
    if (error.code === 'network') return error.message;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
