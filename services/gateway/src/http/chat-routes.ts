import { API_ROUTES, TURN_ERROR_API_CODE } from '@bedrock-mcp/contracts';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { CompletionAssembler, type AssembledTurn } from '../domain/format/completion-assembler.js';
import { streamFormatFrom } from '../domain/format/stream-formatter.js';
import { GatewayError } from '../domain/gateway-error.js';
import { assertRawMessageCount } from '../domain/request-count-limits.js';
import { TurnStreamTimeoutError, type TurnEventStream } from '@bedrock-mcp/turns';
import { principalOf, type GatewayServices } from './gateway-services.js';
import { createFormatter, SEED_STOP_ANSWER } from './seed-dialect.js';
import { serve } from './serve-route.js';
import { respondWithSse } from './sse-turn-responder.js';

const LastEventIdSchema = z.coerce.number().int().min(0);

function receivedAt(req: Request): bigint {
  return (req as Request & { receivedAt?: bigint }).receivedAt ?? process.hrtime.bigint();
}

/** `POST /v1/chat/completions`, the resume stream, and `POST /v1/stop/stream/{id}`. */
export function chatRoutes(services: GatewayServices): Router {
  const router = Router();

  serve(router, API_ROUTES.chatCompletions, async ({ req, res, safeBody }) => {
    const { userId } = principalOf(res);
    if (services.isDraining()) throw new GatewayError('service_unavailable', 'The gateway is shutting down; retry on another instance.');
    let parsed;
    try {
      assertRawMessageCount(req.body, services.settings.MAX_MESSAGES_PER_REQUEST);
      parsed = safeBody();
    } catch (error) {
      await services.rateLimiter.enforce(userId);
      throw error;
    }
    if (!parsed.success) {
      // A refused request counts too; over the limit, its 429 wins.
      await services.rateLimiter.enforce(userId);
      throw parsed.error;
    }
    const body = parsed.data;
    const turn = await services.submitter.submit(userId, body);
    const rateHeaders = turn.rateLimitHeaders;
    const format = streamFormatFrom(body.stream_format, req.header('x-stream-format'));
    services.metrics.turnsSubmitted.inc();
    const context = { id: turn.turnId, model: turn.model, created: Math.floor(turn.createdAt / 1000), includeUsage: body.stream_options?.include_usage ?? false };

    if (body.stream) {
      await respondWithSse({
        res,
        stream: turn.stream,
        formatter: createFormatter(format, context),
        headers: rateHeaders,
        logger: services.logger,
        metrics: services.metrics,
        receivedAt: receivedAt(req),
        untrack: services.trackStream('sse'),
      });
      return;
    }
    const untrack = services.trackStream('completion');
    try {
      res.on('close', () => turn.stream.close());
      if (res.destroyed) turn.stream.close();
      const result = await assemble(turn.stream, new CompletionAssembler({ ...context, format }));
      // The turn already ran (tools included) and the worker already retried the model: a client
      // retry would run it again, so OpenAI's SDKs are told not to (they honour x-should-retry).
      if (result.kind === 'error') throw new GatewayError(TURN_ERROR_API_CODE[result.code], result.message, null, { 'x-should-retry': 'false' });
      res.set({ 'X-Stream-ID': turn.turnId, ...rateHeaders }).json(result.completion);
    } finally {
      turn.stream.close();
      untrack();
    }
  });

  /** Replays a turn's events after `Last-Event-ID` (or `?after=`) and then streams the live rest. */
  serve(router, API_ROUTES.resumeStream, async ({ req, res, params, query: parseQuery }) => {
    const { userId } = principalOf(res);
    const turnId = params().turn_id;
    const meta = await services.access.requireOwned(userId, turnId);
    const query = parseQuery();
    const lastEventId = req.header('last-event-id');
    const afterSeq = lastEventId !== undefined && lastEventId !== '' ? parseLastEventId(lastEventId) : (query.after ?? 0);
    const format = streamFormatFrom(query.stream_format, req.header('x-stream-format'));
    const includeUsage = query.include_usage === 'true' || query.include_usage === '1';
    const stream = await services.turnEvents.open(turnId, { afterSeq });
    await respondWithSse({
      res,
      stream,
      formatter: createFormatter(format, { id: turnId, model: meta.model, created: Math.floor(meta.createdAt / 1000), includeUsage }),
      headers: {},
      logger: services.logger,
      metrics: services.metrics,
      receivedAt: receivedAt(req),
      untrack: services.trackStream('sse'),
    });
  });

  serve(router, API_ROUTES.stopStream, async ({ res, params }) => {
    const { userId } = principalOf(res);
    const turnId = params().stream_id;
    await services.access.requireOwned(userId, turnId);
    await services.access.requestStop(turnId);
    services.logger.info({ userId, turnId }, 'stop requested');
    res.json(SEED_STOP_ANSWER);
  });

  return router;
}

function parseLastEventId(value: string): number {
  const parsed = LastEventIdSchema.safeParse(value);
  if (!parsed.success) throw new GatewayError('invalid_request', 'Last-Event-ID must be the non-negative integer id of an event', 'Last-Event-ID');
  return parsed.data;
}

async function assemble(stream: TurnEventStream, assembler: CompletionAssembler): Promise<AssembledTurn> {
  try {
    for await (const event of stream) assembler.accept(event);
  } catch (error) {
    if (error instanceof TurnStreamTimeoutError) throw new GatewayError('timeout', error.message);
    throw error;
  }
  return assembler.result();
}
