#!/usr/bin/env node
// An MCP stdio server that is hard to stop: it ignores SIGTERM and the end of stdin, and starts a
// grandchild that ignores SIGTERM too. Tools expose its pids and let tests trigger progress,
// crashes, tool-list changes and large results.
import { spawn } from 'node:child_process';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

process.on('SIGTERM', () => process.stderr.write('stubborn: ignoring SIGTERM\n'));
setInterval(() => undefined, 60_000);
const grandchild = spawn(process.execPath, ['-e', "process.on('SIGTERM',()=>{});setInterval(()=>{},60000)"], { stdio: 'ignore' });
for (let line = 1; line <= 60; line++) process.stderr.write(`stubborn: start-up line ${line}\n`);

const server = new McpServer({ name: 'stubborn', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
const text = (value) => ({ content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value) }] });
server.registerTool('pids', { description: 'pids of this server and its grandchild', inputSchema: {} }, async () =>
  text({ pid: process.pid, grandchildPid: grandchild.pid, pgid: process.pid }),
);
server.registerTool('env', { description: 'this server environment', inputSchema: {} }, async () => text(process.env));
server.registerTool('sleep', { description: 'waits ms, reporting progress every step', inputSchema: { ms: z.number(), steps: z.number().default(1) } }, async ({ ms, steps }, extra) => {
  for (let step = 1; step <= steps; step++) {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms / steps);
      extra.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        process.stderr.write('stubborn: sleep cancelled\n');
        reject(new Error('cancelled'));
      });
    });
    const progressToken = extra._meta?.progressToken;
    if (progressToken !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: step, total: steps, message: `step ${step}` } });
  }
  return text(`slept ${ms} ms`);
});
server.registerTool('crash', { description: 'exits with code 3', inputSchema: {} }, async () => {
  process.stderr.write('stubborn: crashing on purpose\n');
  setTimeout(() => process.exit(3), 5);
  return text('crashing');
});
let added = 0;
server.registerTool('add-tool', { description: 'registers another tool (tools/list_changed)', inputSchema: {} }, async () => {
  added += 1;
  server.registerTool(`dynamic-${added}`, { description: 'added at run time', inputSchema: {} }, async () => text(`dynamic ${added}`));
  return text(`added dynamic-${added}`);
});
server.registerTool('big', { description: 'returns a text of `bytes` characters', inputSchema: { bytes: z.number() } }, async ({ bytes }) => text('x'.repeat(bytes)));
server.registerTool('fail', { description: 'returns isError', inputSchema: {} }, async () => ({ content: [{ type: 'text', text: 'it failed' }], isError: true }));

await server.connect(new StdioServerTransport());
