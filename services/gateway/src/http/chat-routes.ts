import { API_ROUTES, TURN_ERROR_API_CODE } from '@bedrock-mcp/contracts';
import type { ServerResponse } from 'node:http';
import { Router } from 'express';
import { z } from 'zod';
import { CompletionAssembler, type AssembledTurn } from '../domain/format/completion-assembler.js';
import { streamFormatFrom } from '../domain/format/stream-formatter.js';
import { GatewayError } from '../domain/gateway-error.js';
import { assertRawMessageCount } from '../domain/request-count-limits.js';
import { EventsAfterAsks, type TurnEventReader } from '../domain/turn-event-reader.js';
import { TurnStreamTimeoutError } from '@bedrock-mcp/turns';
import { principalOf, type GatewayServices } from './gateway-services.js';
import { headerOf, type PlainRequest, type PlainResponse } from './plain-http.js';
import { createFormatter, SEED_STOP_ANSWER } from './seed-dialect.js';
import { serve } from './serve-route.js';
import { respondWithSse } from './sse-turn-responder.js';

const LastEventIdSchema = z.coerce.number().int().min(0);

function receivedAt(req: PlainRequest): bigint {
  return (req as PlainRequest & { receivedAt?: bigint }).receivedAt ?? process.hrtime.bigint();
}

/** The chat turn's handler: node's own request (its body read) and response are all it uses (see PlainRequest). */
export type ChatCompletionHandler = (req: PlainRequest, res: PlainResponse) => Promise<void>;

/** `POST /v1/chat/completions`: starts a turn and answers with its stream (SSE) or its completion. */
export function chatCompletionRoute(services: GatewayServices): ChatCompletionHandler {
  const schema = API_ROUTES.chatCompletions.request;
  return async (req, res) => {
    const { userId } = principalOf(res);
    if (services.isDraining()) throw new GatewayError('service_unavailable', 'The gateway is shutting down; retry on another instance.');
    // The turn's admission goes to Redis now, and the request is validated while it travels.
    const started = services.submitter.start(userId, req.body);
    let parsed;
    try {
      assertRawMessageCount(req.body, services.settings.MAX_MESSAGES_PER_REQUEST);
      parsed = schema.safeParse(req.body);
    } catch (error) {
      await services.submitter.refuse(userId, started);
      throw error;
    }
    if (!parsed.success) {
      // A refused request counts too; over the limit, its 429 wins.
      await services.submitter.refuse(userId, started);
      throw parsed.error;
    }
    const body = parsed.data;
    const turn = await services.submitter.submit(userId, body, started);
    const rateHeaders = turn.rateLimitHeaders;
    const format = streamFormatFrom(body.stream_format, headerOf(req, 'x-stream-format'));
    services.metrics.turnsSubmitted.inc();
    const context = { id: turn.turnId, model: turn.model, created: Math.floor(turn.createdAt / 1000), includeUsage: body.stream_options?.include_usage ?? false };
    const stream = services.turnStreams.patient(turn.stream);

    if (body.stream) {
      await respondWithSse({
        res,
        stream,
        formatter: createFormatter(format, context),
        headers: rateHeaders,
        logger: services.logger,
        metrics: services.metrics,
        receivedAt: receivedAt(req),
        untrack: services.trackStream('sse'),
      });
      return;
    }
    await respondWithCompletion(services, res, stream, new CompletionAssembler({ ...context, format }), rateHeaders);
  };
}

/**
 * `POST /v1/chat/completions` (`chatCompletion`, which the chat fast path serves too), the resume
 * stream, the approvals call, and `POST /v1/stop/stream/{id}`.
 */
export function chatRoutes(services: GatewayServices, chatCompletion: ChatCompletionHandler): Router {
  const router = Router();

  // Parses its body itself (the fast path has no RouteCall); express hands a rejection to the error handler.
  router.post(API_ROUTES.chatCompletions.path, chatCompletion);

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
    const stream = await services.turnStreams.open(turnId, afterSeq);
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

  /**
   * Records the answers to a paused turn's asks, then returns the rest of its response (to its end
   * or its next pause) as the chat completion would have. The stream is opened before the answers
   * are recorded, so nothing the resumed turn says is missed.
   */
  serve(router, API_ROUTES.answerTurn, async ({ req, res, params, body: parseBody }) => {
    const { userId } = principalOf(res);
    const turnId = params().turn_id;
    const meta = await services.access.requireOwned(userId, turnId);
    const body = parseBody();
    const answers = { approvals: body.approvals, elicitations: body.elicitations };
    const askIds = new Set([...answers.approvals, ...answers.elicitations].map((answer) => answer.id));
    const format = streamFormatFrom(body.stream_format, req.header('x-stream-format'));
    const context = { id: turnId, model: meta.model, created: Math.floor(meta.createdAt / 1000), includeUsage: body.stream_options?.include_usage ?? false };
    const whole = await services.turnStreams.open(turnId, 0);
    let stillPending: Set<string>;
    try {
      stillPending = new Set(await services.access.answer(turnId, answers));
    } catch (error) {
      whole.close();
      throw error;
    }
    services.logger.info({ userId, turnId, approvals: answers.approvals.length, elicitations: answers.elicitations.length }, 'turn asks answered');
    if (body.stream) {
      const formatter = createFormatter(format, context);
      await respondWithSse({
        res,
        stream: new EventsAfterAsks(whole, askIds, (event) => formatter.format(event), stillPending),
        formatter,
        headers: {},
        logger: services.logger,
        metrics: services.metrics,
        receivedAt: receivedAt(req),
        untrack: services.trackStream('sse'),
      });
      return;
    }
    const assembler = new CompletionAssembler({ ...context, format });
    await respondWithCompletion(services, res, new EventsAfterAsks(whole, askIds, (event) => assembler.accept(event), stillPending), assembler, {});
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

/** One `chat.completion` of the turn's events, to its end or its pause for a person. */
async function respondWithCompletion(services: GatewayServices, res: ServerResponse, stream: TurnEventReader, assembler: CompletionAssembler, headers: Record<string, string>): Promise<void> {
  const untrack = services.trackStream('completion');
  try {
    res.on('close', () => stream.close());
    if (res.destroyed) stream.close();
    const result = await assemble(stream, assembler);
    // The turn already ran (tools included) and the worker already retried the model: a client
    // retry would run it again, so OpenAI's SDKs are told not to (they honour x-should-retry).
    if (result.kind === 'error') throw new GatewayError(TURN_ERROR_API_CODE[result.code], result.message, null, { 'x-should-retry': 'false' });
    // What res.json() would send, written directly: express's header and charset helpers cost more than the rest of the answer.
    const json = JSON.stringify(result.completion);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json), 'X-Stream-ID': stream.turnId, ...headers }).end(json);
  } finally {
    stream.close();
    untrack();
  }
}

async function assemble(stream: TurnEventReader, assembler: CompletionAssembler): Promise<AssembledTurn> {
  try {
    for (let batch = await stream.next(); batch; batch = await stream.next()) {
      for (const event of batch) {
        assembler.accept(event);
        if (event.type === 'approval_request') return assembler.result();
      }
    }
  } catch (error) {
    if (error instanceof TurnStreamTimeoutError) throw new GatewayError('timeout', error.message);
    throw error;
  }
  return assembler.result();
}
