import type { VoiceToolItem, VoiceUtterance } from '../../voice/voice-reducer.js';
import { MicIcon, SparkIcon } from '../common/icons.js';
import { ToolCard } from './tool-card.js';

/** A spoken utterance's transcript: one bubble per utterance, updated in place; the model's unspoken plan is lighter. */
export function VoiceBubble({ item }: { item: VoiceUtterance }) {
  if (item.role === 'user') {
    return (
      <article className="message message-user voice-message" data-testid="voice-bubble" data-role="user">
        <div className="user-bubble">
          <p className="user-text">
            <MicIcon size={14} className="voice-mark" />
            <span className="visually-hidden">Spoken: </span>
            {item.text}
          </p>
        </div>
      </article>
    );
  }
  return (
    <article className="message message-assistant voice-message" data-testid="voice-bubble" data-role="assistant" data-final={item.final}>
      <div className="avatar avatar-assistant" aria-hidden="true">
        <SparkIcon size={16} />
      </div>
      <div className="message-content">
        <p className={`voice-text${item.final ? '' : ' voice-speculative'}`} title={item.final ? undefined : 'Planned answer, not spoken yet'}>
          {item.text}
        </p>
      </div>
    </article>
  );
}

/** A tool the model called while talking: the same card as in text chat. */
export function VoiceToolRow({ item }: { item: VoiceToolItem }) {
  return (
    <div className="message message-assistant voice-message voice-tool">
      <div className="avatar avatar-spacer" aria-hidden="true" />
      <div className="message-content">
        <ToolCard tool={item.tool} />
      </div>
    </div>
  );
}
