import type { VoiceStatus } from '../../voice/voice-reducer.js';
import { MicIcon, StopIcon } from '../common/icons.js';

export interface VoiceControl {
  status: VoiceStatus;
  /** The assistant's answer is playing. */
  speaking: boolean;
  onStart: () => void;
  onStop: () => void;
  /** Why voice cannot start now (e.g. the server list is loading). */
  disabledReason?: string;
}

const STATUS_LABEL: Record<VoiceStatus, string> = {
  idle: 'Start a voice conversation',
  starting: 'Starting voice… (press to cancel)',
  live: 'Stop the voice conversation',
  stopping: 'Stopping voice…',
};

/** The composer's microphone button: starts and ends voice mode, and shows its state. */
export function VoiceButton({ status, speaking, onStart, onStop, disabledReason }: VoiceControl) {
  const active = status !== 'idle';
  const label = status === 'idle' && disabledReason ? `Voice: ${disabledReason}` : STATUS_LABEL[status];
  return (
    <button
      type="button"
      className={`icon-button voice-button voice-${status}${speaking ? ' voice-speaking' : ''}`}
      aria-label={label}
      aria-pressed={active}
      title={label}
      disabled={status === 'stopping' || (status === 'idle' && Boolean(disabledReason))}
      onClick={() => (active ? onStop() : onStart())}
      data-testid="voice-button"
    >
      {status === 'live' ? <StopIcon size={14} /> : <MicIcon />}
      {status === 'starting' ? <span className="spinner voice-spinner" aria-hidden="true" /> : null}
    </button>
  );
}

/** One line under the composer while voice mode runs. */
export function voiceStatusText(status: VoiceStatus, speaking: boolean, voiceId: string | undefined): string | undefined {
  if (status === 'starting') return 'Starting voice: allow the microphone if the browser asks…';
  if (status === 'stopping') return 'Ending the voice conversation…';
  if (status !== 'live') return undefined;
  const voice = voiceId ? ` (voice: ${voiceId})` : '';
  return speaking ? `Speaking${voice} — talk to interrupt` : `Listening${voice} — just speak; press the stop button to end`;
}
