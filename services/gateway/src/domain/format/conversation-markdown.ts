import type { BlobRef, Conversation, ConversationMessage, ConversationPart, ConversationToolResultPart } from '@bedrock-mcp/contracts';

/**
 * A conversation as a readable Markdown transcript: its title and times, then each message under
 * a role heading; tool calls with their arguments and results as fenced blocks; images and files
 * as links to their blob route (relative to the API's origin).
 */
export function conversationMarkdown(conversation: Conversation): string {
  const lines: string[] = [`# ${oneLine(conversation.title) || conversation.id}`, ''];
  lines.push(`- Conversation: \`${conversation.id}\``);
  lines.push(`- Created: ${iso(conversation.created_at)}`);
  lines.push(`- Updated: ${iso(conversation.updated_at)}`);
  if (conversation.model) lines.push(`- Model: ${conversation.model}`);
  if (conversation.mcp_server_ids.length > 0) lines.push(`- MCP servers: ${conversation.mcp_server_ids.join(', ')}`);
  lines.push(`- Messages: ${conversation.message_count}`, '');
  for (const message of conversation.messages) lines.push(...messageLines(conversation.id, message));
  return `${lines.join('\n').trimEnd()}\n`;
}

function messageLines(conversationId: string, message: ConversationMessage): string[] {
  const role = message.role === 'user' ? 'User' : 'Assistant';
  const lines = [`## ${role} · ${iso(message.created_at)}${message.model ? ` · ${message.model}` : ''}`, ''];
  for (const part of message.parts) lines.push(...partLines(conversationId, part), '');
  if (message.error) lines.push(`**Error (${message.error.code}):** ${message.error.message}`, '');
  if (message.finish_reason && message.finish_reason !== 'end_turn') lines.push(`_Finished: ${message.finish_reason}_`, '');
  return lines;
}

function partLines(conversationId: string, part: ConversationPart): string[] {
  switch (part.type) {
    case 'text':
      return [part.text];
    case 'thinking':
      return part.redacted ? ['> _Thinking (redacted)_'] : ['> **Thinking**', '>', ...part.text.split('\n').map((line) => `> ${line}`)];
    case 'image':
      return [`![${linkText(part.name ?? 'image')}](${blobPath(conversationId, part.blob)})`];
    case 'document':
      return [`📎 [${linkText(part.name)}](${blobPath(conversationId, part.blob)}) (${part.format}, ${part.blob.bytes} bytes)`];
    case 'tool_call': {
      const lines = [`### Tool call: \`${part.name}\` (${part.status})`, '', 'Arguments:', '', ...fenced(JSON.stringify(part.input ?? null, null, 2), 'json')];
      if (part.result) {
        lines.push('', part.result.is_error ? 'Result (error):' : 'Result:', '');
        for (const content of part.result.content) lines.push(...resultLines(conversationId, content), '');
      }
      return lines;
    }
    case 'ask': {
      const outcome = part.outcome ? ` — ${part.outcome}${part.edited ? ' (arguments edited)' : ''}` : '';
      if (part.ask.kind === 'approval') return [`> **Approval asked** for \`${part.ask.name}\`: ${oneLine(part.ask.reason)}${outcome}`];
      return [`> **${part.ask.serverId} asked:** ${oneLine(part.ask.message)}${outcome}`];
    }
  }
}

function resultLines(conversationId: string, content: ConversationToolResultPart): string[] {
  switch (content.type) {
    case 'text':
      return fenced(content.text, 'text');
    case 'image':
      return [`![tool result image](${blobPath(conversationId, content.blob)})`];
    case 'resource': {
      const lines = [`Resource \`${content.uri}\`${content.mime_type ? ` (${content.mime_type})` : ''}`];
      if (content.text !== undefined) lines.push('', ...fenced(content.text, 'text'));
      if (content.blob) lines.push('', `[${linkText(content.uri)}](${blobPath(conversationId, content.blob)})`);
      return lines;
    }
  }
}

function blobPath(conversationId: string, blob: BlobRef): string {
  return `/v1/conversations/${encodeURIComponent(conversationId)}/blobs/${blob.blob_id}`;
}

/** A fenced block whose fence is longer than any run of backticks inside, so the text cannot close it. */
function fenced(text: string, info: string): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${info}`, text, fence];
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function linkText(text: string): string {
  return oneLine(text).replace(/[[\]]/g, '');
}
