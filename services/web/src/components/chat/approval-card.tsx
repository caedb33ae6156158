import type { ApprovalAsk, ApprovalAnswer, TurnAnswersInput } from '@bedrock-mcp/contracts';
import { useId, useRef, useState } from 'react';

/** Arguments longer than this (lines) are shown folded, with a button to show them all. */
const FOLD_LINES = 12;
const FOLDED_LINES = 8;

function pretty(input: unknown): string {
  if (input === undefined) return '{}';
  try {
    return JSON.stringify(input, null, 2);
  } catch {
    return String(input);
  }
}

/** The tool call's arguments, pretty-printed; long ones folded. */
export function ArgumentsView({ input }: { input: unknown }) {
  const [expanded, setExpanded] = useState(false);
  const id = useId();
  const text = pretty(input);
  const lines = text.split('\n');
  const foldable = lines.length > FOLD_LINES;
  return (
    <div className="ask-arguments">
      <div className="tool-section-title">Arguments</div>
      <pre className="json" id={id} data-testid="ask-arguments">
        {foldable && !expanded ? `${lines.slice(0, FOLDED_LINES).join('\n')}\n…` : text}
      </pre>
      {foldable ? (
        <button type="button" className="link-button" aria-expanded={expanded} aria-controls={id} onClick={() => setExpanded(!expanded)}>
          {expanded ? 'Show less' : `Show all ${lines.length} lines`}
        </button>
      ) : null}
    </div>
  );
}

/** The edited arguments: an object, or why not. */
function parseEditedArguments(text: string): { value: Record<string, unknown> } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'The arguments must be a JSON object ({ … }).' };
  return { value: value as Record<string, unknown> };
}

export interface ApprovalActionsProps {
  ask: ApprovalAsk;
  busy: boolean;
  submit: (answers: TurnAnswersInput, summary: string) => Promise<void>;
}

/** Approve / Deny / Always for this conversation, with optional edited arguments and a message to the model. */
export function ApprovalActions({ ask, busy, submit }: ApprovalActionsProps) {
  const [editing, setEditing] = useState(false);
  const [argumentsText, setArgumentsText] = useState(() => pretty(ask.input));
  const [argumentsError, setArgumentsError] = useState<string>();
  const [writing, setWriting] = useState(false);
  const [message, setMessage] = useState('');
  const argumentsRef = useRef<HTMLTextAreaElement>(null);
  const argumentsId = useId();
  const argumentsErrorId = useId();
  const messageId = useId();

  const send = (decision: ApprovalAnswer['decision'], remember: boolean) => {
    const answer: ApprovalAnswer = { id: ask.id, decision };
    if (decision === 'approve' && editing) {
      const parsed = parseEditedArguments(argumentsText);
      if ('error' in parsed) {
        setArgumentsError(parsed.error);
        argumentsRef.current?.focus();
        return;
      }
      // Unchanged arguments are not sent: the model is told only when the person changed them.
      if (JSON.stringify(parsed.value) !== JSON.stringify(ask.input)) answer.arguments = parsed.value;
    }
    if (remember) answer.remember = 'conversation';
    if (writing && message.trim()) answer.message = message.trim();
    const summary = decision === 'deny' ? 'denied' : remember ? 'approved for this conversation' : 'approved';
    void submit({ approvals: [answer] }, summary);
  };

  return (
    <div className="ask-actions">
      <div className="button-row" role="group" aria-label={`Answer for ${ask.toolName}`}>
        <button type="button" className="button button-primary" disabled={busy} onClick={() => send('approve', false)}>
          Approve
        </button>
        <button type="button" className="button button-secondary button-deny" disabled={busy} onClick={() => send('deny', false)}>
          Deny
        </button>
        <button
          type="button"
          className="button button-secondary"
          disabled={busy}
          onClick={() => send('approve', true)}
          title={`Approve ${ask.toolName} now and every later call of it in this conversation`}
        >
          Always for this conversation
        </button>
      </div>
      <div className="ask-options">
        <button type="button" className="link-button" aria-expanded={editing} aria-controls={argumentsId} onClick={() => setEditing(!editing)}>
          Edit arguments
        </button>
        <button type="button" className="link-button" aria-expanded={writing} aria-controls={messageId} onClick={() => setWriting(!writing)}>
          Add a message to the model
        </button>
      </div>
      {editing ? (
        <label className="ask-field" htmlFor={argumentsId}>
          <span>Arguments (JSON), used when you approve</span>
          <textarea
            ref={argumentsRef}
            id={argumentsId}
            className="json-input"
            rows={Math.min(14, argumentsText.split('\n').length + 1)}
            spellCheck={false}
            value={argumentsText}
            aria-invalid={argumentsError !== undefined}
            aria-describedby={argumentsError ? argumentsErrorId : undefined}
            onChange={(event) => {
              setArgumentsText(event.target.value);
              const parsed = parseEditedArguments(event.target.value);
              setArgumentsError('error' in parsed ? parsed.error : undefined);
            }}
          />
          {argumentsError ? (
            <span className="field-error" id={argumentsErrorId}>
              {argumentsError}
            </span>
          ) : null}
        </label>
      ) : null}
      {writing ? (
        <label className="ask-field" htmlFor={messageId}>
          <span>Message to the model (optional)</span>
          <textarea id={messageId} rows={2} maxLength={4000} value={message} onChange={(event) => setMessage(event.target.value)} />
        </label>
      ) : null}
    </div>
  );
}
