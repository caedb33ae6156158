import type { ServerResponse } from 'node:http';
import type { Logger } from '@bedrock-mcp/common';
import type { StreamFormatter } from '../domain/format/stream-formatter.js';
import type { TurnEventReader } from '../domain/turn-event-reader.js';
import type { GatewayMetrics } from '../gateway-metrics.js';
import { SseWriter } from './sse-writer.js';

export interface SseTurnResponse {
  res: ServerResponse;
  stream: TurnEventReader;
  formatter: StreamFormatter;
  headers: Record<string, string>;
  logger: Logger;
  metrics: GatewayMetrics;
  /** process.hrtime.bigint() when the request arrived, for time to first token. */
  receivedAt: bigint;
  untrack: () => void;
}

/**
 * Streams a turn's events to one SSE client. A client that goes away only stops the reading:
 * the turn goes on (and can be resumed). Ends with `[DONE]` in every case. The response ends at the
 * turn's `done`, or where the turn pauses for a person (approval_request): the approvals call
 * returns the rest.
 */
export async function respondWithSse({ res, stream, formatter, headers, logger, metrics, receivedAt, untrack }: SseTurnResponse): Promise<void> {
  const writer = new SseWriter(res);
  res.on('close', () => stream.close());
  if (res.destroyed) stream.close(); // the client left while the turn was being submitted
  writer.start({ 'X-Stream-ID': stream.turnId, ...headers });
  let ended = false;
  let firstToken = true;
  try {
    for (let batch = await stream.next(); batch; batch = await stream.next()) {
      let paused = false;
      for (const event of batch) {
        writer.add(event.seq, formatter.format(event));
        if (firstToken && (event.type === 'text_delta' || event.type === 'reasoning_delta')) {
          firstToken = false;
          metrics.ttft.observe({ transport: 'sse' }, Number(process.hrtime.bigint() - receivedAt) / 1e9);
        }
        if (event.type === 'done') ended = true;
        if (event.type === 'approval_request') {
          ended = paused = true;
          break;
        }
      }
      await writer.flush();
      if (paused) break;
    }
    // Resumed after the end: nothing more to replay. (A stream cut by the client or by shutdown gets
    // no [DONE]: the client should resume it.)
    if (!ended && stream.turnEnded) await writer.send(undefined, ['[DONE]']);
  } catch (error) {
    logger.warn({ err: error, turnId: stream.turnId }, 'turn stream failed');
    await writer.send(undefined, formatter.fail('timeout', (error as Error).message));
  } finally {
    stream.close();
    writer.end();
    untrack();
  }
}
