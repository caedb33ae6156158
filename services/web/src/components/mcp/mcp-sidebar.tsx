import { useState } from 'react';
import type { GatewayClient } from '../../api/gateway-client.js';
import { describeGatewayError } from '../../api/gateway-error.js';
import type { McpServerInfo } from '../../api/gateway-views.js';
import { approvalBadgeText } from '../../mcp/approval-badge.js';
import { KeyIcon, PlusIcon, RefreshIcon, ServerIcon, ToolIcon, TrashIcon } from '../common/icons.js';
import { AddServerDialog } from './add-server-dialog.js';
import { ServerToolsDialog } from './server-tools-dialog.js';

export interface McpSidebarProps {
  client: GatewayClient;
  servers: McpServerInfo[];
  loaded: boolean;
  error?: string;
  poolError?: string;
  onRefresh: () => Promise<void>;
  isEnabled: (server: McpServerInfo) => boolean;
  onToggle: (serverId: string, enabled: boolean) => void;
}

const STATUS_LABEL: Record<McpServerInfo['status'], string> = {
  stopped: 'idle',
  starting: 'starting',
  ready: 'ready',
  error: 'error',
  unknown: 'unknown',
};
const STATUS_TITLE: Record<McpServerInfo['status'], string> = {
  stopped: 'Not running: starts when a chat uses it',
  starting: 'Starting…',
  ready: 'Running and ready',
  error: 'Failed',
  unknown: 'Status unknown',
};

function ServerRow({
  server,
  enabled,
  onToggle,
  onShowTools,
  onRemove,
}: {
  server: McpServerInfo;
  enabled: boolean;
  onToggle: (enabled: boolean) => void;
  onShowTools: () => void;
  onRemove?: () => void;
}) {
  const checkboxId = `server-${server.id}`;
  const badgeId = `server-${server.id}-approval`;
  const approval = approvalBadgeText(server.requireApproval);
  const [confirming, setConfirming] = useState(false);
  return (
    <li className={`server-row server-${server.status}`} data-testid="server-row" data-server-id={server.id}>
      <div className="server-main">
        <input
          id={checkboxId}
          type="checkbox"
          role="switch"
          className="mini-switch"
          checked={enabled}
          onChange={(event) => onToggle(event.target.checked)}
          aria-describedby={approval ? badgeId : undefined}
        />
        <label htmlFor={checkboxId} className="server-label">
          <span className="server-name">{server.name}</span>
          <span className="server-id">{server.id}</span>
        </label>
        {approval ? (
          <span className="badge badge-approval" id={badgeId} title={approval} data-testid="approval-badge">
            <KeyIcon size={11} aria-hidden="true" />
            <span aria-hidden="true">asks</span>
            <span className="visually-hidden">{approval}</span>
          </span>
        ) : null}
        <span className={`status-dot status-${server.status}`} title={STATUS_TITLE[server.status]}>
          <span className="visually-hidden">Status: </span>
          {STATUS_LABEL[server.status]}
        </span>
      </div>
      {server.status === 'error' && server.message ? <p className="server-error">{server.message}</p> : null}
      {server.status === 'error' && server.stderrTail.length > 0 ? (
        <details className="server-stderr">
          <summary>Server output</summary>
          <pre>{server.stderrTail.join('\n')}</pre>
        </details>
      ) : null}
      <div className="server-actions">
        <button type="button" className="link-button" onClick={onShowTools} aria-label={`Show the tools of ${server.name}`}>
          <ToolIcon size={13} /> Tools
        </button>
        {onRemove && !confirming ? (
          <button type="button" className="link-button danger" onClick={() => setConfirming(true)} aria-label={`Remove ${server.name}`}>
            <TrashIcon size={13} /> Remove
          </button>
        ) : null}
        {onRemove && confirming ? (
          <span className="confirm" role="group" aria-label={`Confirm removing ${server.name}`}>
            <span>Remove?</span>
            <button type="button" className="link-button danger" onClick={onRemove} autoFocus>
              Yes, remove
            </button>
            <button type="button" className="link-button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </span>
        ) : null}
      </div>
    </li>
  );
}

/** Global and personal MCP servers: status, a per-chat switch, add, remove, tools. */
export function McpSidebar({ client, servers, loaded, error, poolError, onRefresh, isEnabled, onToggle }: McpSidebarProps) {
  const [adding, setAdding] = useState(false);
  const [toolsOf, setToolsOf] = useState<McpServerInfo>();
  const [removeError, setRemoveError] = useState<string>();
  const globals = servers.filter((server) => server.scope === 'global');
  const personal = servers.filter((server) => server.scope !== 'global');

  const remove = async (server: McpServerInfo) => {
    setRemoveError(undefined);
    try {
      await client.removeMcpServer(server.id);
      onToggle(server.id, false);
    } catch (caught) {
      setRemoveError(describeGatewayError(caught));
    }
    await onRefresh();
  };

  const renderRows = (list: McpServerInfo[], removable: boolean) => (
    <ul className="server-list">
      {list.map((server) => (
        <ServerRow
          key={server.id}
          server={server}
          enabled={isEnabled(server)}
          onToggle={(enabled) => onToggle(server.id, enabled)}
          onShowTools={() => setToolsOf(server)}
          onRemove={removable ? () => void remove(server) : undefined}
        />
      ))}
    </ul>
  );

  return (
    <div className="sidebar-inner">
      <div className="sidebar-header">
        <h2>
          <ServerIcon size={16} /> MCP servers
        </h2>
        <button type="button" className="icon-button" onClick={() => void onRefresh()} aria-label="Refresh the server list" title="Refresh">
          <RefreshIcon size={16} />
        </button>
      </div>
      <p className="sidebar-hint">Switch on the servers whose tools the model may use in this chat.</p>
      {error ? (
        <p className="inline-error" role="alert">
          {error}
        </p>
      ) : null}
      {poolError ? <p className="inline-warning">Live status unavailable: {poolError}</p> : null}
      {removeError ? (
        <p className="inline-error" role="alert">
          {removeError}
        </p>
      ) : null}
      {!loaded && !error ? <p className="muted">Loading servers…</p> : null}
      {globals.length > 0 ? (
        <section aria-label="Global servers">
          <h3>Global</h3>
          {renderRows(globals, false)}
        </section>
      ) : null}
      <section aria-label="Your servers">
        <h3>Yours</h3>
        {personal.length > 0 ? renderRows(personal, true) : loaded ? <p className="muted small">No personal servers yet.</p> : null}
      </section>
      <button type="button" className="button button-secondary add-server" onClick={() => setAdding(true)}>
        <PlusIcon size={16} /> Add MCP server
      </button>
      {adding ? (
        <AddServerDialog
          client={client}
          onClose={() => setAdding(false)}
          onAdded={async (serverId) => {
            setAdding(false);
            onToggle(serverId, true);
            await onRefresh();
          }}
        />
      ) : null}
      {toolsOf ? <ServerToolsDialog client={client} server={toolsOf} onClose={() => setToolsOf(undefined)} /> : null}
    </div>
  );
}
