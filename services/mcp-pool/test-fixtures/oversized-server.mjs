#!/usr/bin/env node
// An MCP stdio server that breaks the pool's size limits on purpose (raw JSON-RPC, no dependencies):
//   --tools=N        lists N tools (default 2: `ping` and `flood`)
//   --line-bytes=B   `flood` answers with one stdout line of B bytes (default 64 MiB), written in
//                    1 MiB pieces as the pipe drains, so this process never holds it whole.
import { createInterface } from 'node:readline';

const option = (name, fallback) => Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const toolCount = option('tools', 2);
const lineBytes = option('line-bytes', 64 * 1024 * 1024);

const schema = { type: 'object', properties: {} };
const tools = [
  { name: 'ping', description: 'answers pong', inputSchema: schema },
  { name: 'flood', description: `answers with a ${lineBytes}-byte line`, inputSchema: schema },
  ...Array.from({ length: Math.max(0, toolCount - 2) }, (_, index) => ({ name: `tool_${index}`, description: 'filler', inputSchema: schema })),
].slice(0, toolCount);

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);

async function flood(id) {
  const head = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"`;
  const tail = '"}]}}\n';
  const piece = 'x'.repeat(1024 * 1024);
  process.stdout.write(head);
  for (let left = lineBytes - head.length - tail.length; left > 0; left -= piece.length) {
    if (!process.stdout.write(left >= piece.length ? piece : piece.slice(0, left))) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
  process.stdout.write(tail);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined) return;
  if (message.method === 'initialize') {
    send({ id: message.id, result: { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'oversized', version: '1.0.0' } } });
  } else if (message.method === 'tools/list') {
    send({ id: message.id, result: { tools } });
  } else if (message.method === 'tools/call' && message.params.name === 'flood') {
    void flood(message.id);
  } else if (message.method === 'tools/call') {
    send({ id: message.id, result: { content: [{ type: 'text', text: 'pong' }] } });
  } else if (message.method === 'ping') {
    send({ id: message.id, result: {} });
  } else {
    send({ id: message.id, error: { code: -32601, message: `unknown method ${message.method}` } });
  }
});
lines.on('close', () => process.exit(0));
process.stdout.on('error', () => process.exit(0));
