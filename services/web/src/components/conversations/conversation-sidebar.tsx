import type { ConversationSummary } from '@bedrock-mcp/contracts';
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { describeGatewayError } from '../../api/gateway-error.js';
import { groupByDay } from '../../conversations/day-groups.js';
import type { ConversationListState } from '../../conversations/use-conversation-list.js';
import { ChatIcon, DownloadIcon, PencilIcon, PlusIcon, TrashIcon } from '../common/icons.js';

export interface ConversationSidebarProps {
  list: ConversationListState;
  /** The conversation shown (none in a new chat). */
  openId?: string;
  onOpen: (conversationId: string) => void;
  onNewChat: () => void;
  onSearch: (query: string) => void;
  onLoadMore: () => void;
  onRename: (conversationId: string, title: string) => Promise<void>;
  onDelete: (conversationId: string) => Promise<void>;
  /** Where a conversation downloads as Markdown. */
  exportUrl: (conversationId: string) => string;
}

function ConversationRow({
  conversation,
  open,
  onOpen,
  onRename,
  onDelete,
  exportUrl,
}: {
  conversation: ConversationSummary;
  open: boolean;
  exportUrl: string;
  onOpen: () => void;
  onRename: (title: string) => Promise<void>;
  onDelete: () => Promise<void>;
}) {
  const [mode, setMode] = useState<'view' | 'rename' | 'confirm'>('view');
  const [title, setTitle] = useState(conversation.title);
  const [error, setError] = useState<string>();
  const renameButton = useRef<HTMLButtonElement>(null);
  const label = conversation.title || 'Untitled conversation';

  const finish = (focusRename: boolean) => {
    setMode('view');
    if (focusRename) requestAnimationFrame(() => renameButton.current?.focus());
  };
  const saveTitle = async () => {
    const trimmed = title.trim();
    if (!trimmed || trimmed === conversation.title) return finish(true);
    try {
      await onRename(trimmed);
      setError(undefined);
      finish(true);
    } catch (caught) {
      setError(describeGatewayError(caught));
    }
  };
  const onRenameKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      void saveTitle();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setTitle(conversation.title);
      finish(true);
    }
  };
  const remove = async () => {
    try {
      await onDelete();
    } catch (caught) {
      setError(describeGatewayError(caught));
      setMode('view');
    }
  };

  return (
    <li className={`conversation-row${open ? ' conversation-open' : ''}`} data-testid="conversation-row" data-conversation-id={conversation.id}>
      {mode === 'rename' ? (
        <input
          className="conversation-rename"
          aria-label={`New title for ${label}`}
          value={title}
          maxLength={200}
          autoFocus
          onChange={(event) => setTitle(event.target.value)}
          onKeyDown={onRenameKey}
          onBlur={() => void saveTitle()}
        />
      ) : (
        <button type="button" className="conversation-link" aria-current={open ? 'page' : undefined} onClick={onOpen} title={label}>
          <span className="conversation-title">{label}</span>
          {conversation.active_turn_id ? (
            <span className="conversation-busy" title="Answering now">
              <span className="spinner" aria-hidden="true" />
              <span className="visually-hidden">answering now</span>
            </span>
          ) : null}
        </button>
      )}
      {mode === 'confirm' ? (
        <span className="confirm conversation-confirm" role="group" aria-label={`Confirm deleting ${label}`}>
          <span>Delete for good?</span>
          <button type="button" className="link-button danger" onClick={() => void remove()} autoFocus>
            Delete
          </button>
          <button type="button" className="link-button" onClick={() => finish(true)}>
            Cancel
          </button>
        </span>
      ) : mode === 'view' ? (
        <span className="conversation-actions">
          <button
            ref={renameButton}
            type="button"
            className="icon-button"
            aria-label={`Rename ${label}`}
            title="Rename"
            onClick={() => {
              setTitle(conversation.title);
              setMode('rename');
            }}
          >
            <PencilIcon size={14} />
          </button>
          <a className="icon-button" href={exportUrl} download aria-label={`Export ${label} as Markdown`} title="Export (Markdown)">
            <DownloadIcon size={14} />
          </a>
          <button type="button" className="icon-button" aria-label={`Delete ${label}`} title="Delete" onClick={() => setMode('confirm')}>
            <TrashIcon size={14} />
          </button>
        </span>
      ) : null}
      {error ? (
        <p className="inline-error small" role="alert">
          {error}
        </p>
      ) : null}
    </li>
  );
}

/** The person's conversations: new chat, search, newest first grouped by day, rename and delete, more as they scroll. */
export function ConversationSidebar({ list, openId, onOpen, onNewChat, onSearch, onLoadMore, onRename, onDelete, exportUrl }: ConversationSidebarProps) {
  const headingId = useId();
  const groups = useMemo(() => groupByDay(list.conversations, Date.now(), navigator.language), [list.conversations]);
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasMore, loading } = list;

  // More pages as the end of the list comes into view (the button does the same from the keyboard).
  useEffect(() => {
    const element = sentinel.current;
    if (!element || !hasMore || loading || typeof IntersectionObserver === 'undefined') return undefined;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) onLoadMore();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasMore, loading, onLoadMore]);

  return (
    <div className="sidebar-inner conversation-sidebar">
      <div className="sidebar-header">
        <h2 id={headingId}>
          <ChatIcon size={16} /> Chats
        </h2>
        <button type="button" className="button button-secondary new-chat" onClick={onNewChat}>
          <PlusIcon size={15} /> New chat
        </button>
      </div>
      <input
        type="search"
        className="conversation-search"
        placeholder="Search chats"
        aria-label="Search conversations"
        value={list.query}
        onChange={(event) => onSearch(event.target.value)}
      />
      {list.error ? (
        <p className="inline-error" role="alert">
          {list.error}
        </p>
      ) : null}
      <div className="conversation-groups" aria-labelledby={headingId} aria-busy={list.loading}>
        {groups.map((group) => (
          <section key={group.key} aria-label={group.label}>
            <h3>{group.label}</h3>
            <ul className="conversation-list">
              {group.conversations.map((conversation) => (
                <ConversationRow
                  key={conversation.id}
                  conversation={conversation}
                  open={conversation.id === openId}
                  onOpen={() => onOpen(conversation.id)}
                  onRename={(title) => onRename(conversation.id, title)}
                  onDelete={() => onDelete(conversation.id)}
                  exportUrl={exportUrl(conversation.id)}
                />
              ))}
            </ul>
          </section>
        ))}
        {!list.loading && list.conversations.length === 0 && !list.error ? (
          <p className="muted small">{list.query.trim() ? 'No chat matches the search.' : 'No chats yet: your conversations appear here.'}</p>
        ) : null}
        {list.loading ? <p className="muted small">Loading…</p> : null}
        {hasMore && !loading ? (
          <div ref={sentinel}>
            <button type="button" className="link-button" onClick={onLoadMore}>
              Show more chats
            </button>
          </div>
        ) : null}
      </div>
    </div>
  );
}
