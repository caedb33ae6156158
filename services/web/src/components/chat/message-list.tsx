import type { TurnAnswersInput } from '@bedrock-mcp/contracts';
import { Fragment, useEffect, useRef, type ReactNode } from 'react';
import type { Conversation } from '../../chat/conversation.js';
import type { VoiceItem } from '../../voice/voice-reducer.js';
import { AssistantMessage } from './assistant-message.js';
import { UserMessage } from './user-message.js';
import { VoiceBubble, VoiceToolRow } from './voice-message.js';

export interface MessageListProps {
  conversation: Conversation;
  /** Transcript bubbles and tool cards of voice mode, each placed after the chat messages its `anchor` counts. */
  voiceItems?: readonly VoiceItem[];
  empty: ReactNode;
  /** Answers a turn's asks (approval cards, elicitation forms). */
  onAnswer?: (turnId: string, answers: TurnAnswersInput) => Promise<void>;
}

/** The conversation (typed and spoken); it follows new output while the reader is at the bottom. */
export function MessageList({ conversation, voiceItems = [], empty, onAnswer }: MessageListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  useEffect(() => {
    const element = scrollRef.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  }, [conversation, voiceItems]);

  const messages = conversation.messages;
  const voiceAt = (position: number) =>
    voiceItems
      .filter((item) => Math.min(item.anchor, messages.length) === position)
      .map((item) => (item.kind === 'utterance' ? <VoiceBubble key={item.id} item={item} /> : <VoiceToolRow key={item.id} item={item} />));

  return (
    <div
      ref={scrollRef}
      className="message-scroll"
      onScroll={(event) => {
        const element = event.currentTarget;
        pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
      }}
    >
      <div className="message-list" role="log" aria-live="polite" aria-label="Conversation">
        {messages.length === 0 && voiceItems.length === 0 ? (
          empty
        ) : (
          <>
            {messages.map((message, index) => (
              <Fragment key={message.id}>
                {voiceAt(index)}
                {message.role === 'user' ? <UserMessage message={message} /> : <AssistantMessage turn={message.turn} onAnswer={onAnswer} />}
              </Fragment>
            ))}
            {voiceAt(messages.length)}
          </>
        )}
      </div>
    </div>
  );
}
