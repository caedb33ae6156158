import { useEffect, useState } from 'react';
import type { GatewayClient } from '../../api/gateway-client.js';
import { describeGatewayError } from '../../api/gateway-error.js';
import type { McpServerInfo, ToolInfo } from '../../api/gateway-views.js';
import { Modal } from '../common/modal.js';

/** The gateway names tools as the model sees them (`<server>__<tool>`); people want the tool's own name. */
function displayToolName(serverId: string, name: string): string {
  const prefix = `${serverId}__`;
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** The tools a server offers, with their descriptions and input schemas. */
export function ServerToolsDialog({ client, server, onClose }: { client: GatewayClient; server: McpServerInfo; onClose: () => void }) {
  const [tools, setTools] = useState<ToolInfo[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let cancelled = false;
    client.listServerTools(server.id).then(
      (list) => !cancelled && setTools(list),
      (caught: unknown) => !cancelled && setError(describeGatewayError(caught)),
    );
    return () => {
      cancelled = true;
    };
  }, [client, server.id]);
  return (
    <Modal title={`Tools of ${server.name}`} onClose={onClose} wide>
      {error ? (
        <p className="inline-error" role="alert">
          {error}
        </p>
      ) : null}
      {!tools && !error ? <p className="muted">Starting the server and listing its tools…</p> : null}
      {tools?.length === 0 ? <p className="muted">This server offers no tools.</p> : null}
      {tools && tools.length > 0 ? (
        <ul className="tool-list">
          {tools.map((tool) => (
            <li key={tool.name}>
              <details>
                <summary>
                  <code title={tool.name}>{displayToolName(server.id, tool.name)}</code>
                  <span className="muted">{tool.description}</span>
                </summary>
                <pre className="json">{JSON.stringify(tool.inputSchema ?? {}, null, 2)}</pre>
              </details>
            </li>
          ))}
        </ul>
      ) : null}
    </Modal>
  );
}
