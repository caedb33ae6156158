import { useState } from 'react';
import type { ToolBlock, ToolStatus } from '../../chat/turn-reducer.js';
import { AlertIcon, CheckIcon, ChevronIcon, CloseIcon, SendIcon, ToolIcon } from '../common/icons.js';
import { prettyText, ToolResultView } from './tool-result-view.js';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

const STATUS_TEXT: Record<ToolStatus, string> = {
  preparing: 'Preparing',
  running: 'Running',
  done: 'Done',
  error: 'Failed',
  cancelled: 'Cancelled',
  client: 'Sent to the client to run',
};

function StatusIcon({ status }: { status: ToolStatus }) {
  if (status === 'preparing' || status === 'running') return <span className="spinner" aria-hidden="true" />;
  if (status === 'done') return <CheckIcon size={16} />;
  if (status === 'error') return <AlertIcon size={16} />;
  if (status === 'client') return <SendIcon size={14} />;
  return <CloseIcon size={16} />;
}

function inputDisplay(tool: ToolBlock): string {
  if (tool.input !== undefined) return JSON.stringify(tool.input, null, 2);
  return prettyText(tool.inputText).text;
}

/** One tool call: server and tool, input, progress, result (images inline), duration, error state. */
export function ToolCard({ tool }: { tool: ToolBlock }) {
  const [expanded, setExpanded] = useState(false);
  const active = tool.status === 'preparing' || tool.status === 'running';
  const displayName = tool.toolName ?? tool.name;
  const images = tool.result?.filter((part) => part.type === 'image') ?? [];
  const preview = tool.result
    ?.flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join(' ')
    .replace(/\s+/g, ' ')
    .slice(0, 200);
  const progress = tool.progress;
  const fraction = progress?.total ? Math.min(1, Math.max(0, progress.progress / progress.total)) : undefined;
  const bodyId = `tool-body-${tool.toolUseId}`;

  return (
    <section className={`tool-card tool-${tool.status}`} aria-label={`Tool call ${displayName}: ${STATUS_TEXT[tool.status]}`} data-testid="tool-card">
      <button type="button" className="tool-card-header" aria-expanded={expanded} aria-controls={bodyId} onClick={() => setExpanded(!expanded)}>
        <span className={`tool-status tool-status-${tool.status}`} title={STATUS_TEXT[tool.status]}>
          <StatusIcon status={tool.status} />
        </span>
        <ToolIcon size={15} className="muted" />
        <span className="tool-name">
          {tool.serverId ? <span className="tool-server">{tool.serverId}</span> : null}
          {tool.serverId ? <span className="tool-sep">›</span> : null}
          <strong>{displayName}</strong>
        </span>
        <span className="tool-meta">
          {tool.status === 'error' ? <span className="badge badge-danger">error</span> : null}
          {tool.status === 'cancelled' ? <span className="badge">cancelled</span> : null}
          {tool.status === 'client' ? <span className="badge">run by the client</span> : null}
          {tool.durationMs !== undefined ? <span className="tool-duration">{formatDuration(tool.durationMs)}</span> : null}
          {active ? <span className="muted">{STATUS_TEXT[tool.status]}…</span> : null}
        </span>
        <ChevronIcon size={16} className="chevron" />
      </button>

      {active ? (
        <div className="tool-progress">
          <div
            className={`progress-bar${fraction === undefined ? ' progress-indeterminate' : ''}`}
            role="progressbar"
            aria-label={`${displayName} progress`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={fraction === undefined ? undefined : Math.round(fraction * 100)}
          >
            <span style={fraction === undefined ? undefined : { width: `${fraction * 100}%` }} />
          </div>
          {progress ? (
            <span className="tool-progress-text">
              {progress.message ?? ''}
              {progress.total ? ` ${progress.progress}/${progress.total}` : ` ${progress.progress}`}
            </span>
          ) : null}
        </div>
      ) : null}

      {!expanded && preview ? <p className={`tool-preview${tool.status === 'error' ? ' danger' : ''}`}>{preview}</p> : null}
      {!expanded && images.length > 0 && tool.result ? <ToolResultView parts={images} /> : null}

      {expanded ? (
        <div className="tool-card-body" id={bodyId}>
          <details open className="tool-section">
            <summary>Input</summary>
            <pre className="json">{inputDisplay(tool) || '{}'}</pre>
          </details>
          {tool.result ? (
            <div className="tool-section">
              <div className="tool-section-title">{tool.status === 'error' ? 'Error' : 'Result'}</div>
              <ToolResultView parts={tool.result} />
            </div>
          ) : (
            <p className="muted">{active ? 'Waiting for the result…' : 'No result: the answer ended before the tool finished.'}</p>
          )}
        </div>
      ) : null}
    </section>
  );
}
