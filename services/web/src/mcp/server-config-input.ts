import { McpServerEntrySchema, ServerIdSchema, formatIssuePath, normalizeMcpServerEntry } from '@bedrock-mcp/contracts';
import { z } from 'zod';
import type { AddMcpServerBody } from '../api/gateway-client.js';

export type ParsedServerInput = { ok: true; serverId: string; body: AddMcpServerBody } | { ok: false; error: string };

export const SERVER_JSON_EXAMPLE = `{
  "mcpServers": {
    "everything": {
      "command": "mcp-server-everything",
      "args": ["stdio"]
    }
  }
}`;

/**
 * Checks pasted `{"mcpServers": {"<id>": {…}}}` JSON (as Claude Desktop and the seed write it)
 * before it is sent, and names the first problem.
 */
export function parseServerJson(text: string): ParsedServerInput {
  if (!text.trim()) return { ok: false, error: 'Paste a JSON configuration such as {"mcpServers": {"name": {"command": "…"}}}.' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `This is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!isRecord(json)) return { ok: false, error: 'The configuration must be a JSON object.' };
  const servers = 'mcpServers' in json ? json.mcpServers : json;
  if (!isRecord(servers)) return { ok: false, error: '"mcpServers" must be an object of server id → configuration.' };
  const entries = Object.entries(servers);
  if (entries.length === 0) return { ok: false, error: '"mcpServers" is empty: add one server.' };
  if (entries.length > 1) return { ok: false, error: `Add one server at a time (found ${entries.length}: ${entries.map(([id]) => id).join(', ')}).` };
  const [serverId, rawEntry] = entries[0] as [string, unknown];
  const id = ServerIdSchema.safeParse(serverId);
  if (!id.success) return { ok: false, error: `Server id "${serverId}": ${id.error.issues[0]?.message ?? 'invalid'}.` };
  const entry = McpServerEntrySchema.safeParse(rawEntry);
  if (!entry.success) return { ok: false, error: issueMessage(`mcpServers.${serverId}`, entry.error) };
  if (!entry.data.command && !entry.data.url) return { ok: false, error: `Server "${serverId}" needs a "command" (stdio) or a "url" (HTTP).` };
  try {
    normalizeMcpServerEntry(entry.data);
  } catch (error) {
    return { ok: false, error: error instanceof z.ZodError ? issueMessage(`mcpServers.${serverId}`, error) : String(error) };
  }
  return {
    ok: true,
    serverId,
    body: { server_id: serverId, server_desc: entry.data.description ?? '', command: '', args: [], env: {}, config_json: { mcpServers: { [serverId]: rawEntry } } },
  };
}

export interface ServerFormFields {
  serverId: string;
  description: string;
  kind: 'stdio' | 'url';
  command: string;
  /** one argument per line */
  args: string;
  /** KEY=value, one per line */
  env: string;
  url: string;
  token: string;
}

export const emptyServerForm: ServerFormFields = { serverId: '', description: '', kind: 'stdio', command: '', args: '', env: '', url: '', token: '' };

export type ServerFormResult =
  | { ok: true; serverId: string; body: AddMcpServerBody }
  | { ok: false; errors: Partial<Record<keyof ServerFormFields, string>> };

/** The add-server form's fields → the seed's request body, or a message per wrong field. */
export function buildServerFormBody(fields: ServerFormFields): ServerFormResult {
  const errors: Partial<Record<keyof ServerFormFields, string>> = {};
  const serverId = fields.serverId.trim();
  const id = ServerIdSchema.safeParse(serverId);
  if (!id.success) errors.serverId = serverId ? (id.error.issues[0]?.message ?? 'invalid server id') : 'Give the server an id, e.g. "everything".';
  const args = fields.args.split('\n').map((line) => line.trim()).filter(Boolean);
  const env: Record<string, string> = {};
  for (const line of fields.env.split('\n').map((value) => value.trim()).filter(Boolean)) {
    const equals = line.indexOf('=');
    const key = equals > 0 ? line.slice(0, equals).trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      errors.env = `"${line}" is not KEY=value (names: letters, digits, _).`;
      break;
    }
    env[key] = line.slice(equals + 1);
  }
  if (fields.kind === 'stdio' && !fields.command.trim()) errors.command = 'Enter the command that starts the server, e.g. mcp-server-everything.';
  if (fields.kind === 'url') {
    try {
      const url = new URL(fields.url.trim());
      if (url.protocol !== 'http:' && url.protocol !== 'https:') errors.url = 'The URL must start with http:// or https://.';
    } catch {
      errors.url = 'Enter the server URL, e.g. https://example.com/mcp.';
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const body: AddMcpServerBody =
    fields.kind === 'stdio'
      ? { server_id: serverId, server_desc: fields.description.trim(), command: fields.command.trim(), args, env, config_json: {} }
      : {
          server_id: serverId,
          server_desc: fields.description.trim(),
          command: '',
          args: [],
          env: {},
          config_json: {},
          url: fields.url.trim(),
          ...(fields.token.trim() ? { token: fields.token.trim() } : {}),
        };
  return { ok: true, serverId, body };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function issueMessage(prefix: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix}: invalid`;
  const path = formatIssuePath(issue.path);
  return `${path ? `${prefix}.${path}` : prefix}: ${issue.message}`;
}
