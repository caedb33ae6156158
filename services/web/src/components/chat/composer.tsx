import { useEffect, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import { ACCEPTED_FILE_TYPES, attachmentDataUrl, formatBytes, type Attachment } from '../../attachments/attachment.js';
import { CloseIcon, FileIcon, PaperclipIcon, SendIcon, StopIcon } from '../common/icons.js';
import { Switch } from '../common/switch.js';
import { VoiceButton, type VoiceControl } from './voice-button.js';

export interface ComposerProps {
  attachments: Attachment[];
  attachmentErrors: string[];
  onAddFiles: (files: File[]) => void;
  onRemoveAttachment: (id: string) => void;
  onDismissErrors: () => void;
  /** Returns a reason when the message was not sent. */
  onSend: (text: string) => string | undefined;
  onStop: () => void;
  streaming: boolean;
  disabledReason?: string;
  /** Text put in the box from outside (editing the last message); a new `key` puts it again. */
  draft?: { text: string; key: number };
  /** The last message is being edited: sending replaces it; cancel goes back to a new message. */
  editing?: { onCancel: () => void };
  thinkingSupported: boolean;
  thinking: boolean;
  onThinkingChange: (value: boolean) => void;
  /** The microphone button (voice mode); absent: no voice. */
  voice?: VoiceControl;
  /** What voice mode is doing, shown under the box while it runs. */
  voiceStatus?: string;
}

export function Composer(props: ComposerProps) {
  const [text, setText] = useState('');
  const [sendError, setSendError] = useState<string>();
  const fileInput = useRef<HTMLInputElement>(null);
  const textArea = useRef<HTMLTextAreaElement>(null);
  const { draft } = props;
  useEffect(() => {
    if (!draft) return;
    setText(draft.text);
    textArea.current?.focus();
  }, [draft]);
  const canSend = !props.streaming && !props.disabledReason && (text.trim().length > 0 || props.attachments.length > 0);

  const submit = () => {
    if (!canSend) return;
    const error = props.onSend(text.trim());
    setSendError(error);
    if (!error) {
      setText('');
      if (textArea.current) textArea.current.style.height = 'auto';
    }
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape' && props.streaming) {
      props.onStop();
    }
  };
  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = [...event.clipboardData.files];
    if (files.length > 0) {
      event.preventDefault();
      props.onAddFiles(files);
    }
  };
  const errors = [...props.attachmentErrors, ...(sendError ? [sendError] : [])];

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      {errors.length > 0 ? (
        <div className="composer-errors" role="alert">
          <ul>
            {errors.map((error) => (
              <li key={error}>{error}</li>
            ))}
          </ul>
          <button
            type="button"
            className="icon-button"
            aria-label="Dismiss"
            onClick={() => {
              props.onDismissErrors();
              setSendError(undefined);
            }}
          >
            <CloseIcon size={14} />
          </button>
        </div>
      ) : null}
      {props.editing ? (
        <div className="composer-editing" role="status">
          <span>Editing your last message: sending replaces it and its answer.</span>
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setText('');
              props.editing?.onCancel();
            }}
          >
            Cancel editing
          </button>
        </div>
      ) : null}
      {props.attachments.length > 0 ? (
        <ul className="attachment-list" aria-label="Attachments">
          {props.attachments.map((attachment) => (
            <li key={attachment.id} className="attachment">
              {attachment.kind === 'image' ? (
                <img src={attachmentDataUrl(attachment)} alt={`Preview of ${attachment.name}`} />
              ) : (
                <span className="attachment-icon">
                  <FileIcon size={18} />
                </span>
              )}
              <span className="attachment-name" title={attachment.name}>
                {attachment.name}
                <span className="muted">{formatBytes(attachment.size)}</span>
              </span>
              <button type="button" className="icon-button" aria-label={`Remove ${attachment.name}`} onClick={() => props.onRemoveAttachment(attachment.id)}>
                <CloseIcon size={14} />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="composer-box">
        <textarea
          ref={textArea}
          value={text}
          rows={1}
          placeholder={props.disabledReason ?? 'Message the model…'}
          aria-description="Enter sends, Shift+Enter starts a new line"
          aria-label="Message"
          onChange={(event) => {
            setText(event.target.value);
            const area = event.target;
            area.style.height = 'auto';
            area.style.height = `${Math.min(area.scrollHeight, 240)}px`;
          }}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <div className="composer-actions">
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            accept={ACCEPTED_FILE_TYPES}
            aria-label="Attach files"
            data-testid="file-input"
            onChange={(event) => {
              props.onAddFiles([...(event.target.files ?? [])]);
              event.target.value = '';
            }}
          />
          <button type="button" className="icon-button" aria-label="Attach images or documents" title="Attach images or documents" onClick={() => fileInput.current?.click()}>
            <PaperclipIcon />
          </button>
          {props.voice ? <VoiceButton {...props.voice} /> : null}
          {props.streaming ? (
            <button type="button" className="send-button stop" onClick={props.onStop} aria-label="Stop the answer" title="Stop (Esc)">
              <StopIcon size={16} />
            </button>
          ) : (
            <button type="submit" className="send-button" disabled={!canSend} aria-label="Send message" title="Send (Enter)">
              <SendIcon size={18} />
            </button>
          )}
        </div>
      </div>
      {props.voiceStatus ? (
        <p className="voice-status" role="status">
          <span className={`voice-dot${props.voice?.speaking ? ' voice-dot-speaking' : ''}`} aria-hidden="true" />
          {props.voiceStatus}
        </p>
      ) : null}
      <div className="composer-options">
        {props.thinkingSupported ? <Switch compact label="Thinking" checked={props.thinking} onChange={props.onThinkingChange} /> : null}
        <span className="composer-hint" aria-hidden="true">
          <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line
        </span>
      </div>
    </form>
  );
}
