import type { TurnAnswersInput } from '@bedrock-mcp/contracts';
import { Fragment, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { Conversation } from '../../chat/conversation.js';
import type { VoiceItem } from '../../voice/voice-reducer.js';
import { AssistantMessage } from './assistant-message.js';
import { useFollowOutput } from './follow-output.js';
import { UserMessage } from './user-message.js';
import { VoiceBubble, VoiceToolRow } from './voice-message.js';

export interface MessageListProps {
  conversation: Conversation;
  /** Transcript bubbles and tool cards of voice mode, each placed after the chat messages its `anchor` counts. */
  voiceItems?: readonly VoiceItem[];
  empty: ReactNode;
  /** Answers a turn's asks (approval cards, elicitation forms). */
  onAnswer?: (turnId: string, answers: TurnAnswersInput) => Promise<void>;
  /** Loads the page of messages before the first one shown (the conversation has `firstIndex` more). */
  onLoadEarlier?: () => void;
  loadingEarlier?: boolean;
  /** Edit and resend the last user message; absent while it cannot be (an answer runs). */
  onEditLast?: () => void;
  /** Regenerate the last answer; absent while it cannot be. */
  onRegenerate?: () => void;
}

/**
 * Messages rendered at first, and added each time the reader scrolls to the top: a long
 * conversation renders only its end, so opening one of thousands of messages stays quick.
 */
const RENDER_STEP = 50;
/** Messages a "Load earlier messages" page adds (as many as the chat asks the server for). */
const SERVER_PAGE = 100;

/**
 * The conversation (typed and spoken); it follows new output while the reader is at the bottom.
 * Only its last messages are rendered; earlier ones as the reader scrolls up to them.
 */
export function MessageList({ conversation, voiceItems = [], empty, onAnswer, onLoadEarlier, loadingEarlier = false, onEditLast, onRegenerate }: MessageListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const followScroll = useFollowOutput(scrollRef, listRef, conversation.id);
  /** The distance from the bottom when earlier messages were asked for: kept when they come in above. */
  const fromBottom = useRef<number | undefined>(undefined);
  const messages = conversation.messages;
  const [shownCount, setShownCount] = useState(RENDER_STEP);
  const start = Math.max(0, messages.length - shownCount);
  const firstId = messages[start]?.id;

  // Another conversation: its end, following new output.
  const [shownFor, setShownFor] = useState(conversation.id);
  if (shownFor !== conversation.id) {
    setShownFor(conversation.id);
    setShownCount(RENDER_STEP);
  }
  /** Shows `count` more messages above, keeping the ones in view where they are. */
  const revealEarlier = (count: number) => {
    const element = scrollRef.current;
    if (element) fromBottom.current = element.scrollHeight - element.scrollTop;
    setShownCount((shown) => shown + count);
  };

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element || fromBottom.current === undefined) return;
    element.scrollTop = element.scrollHeight - fromBottom.current;
    fromBottom.current = undefined;
  }, [firstId]);

  const voiceAt = (position: number) =>
    voiceItems
      .filter((item) => Math.max(start, Math.min(item.anchor, messages.length)) === position)
      .map((item) => (item.kind === 'utterance' ? <VoiceBubble key={item.id} item={item} /> : <VoiceToolRow key={item.id} item={item} />));
  const lastUser = messages.findLastIndex((message) => message.role === 'user');
  const lastIndex = messages.length - 1;

  const loadEarlier = () => {
    revealEarlier(SERVER_PAGE);
    onLoadEarlier?.();
  };

  return (
    <div
      ref={scrollRef}
      className="message-scroll"
      onScroll={(event) => {
        followScroll(event);
        const element = event.currentTarget;
        if (element.scrollTop < 200 && start > 0 && fromBottom.current === undefined) revealEarlier(RENDER_STEP);
      }}
    >
      <div ref={listRef} className="message-list" role="log" aria-live="polite" aria-label="Conversation">
        {messages.length === 0 && voiceItems.length === 0 ? (
          empty
        ) : (
          <>
            {/* Keyed apart: a click aimed at "Show earlier" must not land on "Load earlier" drawn in its place by a scroll. */}
            {start > 0 ? (
              <div className="load-earlier" key="show-earlier">
                <button type="button" className="button button-secondary" onClick={() => revealEarlier(RENDER_STEP)}>
                  Show earlier messages ({start.toLocaleString()} more)
                </button>
              </div>
            ) : conversation.firstIndex > 0 && onLoadEarlier ? (
              <div className="load-earlier" key="load-earlier">
                <button type="button" className="button button-secondary" onClick={loadEarlier} disabled={loadingEarlier}>
                  {loadingEarlier ? 'Loading…' : `Load earlier messages (${conversation.firstIndex.toLocaleString()} more)`}
                </button>
              </div>
            ) : null}
            {messages.slice(start).map((message, offset) => {
              const index = start + offset;
              return (
                <Fragment key={message.id}>
                  {voiceAt(index)}
                  {message.role === 'user' ? (
                    <UserMessage message={message} onEdit={index === lastUser ? onEditLast : undefined} />
                  ) : (
                    <AssistantMessage turn={message.turn} onAnswer={onAnswer} onRegenerate={index === lastIndex && index === lastUser + 1 ? onRegenerate : undefined} />
                  )}
                </Fragment>
              );
            })}
            {voiceAt(messages.length)}
          </>
        )}
      </div>
    </div>
  );
}
