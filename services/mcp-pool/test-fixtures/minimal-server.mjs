#!/usr/bin/env node
// The smallest MCP stdio server: raw JSON-RPC, no dependencies, so it starts in the time of a bare
// node process. Used where the pool's own spawn/evict cost is measured, not a server's start-up.
import { createInterface } from 'node:readline';

const tools = [{ name: 'ping', description: 'answers pong', inputSchema: { type: 'object', properties: {} } }];
const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined) return;
  if (message.method === 'initialize') {
    send({ id: message.id, result: { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'minimal', version: '1.0.0' } } });
  } else if (message.method === 'tools/list') {
    send({ id: message.id, result: { tools } });
  } else if (message.method === 'tools/call') {
    send({ id: message.id, result: { content: [{ type: 'text', text: 'pong' }] } });
  } else if (message.method === 'ping') {
    send({ id: message.id, result: {} });
  } else {
    send({ id: message.id, error: { code: -32601, message: `unknown method ${message.method}` } });
  }
});
lines.on('close', () => process.exit(0));
