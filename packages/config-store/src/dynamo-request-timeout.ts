/**
 * Runs one AWS SDK call with an abort signal that fires after `timeoutMs` (covering the SDK's own
 * retries), and names the operation when it does.
 */
export async function withRequestTimeout<T>(
  operation: string,
  timeoutMs: number,
  call: (options: { abortSignal: AbortSignal }) => Promise<T>,
): Promise<T> {
  const abortSignal = AbortSignal.timeout(timeoutMs);
  try {
    return await call({ abortSignal });
  } catch (error) {
    if (abortSignal.aborted) throw new Error(`DynamoDB ${operation} timed out after ${timeoutMs} ms`, { cause: error });
    throw error;
  }
}
