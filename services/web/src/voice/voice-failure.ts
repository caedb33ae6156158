import { VOICE_CLOSE_CODES, WS_CLOSE_CODES } from '@bedrock-mcp/contracts';

/** Why voice mode stopped or could not start. */
export type VoiceFailureKind =
  /** No `navigator.mediaDevices`: the page is not a secure context (HTTPS or localhost). */
  | 'insecure_context'
  /** The user or the browser refused the microphone (NotAllowedError). */
  | 'microphone_denied'
  /** No microphone (NotFoundError), or it is in use elsewhere (NotReadableError). */
  | 'microphone_unavailable'
  /** No Web Audio worklets in this browser. */
  | 'unsupported'
  /** POST /v1/voice/ticket failed. */
  | 'ticket'
  /** The gateway refused the socket (close 4401/4403/4400). */
  | 'refused'
  /** The voice model failed (an error frame, then close 1011). */
  | 'model'
  /** The connection dropped or the gateway closed it for another reason. */
  | 'connection';

export interface VoiceFailure {
  kind: VoiceFailureKind;
  /** A sentence that says what happened and what to do, to show as is. */
  message: string;
}

export class VoiceError extends Error {
  override readonly name = 'VoiceError';
  constructor(
    readonly kind: VoiceFailureKind,
    message: string,
  ) {
    super(message);
  }
}

export const VOICE_FAILURE_TITLES: Record<VoiceFailureKind, string> = {
  insecure_context: 'Voice needs a secure page',
  microphone_denied: 'The microphone is blocked',
  microphone_unavailable: 'No microphone available',
  unsupported: 'This browser cannot do voice',
  ticket: 'Voice could not start',
  refused: 'The gateway refused voice',
  model: 'The voice model failed',
  connection: 'The voice connection ended',
};

/** A getUserMedia rejection as a failure to show. */
export function microphoneFailure(error: unknown): VoiceFailure {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return { kind: 'microphone_denied', message: 'Allow microphone access for this site (the icon in the address bar), then press the microphone button again.' };
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') {
    return { kind: 'microphone_unavailable', message: 'No microphone was found: connect one and try again.' };
  }
  if (name === 'NotReadableError' || name === 'AbortError') {
    return { kind: 'microphone_unavailable', message: 'The microphone is in use by another application or could not be opened.' };
  }
  return { kind: 'microphone_unavailable', message: `The microphone could not be opened: ${error instanceof Error ? error.message : String(error)}` };
}

export function insecureContextFailure(origin: string): VoiceFailure {
  return {
    kind: 'insecure_context',
    message: `Browsers allow the microphone only on HTTPS pages (or localhost); this page is ${origin}. Open the chat over HTTPS to talk to the model.`,
  };
}

/** A close of the voice socket as a failure, or undefined for a normal end. `lastError` is the last error frame's message. */
export function closeFailure(code: number, reason: string, lastError: string | undefined): VoiceFailure | undefined {
  if (code === VOICE_CLOSE_CODES.normal || code === WS_CLOSE_CODES.goingAway) {
    return code === WS_CLOSE_CODES.goingAway ? { kind: 'connection', message: 'The gateway is restarting; press the microphone button to talk again.' } : undefined;
  }
  if (code === WS_CLOSE_CODES.unauthorized || code === WS_CLOSE_CODES.forbidden || code === VOICE_CLOSE_CODES.invalidRequest) {
    return { kind: 'refused', message: reason || 'The gateway refused the voice connection.' };
  }
  if (code === VOICE_CLOSE_CODES.modelFailed) return { kind: 'model', message: lastError ?? (reason || 'The voice model failed.') };
  if (code === VOICE_CLOSE_CODES.clientTooSlow) return { kind: 'connection', message: 'The connection was too slow for the spoken answer; try again on a better connection.' };
  if (code === VOICE_CLOSE_CODES.unavailable) return { kind: 'connection', message: lastError ?? (reason || 'The gateway could not start voice; try again later.') };
  return { kind: 'connection', message: reason ? `The voice connection closed: ${reason}` : `The voice connection was lost (code ${code}).` };
}
