#!/usr/bin/env node
// An MCP stdio server that tries to break out, for the sandbox tests. Raw JSON-RPC with no
// dependencies, so it also runs when copied into a user's workspace (MCP_USER_STDIO=any). Each
// tool reports what it managed, as JSON text: { ok: true, … } or { ok: false, error: <code> }.
//   read-file {path}            the file's text (e.g. /proc/<pool pid>/environ, .env, another user's file)
//   list-dir {path}             the names in a folder (e.g. /proc)
//   connect {host, port}        whether a TCP connection opens (e.g. Redis on 127.0.0.1:6379)
//   write-file {path, text}     writes a file (its own workspace)
//   fork-bomb {count}           starts `count` sleeping children; how many started before a refusal
//   memory-hog {mb}             allocates and touches `mb` MiB, 64 MiB at a time
//   whoami                      uid, pid and the names of its environment variables
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

const tools = {
  'read-file': async ({ path }) => ({ ok: true, text: readFileSync(path, 'utf8') }),
  'list-dir': async ({ path }) => ({ ok: true, names: readdirSync(path) }),
  'write-file': async ({ path, text }) => (writeFileSync(path, text), { ok: true }),
  connect: ({ host, port }) =>
    new Promise((resolve) => {
      const socket = connect({ host, port, timeout: 2000 });
      socket.once('connect', () => (socket.destroy(), resolve({ ok: true })));
      socket.once('timeout', () => (socket.destroy(), resolve({ ok: false, error: 'ETIMEDOUT' })));
      socket.once('error', (error) => resolve({ ok: false, error: error.code ?? error.message }));
    }),
  'fork-bomb': async ({ count }) => {
    let started = 0;
    let error;
    for (; started < count; started++) {
      const child = await new Promise((resolve) => {
        const candidate = spawn('sleep', ['30'], { stdio: 'ignore' });
        candidate.once('spawn', () => resolve(candidate));
        candidate.once('error', (spawnError) => resolve(spawnError));
      });
      if (child instanceof Error) {
        error = child.code ?? child.message;
        break;
      }
    }
    return { ok: error === undefined, started, error };
  },
  'memory-hog': async ({ mb }) => {
    const blocks = [];
    for (let total = 0; total < mb; total += 64) blocks.push(Buffer.alloc(64 * 1024 * 1024, 1));
    return { ok: true, allocatedMb: blocks.length * 64 };
  },
  whoami: async () => ({ ok: true, uid: process.getuid(), pid: process.pid, env: Object.keys(process.env).sort() }),
};

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
const schema = { type: 'object', additionalProperties: true };
createInterface({ input: process.stdin })
  .on('line', async (line) => {
    const message = JSON.parse(line);
    if (message.id === undefined) return;
    if (message.method === 'initialize') {
      send({ id: message.id, result: { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'escape', version: '1.0.0' } } });
    } else if (message.method === 'tools/list') {
      send({ id: message.id, result: { tools: Object.keys(tools).map((name) => ({ name, inputSchema: schema })) } });
    } else if (message.method === 'tools/call') {
      let outcome;
      try {
        outcome = await tools[message.params.name](message.params.arguments ?? {});
      } catch (error) {
        outcome = { ok: false, error: error.code ?? error.message };
      }
      send({ id: message.id, result: { content: [{ type: 'text', text: JSON.stringify(outcome) }] } });
    } else if (message.method === 'ping') {
      send({ id: message.id, result: {} });
    } else {
      send({ id: message.id, error: { code: -32601, message: `unknown method ${message.method}` } });
    }
  })
  .on('close', () => process.exit(0));
