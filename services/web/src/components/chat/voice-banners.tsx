import { VOICE_FAILURE_TITLES } from '../../voice/voice-failure.js';
import type { VoiceState } from '../../voice/voice-reducer.js';
import { Banner } from '../layout/banner.js';

/** Why voice mode ended or could not start (microphone refused, page not secure, …), and its non-fatal notices. */
export function VoiceBanners({ state, onDismiss }: { state: VoiceState; onDismiss: () => void }) {
  if (state.failure) {
    return (
      <Banner tone="danger" title={VOICE_FAILURE_TITLES[state.failure.kind]} onDismiss={onDismiss}>
        {state.failure.message}
      </Banner>
    );
  }
  if (state.notices.length === 0) return null;
  return (
    <Banner tone="warn" title="Voice" onDismiss={onDismiss}>
      {state.notices.map((text) => (
        <p key={text}>{text}</p>
      ))}
    </Banner>
  );
}
