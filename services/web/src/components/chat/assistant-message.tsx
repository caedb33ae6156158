import type { TurnAnswersInput } from '@bedrock-mcp/contracts';
import { memo } from 'react';
import { pendingAsks, type TurnState } from '../../chat/turn-reducer.js';
import { AlertIcon, RefreshIcon, SparkIcon } from '../common/icons.js';
import { AskCard } from './ask-card.js';
import { CopyButton } from './copy-button.js';
import { MarkdownView } from './markdown-view.js';
import { ThinkingPanel } from './thinking-panel.js';
import { formatDuration, ToolCard } from './tool-card.js';
import { turnText } from '../../chat/turn-reducer.js';

const ERROR_TITLES: Record<string, string> = {
  model_not_configured: 'The model is not configured',
  model_throttled: 'The model provider is throttling requests',
  model_error: 'The model returned an error',
  tool_catalog_error: 'The tools could not be loaded',
  timeout: 'The answer took too long',
  worker_lost: 'The worker handling this answer stopped',
  connection_lost: 'Connection lost',
  unauthorized: 'Not authorized',
  rate_limit_exceeded: 'Too many requests',
};

export interface AssistantMessageProps {
  turn: TurnState;
  /** Answers the turn's asks (approval cards, elicitation forms); absent: they are shown, not answerable. */
  onAnswer?: (turnId: string, answers: TurnAnswersInput) => Promise<void>;
  /** Regenerate (the last answer only, while no answer runs). */
  onRegenerate?: () => void;
}

/**
 * One answer: thinking, text, tool cards and what it asks the person, in the order they came.
 * Memoised: an answer that did not change is not rendered again while another streams.
 */
export const AssistantMessage = memo(function AssistantMessage({ turn, onAnswer, onRegenerate }: AssistantMessageProps) {
  const active = turn.status === 'sending' || turn.status === 'streaming' || turn.status === 'waiting';
  const firstPending = pendingAsks(turn)[0];
  const { turnId } = turn;
  const answer = onAnswer && turnId ? (answers: TurnAnswersInput) => onAnswer(turnId, answers) : undefined;
  const text = turnText(turn);
  const last = turn.blocks.at(-1);
  const waiting = active && turn.status !== 'waiting' && (!last || (last.kind === 'tool' && last.status !== 'running' && last.status !== 'preparing'));
  const duration = turn.startedAt && turn.endedAt ? turn.endedAt - turn.startedAt : undefined;
  return (
    <article className="message message-assistant" aria-busy={active} data-status={turn.status} data-testid="assistant-message">
      <div className="avatar avatar-assistant" aria-hidden="true">
        <SparkIcon size={16} />
      </div>
      <div className="message-content">
        {turn.blocks.map((block) => {
          if (block.kind === 'thinking') return <ThinkingPanel key={block.id} block={block} />;
          if (block.kind === 'tool') return <ToolCard key={block.id} tool={block} />;
          if (block.kind === 'ask') {
            return <AskCard key={block.id} block={block} turnActive={active} takeFocus={block === firstPending} onAnswer={answer} />;
          }
          return <MarkdownView key={block.id} text={block.text} />;
        })}
        {waiting ? (
          <div className="typing" aria-label={turn.stopRequested ? 'Stopping' : 'The model is working'}>
            <span />
            <span />
            <span />
            {turn.stopRequested ? <em className="muted">Stopping…</em> : null}
          </div>
        ) : null}
        {turn.status === 'waiting' && !turn.stopRequested ? (
          <p className="turn-waiting" data-testid="turn-waiting">
            <span className="badge badge-warn">waiting for you</span>
          </p>
        ) : null}
        {active && !waiting && turn.stopRequested ? <p className="muted">Stopping…</p> : null}
        {turn.error?.code === 'model_not_configured' ? (
          <p className="muted turn-note">No answer: the server has no model provider configured yet (see the notice above).</p>
        ) : turn.error ? (
          <div className="turn-error" role="alert">
            <AlertIcon size={16} />
            <div>
              <strong>{ERROR_TITLES[turn.error.code] ?? 'Error'}</strong>
              <p>{turn.error.message}</p>
            </div>
          </div>
        ) : null}
        {!active ? (
          <footer className="message-footer">
            {turn.status === 'stopped' ? <span className="badge">stopped</span> : null}
            {turn.finishReason === 'max_tokens' ? <span className="badge badge-warn">cut off at max tokens</span> : null}
            {turn.finishReason === 'max_turns' ? <span className="badge badge-warn">tool round limit reached</span> : null}
            {turn.usage && turn.usage.totalTokens > 0 ? (
              <span className="muted" title={`${turn.usage.inputTokens} in, ${turn.usage.outputTokens} out`}>
                {turn.usage.totalTokens.toLocaleString()} tokens
              </span>
            ) : null}
            {duration !== undefined ? <span className="muted">{formatDuration(duration)}</span> : null}
            {text ? <CopyButton text={text} label="Copy answer" /> : null}
            {onRegenerate ? (
              <button type="button" className="icon-button" aria-label="Regenerate the answer" title="Regenerate" onClick={onRegenerate}>
                <RefreshIcon size={14} />
              </button>
            ) : null}
          </footer>
        ) : null}
      </div>
    </article>
  );
});
