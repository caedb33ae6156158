import { useId } from 'react';
import type { ModelInfo } from '../../api/gateway-views.js';
import { VOICE_CHOICES, type ChatOptions } from '../../settings/chat-options.js';
import { Modal } from '../common/modal.js';
import { NumberInput } from '../common/number-input.js';
import { Switch } from '../common/switch.js';

export interface SettingsDialogProps {
  options: ChatOptions;
  onChange: (options: ChatOptions) => void;
  model: ModelInfo | undefined;
  onClose: () => void;
}

/** Chat settings (system prompt, max tokens, temperature, thinking) and the voice. */
export function SettingsDialog({ options, onChange, model, onClose }: SettingsDialogProps) {
  const id = useId();
  const set = <K extends keyof ChatOptions>(key: K, value: ChatOptions[K]) => onChange({ ...options, [key]: value });
  const thinkingOn = Boolean(model?.supports_thinking && options.enableThinking);
  const budgetAboveMax = thinkingOn && options.budgetTokens >= options.maxTokens;

  return (
    <Modal title="Settings" onClose={onClose} wide>
      <section className="settings-section" aria-labelledby={`${id}-chat`}>
        <h3 id={`${id}-chat`}>Chat</h3>
        <div className="field">
          <label htmlFor={`${id}-system`}>System prompt</label>
          <textarea
            id={`${id}-system`}
            rows={4}
            value={options.systemPrompt}
            placeholder="You are a helpful assistant…"
            onChange={(event) => set('systemPrompt', event.target.value)}
          />
        </div>
        <div className="form-row">
          <div className="field">
            <label htmlFor={`${id}-max`}>Max tokens</label>
            <NumberInput id={`${id}-max`} min={1} max={200_000} step={100} value={options.maxTokens} onChange={(value) => set('maxTokens', value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-temp`}>
              Temperature <span className="muted">{options.temperature.toFixed(2)}</span>
            </label>
            <input
              id={`${id}-temp`}
              type="range"
              min={0}
              max={1}
              step={0.05}
              value={options.temperature}
              onChange={(event) => set('temperature', Number(event.target.value))}
            />
          </div>
        </div>
        <Switch
          label="Voice: keep session on server"
          hint="Voice conversations continue the server-kept history of your default conversation. Typed chats are always kept on the server, one conversation each."
          checked={options.keepSession}
          onChange={(value) => set('keepSession', value)}
        />
        {model?.supports_thinking ? (
          <div className="thinking-settings">
            <Switch
              label="Extended thinking"
              hint={`${model.model_name} can reason before it answers; its reasoning streams in a panel.`}
              checked={options.enableThinking}
              onChange={(value) => set('enableThinking', value)}
            />
            {options.enableThinking ? (
              <div className="field">
                <label htmlFor={`${id}-budget`}>Thinking budget (tokens)</label>
                <NumberInput
                  id={`${id}-budget`}
                  min={1024}
                  max={128_000}
                  step={512}
                  value={options.budgetTokens}
                  onChange={(value) => set('budgetTokens', value)}
                />
                <p className="field-hint">
                  At least 1024.{budgetAboveMax ? ' It is above max tokens, so the server raises max tokens for these answers.' : ''}
                </p>
              </div>
            ) : null}
          </div>
        ) : (
          <p className="muted small">{model ? `${model.model_name} does not support extended thinking.` : 'Choose a model to see its options.'}</p>
        )}
      </section>
      <section className="settings-section" aria-labelledby={`${id}-voice`}>
        <h3 id={`${id}-voice`}>Voice</h3>
        <div className="field">
          <label htmlFor={`${id}-voice-id`}>Voice of spoken answers</label>
          <select id={`${id}-voice-id`} value={options.voiceId} onChange={(event) => set('voiceId', event.target.value)}>
            {VOICE_CHOICES.some((choice) => choice.id === options.voiceId) ? null : <option value={options.voiceId}>{options.voiceId}</option>}
            {VOICE_CHOICES.map((choice) => (
              <option key={choice.id} value={choice.id}>
                {choice.label}
              </option>
            ))}
          </select>
          <p className="field-hint">
            Press the microphone in the message box to talk with the model (Amazon Nova Sonic). It uses the MCP servers enabled in the sidebar, and with
            “Voice: keep session on server” it continues your default conversation’s server-side history.
          </p>
        </div>
      </section>
    </Modal>
  );
}
