import { memo } from 'react';
import type { UserChatMessage } from '../../chat/conversation.js';
import { attachmentDataUrl, formatBytes } from '../../attachments/attachment.js';
import { FileIcon, PencilIcon } from '../common/icons.js';

export interface UserMessageProps {
  message: UserChatMessage;
  /** Edit and resend (the last message only, while no answer runs). */
  onEdit?: () => void;
}

/** Memoised, as the answers are: a long conversation re-renders only what changed. */
export const UserMessage = memo(function UserMessage({ message, onEdit }: UserMessageProps) {
  return (
    <article className="message message-user" data-testid="user-message">
      <div className="user-bubble">
        {message.attachments.length > 0 ? (
          <div className="user-attachments">
            {message.attachments.map((attachment) =>
              attachment.kind === 'image' && (attachment.data || attachment.url) ? (
                <img key={attachment.id} className="user-image" src={attachment.url ?? attachmentDataUrl(attachment)} alt={attachment.name} loading="lazy" />
              ) : (
                <span key={attachment.id} className="file-chip">
                  <FileIcon size={14} />
                  {attachment.url ? (
                    <a href={attachment.url} download={attachment.name}>
                      {attachment.name}
                    </a>
                  ) : (
                    attachment.name
                  )}
                  <span className="muted">{formatBytes(attachment.size)}</span>
                </span>
              ),
            )}
          </div>
        ) : null}
        {message.text ? <p className="user-text">{message.text}</p> : null}
      </div>
      {onEdit ? (
        <button type="button" className="icon-button message-edit" aria-label="Edit your last message" title="Edit and resend" onClick={onEdit}>
          <PencilIcon size={14} />
        </button>
      ) : null}
    </article>
  );
});
