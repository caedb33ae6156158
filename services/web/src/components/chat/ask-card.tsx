import type { AskOutcome, TurnAnswersInput } from '@bedrock-mcp/contracts';
import { useEffect, useRef, useState } from 'react';
import type { AskBlock } from '../../chat/turn-reducer.js';
import { AlertIcon, CheckIcon, CloseIcon, KeyIcon, ServerIcon } from '../common/icons.js';
import { ApprovalActions, ArgumentsView } from './approval-card.js';
import { Countdown } from './countdown.js';
import { ElicitationForm } from './elicitation-form.js';

export interface AskCardProps {
  block: AskBlock;
  /** The turn still runs: an unanswered ask can be answered. */
  turnActive: boolean;
  /** The first unanswered ask of the conversation: it takes the focus when it appears, unless the person is typing elsewhere. */
  takeFocus: boolean;
  /** Sends the answer; rejects with the reason the gateway refused it. */
  onAnswer?: (answers: TurnAnswersInput) => Promise<void>;
}

const OUTCOME_TEXT: Record<AskOutcome, string> = {
  approved: 'Approved',
  denied: 'Denied',
  accepted: 'Submitted',
  declined: 'Declined',
  cancelled: 'Cancelled',
  expired: 'Expired: nobody answered in time',
};

function OutcomeIcon({ outcome }: { outcome: AskOutcome }) {
  if (outcome === 'approved' || outcome === 'accepted') return <CheckIcon size={15} />;
  if (outcome === 'expired') return <AlertIcon size={15} />;
  return <CloseIcon size={15} />;
}

/**
 * Whether a card may move the focus to itself: not while the person types a message (text in
 * the composer) or is busy in another card that still asks.
 */
function mayTakeFocus(card: HTMLElement): boolean {
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || active === document.body || card.contains(active)) return true;
  // Busy in another card that still asks; from one already answered, the focus moves on.
  if (active.closest('[data-testid="ask-card"]')?.getAttribute('data-state') === 'pending') return false;
  if (active instanceof HTMLTextAreaElement || active instanceof HTMLInputElement) return active.value.trim() === '';
  return !active.isContentEditable;
}

/** One ask of a turn, inline in the answer: an approval card or an elicitation form, then how it ended. */
export function AskCard({ block, turnActive, takeFocus, onAnswer }: AskCardProps) {
  const { ask, outcome } = block;
  const cardRef = useRef<HTMLElement>(null);
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<string>();
  const [error, setError] = useState<string>();
  const [remembered, setRemembered] = useState(false);
  const answerable = turnActive && outcome === undefined && sent === undefined && onAnswer !== undefined;

  useEffect(() => {
    const card = cardRef.current;
    if (takeFocus && answerable && card && mayTakeFocus(card)) card.focus();
    // Only when the card becomes the one to answer; not on every render.
  }, [takeFocus]);

  const submit = async (answers: TurnAnswersInput, sentText: string) => {
    if (!onAnswer || sending) return;
    // Disabled while sending, the pressed button may drop the focus to the page: it comes back to the card.
    const hadFocus = cardRef.current?.contains(document.activeElement) ?? false;
    const keepFocus = (evenFromTheCard: boolean) => {
      const card = cardRef.current;
      const active = document.activeElement;
      if (card && hadFocus && (!active || active === document.body || (evenFromTheCard && card.contains(active)))) card.focus();
    };
    setSending(true);
    setError(undefined);
    try {
      await onAnswer(answers);
      setSent(sentText);
      setRemembered(answers.approvals?.some((answer) => answer.remember === 'conversation') ?? false);
      // The buttons go: the focus stays on the card rather than falling to the page.
      keepFocus(true);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
      keepFocus(false);
    } finally {
      setSending(false);
    }
  };

  const approval = ask.kind === 'approval';
  const label = approval ? `Approval for ${ask.toolName} on ${ask.serverId}` : `Input requested by ${ask.serverId}`;
  const state = outcome ?? (sent ? 'sent' : answerable ? 'pending' : 'closed');
  const outcomeText = outcome
    ? `${OUTCOME_TEXT[outcome]}${block.edited ? ' with your arguments' : ''}${remembered && outcome === 'approved' ? ', and for the rest of this conversation' : ''}`
    : undefined;

  return (
    <section
      ref={cardRef}
      className={`ask-card ask-${ask.kind} ask-${state}`}
      tabIndex={-1}
      aria-label={label}
      aria-busy={sending}
      data-testid="ask-card"
      data-ask-kind={ask.kind}
      data-state={state}
    >
      <header className="ask-card-header">
        <span className="ask-icon" aria-hidden="true">
          {approval ? <KeyIcon size={15} /> : <ServerIcon size={15} />}
        </span>
        <span className="ask-title">
          <strong>{approval ? 'Approve this tool call?' : 'The server asks for input'}</strong>
          <span className="tool-name">
            <span className="tool-server">{ask.serverId}</span>
            {approval ? (
              <>
                <span className="tool-sep">›</span>
                <strong>{ask.toolName}</strong>
              </>
            ) : null}
          </span>
        </span>
        {outcome === undefined && turnActive && (answerable || sent) ? <Countdown expiresAt={block.expiresAt} running /> : null}
      </header>
      {answerable ? (
        <p className="visually-hidden" role="alert">
          {approval ? `Waiting for you: approve or deny ${ask.toolName} on ${ask.serverId}.` : `Waiting for you: ${ask.serverId} asks for input.`}
        </p>
      ) : null}

      <div className="ask-card-body">
        {approval ? (
          <>
            <p className="ask-reason">{ask.reason}</p>
            <ArgumentsView input={ask.input} />
            {answerable ? <ApprovalActions ask={ask} busy={sending} submit={submit} /> : null}
          </>
        ) : (
          <>
            <p className="ask-message">{ask.message}</p>
            {answerable ? <ElicitationForm ask={ask} busy={sending} submit={submit} /> : null}
          </>
        )}
        {error ? (
          <p className="inline-error" role="alert">
            The answer did not go through: {error}
          </p>
        ) : null}
        <div role="status" className="ask-outcome-line">
          {outcome ? (
            <span className={`ask-outcome ask-outcome-${outcome}`} data-testid="ask-outcome">
              <OutcomeIcon outcome={outcome} /> {outcomeText}
            </span>
          ) : sent ? (
            <span className="muted">Answer sent ({sent}); the answer continues…</span>
          ) : !turnActive ? (
            <span className="muted">Not answered: the answer ended.</span>
          ) : null}
        </div>
      </div>
    </section>
  );
}
