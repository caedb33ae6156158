import type { UserChatMessage } from '../../chat/conversation.js';
import { attachmentDataUrl, formatBytes } from '../../attachments/attachment.js';
import { FileIcon } from '../common/icons.js';

export function UserMessage({ message }: { message: UserChatMessage }) {
  return (
    <article className="message message-user" data-testid="user-message">
      <div className="user-bubble">
        {message.attachments.length > 0 ? (
          <div className="user-attachments">
            {message.attachments.map((attachment) =>
              attachment.kind === 'image' && attachment.data ? (
                <img key={attachment.id} className="user-image" src={attachmentDataUrl(attachment)} alt={attachment.name} />
              ) : (
                <span key={attachment.id} className="file-chip">
                  <FileIcon size={14} />
                  {attachment.name}
                  <span className="muted">{formatBytes(attachment.size)}</span>
                </span>
              ),
            )}
          </div>
        ) : null}
        {message.text ? <p className="user-text">{message.text}</p> : null}
      </div>
    </article>
  );
}
