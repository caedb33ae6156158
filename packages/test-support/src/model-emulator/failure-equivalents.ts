import type { HttpFailure, StreamExceptionName, StreamFailure } from './types.js';

const STATUS_OF_STREAM_EXCEPTION: Record<StreamExceptionName, number> = {
  validationException: 400,
  modelStreamErrorException: 424,
  throttlingException: 429,
  internalServerException: 500,
  serviceUnavailableException: 503,
};

/** `throttlingException` → `ThrottlingException`: the event name and the error shape name differ only in case. */
function shapeNameOf(exception: StreamExceptionName): string {
  return exception.charAt(0).toUpperCase() + exception.slice(1);
}

/** A stream failure hitting a non-streaming request becomes the HTTP error of the same exception. */
export function httpEquivalentOf(failure: StreamFailure): HttpFailure {
  return {
    kind: 'http',
    status: STATUS_OF_STREAM_EXCEPTION[failure.exception],
    errorType: shapeNameOf(failure.exception),
    message: failure.message ?? defaultFailureMessage(failure.exception),
  };
}

export function defaultFailureMessage(reason: StreamExceptionName | number): string {
  return `emulated failure: ${String(reason)}`;
}
