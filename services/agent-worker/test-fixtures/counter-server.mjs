#!/usr/bin/env node
// A minimal MCP stdio server for tests (newline-delimited JSON-RPC, no SDK): its `count` tool
// appends its label to the file named by the first argument as soon as it is called — so a test
// can count executions even of a call cut off by a killed worker — then waits `delayMs` and answers.
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const counterFile = process.argv[2];
if (!counterFile) {
  process.stderr.write('usage: counter-server.mjs <counter-file>\n');
  process.exit(2);
}

const tools = [
  {
    name: 'count',
    description: 'Counts one call under a label, after an optional delay',
    inputSchema: {
      type: 'object',
      properties: { label: { type: 'string' }, delayMs: { type: 'number' } },
      required: ['label'],
    },
  },
];

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const reply = (id, result) => send({ jsonrpc: '2.0', id, result });

createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  const message = JSON.parse(line);
  if (message.id === undefined) return; // notifications
  switch (message.method) {
    case 'initialize':
      return reply(message.id, {
        protocolVersion: message.params?.protocolVersion ?? '2025-06-18',
        capabilities: { tools: {} },
        serverInfo: { name: 'counter', version: '1.0.0' },
      });
    case 'ping':
      return reply(message.id, {});
    case 'tools/list':
      return reply(message.id, { tools });
    case 'tools/call': {
      const { label, delayMs = 0 } = message.params?.arguments ?? {};
      if (typeof label !== 'string') {
        return reply(message.id, { content: [{ type: 'text', text: 'label must be a string' }], isError: true });
      }
      appendFileSync(counterFile, `${label}\n`);
      setTimeout(() => reply(message.id, { content: [{ type: 'text', text: `counted ${label}` }] }), delayMs);
      return;
    }
    default:
      return send({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: `no method ${message.method}` } });
  }
});
