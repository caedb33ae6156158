/**
 * One process of stream-capacity's clients, forked so that thousands of SSE and WebSocket streams
 * are read by more than the bench's own core: the gateway, not the harness, should be the limit.
 *
 * Protocol (IPC): the process sends `ready` once loaded; the parent sends `start` with the streams this process opens; the process sends
 * `first` when a stream gets its first text delta, `done` when one ends, `settled` when all have;
 * the parent then sends `report` with the steady window (monotonic ms), and the process answers
 * with the delays of the deltas it received in that window; the parent then ends it.
 *
 * Each text delta carries its monotonic log time (`@<ms>`, process.hrtime, one clock for every
 * process on the machine), so a delay is measured without comparing two processes' wall clocks.
 */
import http from 'node:http';
import { splitPublishedEvents } from '@bedrock-mcp/turns';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';

export interface StreamClientsStart {
  type: 'start';
  port: number;
  apiKey: string;
  model: string;
  /** Stream numbers (they name the user and the prompt) of the SSE and the WebSocket streams. */
  sse: number[];
  ws: number[];
  /**
   * The baseline instead: a bare Redis subscriber to every turn's channel (`pattern`), in a process
   * of its own like the clients, whose delays are what Redis pub/sub and this machine add anyway.
   */
  subscribe?: { redisUrl: string; pattern: string };
}

export type StreamClientsMessage =
  /** Loaded and listening: the ramp is timed from here, not from the fork. */
  | { type: 'ready' }
  | { type: 'first' }
  | { type: 'done' }
  | { type: 'settled'; completed: number; failed: number; firstError?: string }
  /** The delays of the deltas that arrived inside the window. */
  | { type: 'report'; sseDelaysMs: number[]; wsDelaysMs: number[]; baselineDelaysMs: number[] };

/** Monotonic milliseconds, the same clock in every process of the machine. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** The delta text the scripted worker writes: its number and its log time. */
export const stampedDelta = (tick: number, delta: number): string => `tick ${tick}.${delta} @${monotonicMs().toFixed(3)} `;

const STAMP = /@(\d+\.\d+) /;
/** The log time stamped into a delta's text; undefined for any other text. */
export function stampOf(text: string): number | undefined {
  const match = STAMP.exec(text);
  return match ? Number(match[1]) : undefined;
}

function send(message: StreamClientsMessage): void {
  process.send!(message);
}

async function run(start: StreamClientsStart): Promise<void> {
  /** Per delta: when it arrived (monotonic ms), and its delay since it was logged. */
  const sseDeltas: Array<[number, number]> = [];
  const wsDeltas: Array<[number, number]> = [];
  const baselineDeltas: Array<[number, number]> = [];
  const body = (i: number) => JSON.stringify({ model: start.model, stream: true, messages: [{ role: 'user', content: `stream ${i}` }] });
  const delivered = (deltas: Array<[number, number]>, at: number, stamp: number) => deltas.push([at, at - stamp]);

  const sse = (i: number) =>
    new Promise<void>((resolve, reject) => {
      // node:http rather than fetch: lighter per chunk, and no web-stream hops between the socket and the parser.
      const request = http.request(
        { host: '127.0.0.1', port: start.port, path: '/v1/chat/completions', method: 'POST', agent: false, headers: { authorization: `Bearer ${start.apiKey}`, 'x-user-id': `sse-${i % 500}`, 'content-type': 'application/json' } },
        (response) => {
          if (response.statusCode !== 200) {
            reject(new Error(`SSE stream ${i}: HTTP ${response.statusCode}`));
            response.resume();
            return;
          }
          response.setEncoding('utf8');
          let buffered = '';
          let first = true;
          let done = false;
          response.on('data', (chunk: string) => {
            const at = monotonicMs();
            buffered += chunk;
            let end: number;
            while ((end = buffered.indexOf('\n\n')) >= 0) {
              const block = buffered.slice(0, end);
              buffered = buffered.slice(end + 2);
              if (block.includes('data: [DONE]')) {
                done = true;
                send({ type: 'done' });
                continue;
              }
              const stamp = stampOf(block);
              if (stamp === undefined) continue;
              delivered(sseDeltas, at, stamp);
              if (first) send({ type: 'first' });
              first = false;
            }
          });
          response.on('end', () => (done ? resolve() : reject(new Error(`SSE stream ${i} ended without [DONE]`))));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body(i));
    });

  const ws = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${start.port}/ws/chat`);
      let first = true;
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`WebSocket stream ${i} closed before done`)));
      socket.on('open', () => socket.send(JSON.stringify({ type: 'auth', apiKey: start.apiKey, userId: `ws-${i % 500}` })));
      socket.on('message', (data) => {
        const at = monotonicMs();
        const frame = JSON.parse(data.toString()) as { type: string; event?: { type: string; text?: string } };
        if (frame.type === 'ready') socket.send(JSON.stringify({ type: 'chat', requestId: String(i), body: JSON.parse(body(i)) }));
        else if (frame.type === 'event' && frame.event?.type === 'text_delta') {
          const stamp = stampOf(frame.event.text ?? '');
          if (stamp === undefined) return;
          delivered(wsDeltas, at, stamp);
          if (first) send({ type: 'first' });
          first = false;
        } else if (frame.type === 'event' && frame.event?.type === 'done') {
          send({ type: 'done' });
          resolve();
          socket.close();
        } else if (frame.type === 'error') reject(new Error(JSON.stringify(frame)));
      });
    });

  if (start.subscribe) {
    const subscriber = new Redis(start.subscribe.redisUrl);
    subscriber.on('pmessage', (_pattern: string, _channel: string, message: string) => {
      const at = monotonicMs();
      for (const json of splitPublishedEvents(message)) {
        const event = JSON.parse(json) as { type: string; text?: string };
        const stamp = event.type === 'text_delta' ? stampOf(event.text ?? '') : undefined;
        if (stamp !== undefined) delivered(baselineDeltas, at, stamp);
      }
    });
    await subscriber.psubscribe(start.subscribe.pattern);
  }

  const all: Array<Promise<void>> = [];
  const total = Math.max(start.sse.length, start.ws.length);
  for (let n = 0; n < total; n++) {
    if (n < start.sse.length) all.push(sse(start.sse[n]!));
    if (n < start.ws.length) all.push(ws(start.ws[n]!));
    // Open in batches so the ramp is not one burst of thousands of handshakes.
    if (n % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const settled = await Promise.allSettled(all);
  const failures = settled.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  send({
    type: 'settled',
    completed: settled.length - failures.length,
    failed: failures.length,
    ...(failures[0] ? { firstError: String((failures[0].reason as Error).message ?? failures[0].reason) } : {}),
  });
  process.once('message', ({ windowStart, windowEnd }: { windowStart: number; windowEnd: number }) => {
    const inWindow = (deltas: Array<[number, number]>) => deltas.filter(([at]) => at >= windowStart && at <= windowEnd).map(([, delay]) => delay);
    send({ type: 'report', sseDelaysMs: inWindow(sseDeltas), wsDelaysMs: inWindow(wsDeltas), baselineDelaysMs: inWindow(baselineDeltas) });
  });
}

/** The argument stream-capacity forks this file with. */
export const STREAM_CLIENTS_ROLE = 'stream-clients';

if (process.send && process.argv[2] === STREAM_CLIENTS_ROLE) {
  process.once('message', (start: StreamClientsStart) => void run(start));
  send({ type: 'ready' });
}
