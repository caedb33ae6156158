import { parseLoggedEvent, type Logger, type Redis, type RedisKeys } from '@bedrock-mcp/common';
import type { StreamEvent } from '@bedrock-mcp/contracts';

export interface OpenTurnStreamOptions {
  /** Deliver only events with a larger seq (0: from the start). */
  afterSeq?: number;
  /**
   * The turn has not been enqueued yet, so every event will arrive live on the channel subscribed
   * before the enqueue and the log need not be read first. Default false.
   */
  fresh?: boolean;
}

export interface TurnEventHubOptions {
  /** A connection the hub puts in subscriber mode and owns (closed by close()). */
  subscriber: Redis;
  /** For reading turn logs. */
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
  /** Live events held per stream while its reader is busy; past it they are dropped and re-read from the log. Default 1000. */
  maxBufferedEvents?: number;
  /** Milliseconds without any event after which a stream re-reads the log (a published message can be lost on a reconnect). Default 15 s. */
  resyncIntervalMs?: number;
  /** Milliseconds without any event after which a stream gives up with a `timeout` error. */
  idleTimeoutMs: number;
}

export class TurnStreamTimeoutError extends Error {
  override readonly name = 'TurnStreamTimeoutError';
}

interface Channel {
  streams: Set<TurnEventStream>;
  /** Resolves once the SUBSCRIBE is written to the subscriber connection. */
  sent: Promise<void>;
  /** Resolves once Redis confirmed the SUBSCRIBE. */
  subscribed: Promise<void>;
  /** The last stream left; UNSUBSCRIBE goes out with the next batch unless a stream comes back first. */
  leaving: boolean;
}

/**
 * The one reader of turn events (SSE, non-stream, WebSocket and resume all use it). Multiplexes
 * every open stream over one subscriber connection; a stream subscribes first, then reads the
 * turn's log, and deduplicates by seq, so no event is missed or repeated. SUBSCRIBE and
 * UNSUBSCRIBE commands of one event-loop turn go out together (one command for many turns).
 */
export class TurnEventHub {
  private readonly channels = new Map<string, Channel>();
  private readonly options: Required<Omit<TurnEventHubOptions, 'subscriber' | 'redis' | 'keys' | 'logger'>>;
  private toSubscribe: Array<{ channel: string; sent: () => void; resolve: () => void; reject: (error: unknown) => void }> = [];
  private toUnsubscribe = new Set<string>();
  private flushScheduled = false;
  private connectedOnce = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: TurnEventHubOptions) {
    this.options = {
      maxBufferedEvents: deps.maxBufferedEvents ?? 1000,
      resyncIntervalMs: deps.resyncIntervalMs ?? 15_000,
      idleTimeoutMs: deps.idleTimeoutMs,
    };
    deps.subscriber.on('message', this.onMessage);
    deps.subscriber.on('ready', this.onReady);
  }

  /** Resolves once the turn's channel is subscribed: events published from then on are not missed. */
  open(turnId: string, options: OpenTurnStreamOptions = {}): Promise<TurnEventStream> {
    return this.openTracked(turnId, options).opened;
  }

  /**
   * open(), and also `sent`: resolves once the SUBSCRIBE is on its way. A command written after
   * that on another connection reaches Redis after it, which is all a turn not yet enqueued needs.
   */
  openTracked(turnId: string, options: OpenTurnStreamOptions = {}): { sent: Promise<void>; opened: Promise<TurnEventStream> } {
    if (this.closing) {
      const closed = Promise.reject(new Error('the turn event hub is closed'));
      return { sent: closed.catch(() => undefined), opened: closed };
    }
    const channelName = this.deps.keys.turnChannel(turnId);
    const stream = new TurnEventStream(turnId, options.afterSeq ?? 0, !options.fresh, this.options, {
      readLog: () => this.readLog(turnId),
      release: (released) => this.release(channelName, released),
    });
    let channel = this.channels.get(channelName);
    if (!channel) {
      channel = { streams: new Set(), ...this.subscribe(channelName), leaving: false };
      this.channels.set(channelName, channel);
    } else if (channel.leaving) {
      channel.leaving = false;
      this.toUnsubscribe.delete(channelName);
    }
    channel.streams.add(stream);
    const joined = channel;
    const opened = joined.subscribed.then(
      () => stream,
      (error: unknown) => {
        // A failed SUBSCRIBE must not stick to the channel: the next open tries again.
        if (this.channels.get(channelName) === joined) this.channels.delete(channelName);
        stream.close();
        throw error;
      },
    );
    return { sent: joined.sent, opened };
  }

  /** Closes every stream and the subscriber connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const channel of [...this.channels.values()]) for (const stream of [...channel.streams]) stream.close();
      this.deps.subscriber.off('message', this.onMessage);
      this.deps.subscriber.off('ready', this.onReady);
      for (const pending of this.toSubscribe.splice(0)) {
        pending.sent();
        pending.reject(new Error('the turn event hub is closed'));
      }
      await this.deps.subscriber.quit().catch(() => this.deps.subscriber.disconnect());
    })();
    return this.closing;
  }

  private async readLog(turnId: string): Promise<StreamEvent[]> {
    const raw = await this.deps.redis.lrange(this.deps.keys.turnLog(turnId), 0, -1);
    return raw.map(parseLoggedEvent);
  }

  private subscribe(channel: string): { sent: Promise<void>; subscribed: Promise<void> } {
    let sent!: () => void;
    const sentPromise = new Promise<void>((resolve) => (sent = resolve));
    const subscribed = new Promise<void>((resolve, reject) => {
      this.toSubscribe.push({ channel, sent, resolve, reject });
      this.scheduleFlush();
    });
    return { sent: sentPromise, subscribed };
  }

  private release(channelName: string, stream: TurnEventStream): void {
    const channel = this.channels.get(channelName);
    if (!channel?.streams.delete(stream) || channel.streams.size > 0 || this.closing) return;
    channel.leaving = true;
    this.toUnsubscribe.add(channelName);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends the batched SUBSCRIBE, then UNSUBSCRIBE (one connection: Redis applies them in order). */
  private flush(): void {
    this.flushScheduled = false;
    if (this.closing) return;
    const subscribing = this.toSubscribe.splice(0);
    if (subscribing.length > 0) {
      this.deps.subscriber.subscribe(...subscribing.map((pending) => pending.channel)).then(
        () => subscribing.forEach((pending) => pending.resolve()),
        (error: unknown) => subscribing.forEach((pending) => pending.reject(error)),
      );
      for (const pending of subscribing) pending.sent();
    }
    const leaving = [...this.toUnsubscribe].filter((name) => {
      const channel = this.channels.get(name);
      if (!channel?.leaving) return false;
      this.channels.delete(name);
      return true;
    });
    this.toUnsubscribe.clear();
    if (leaving.length > 0) {
      this.deps.subscriber.unsubscribe(...leaving).catch((error: unknown) => this.deps.logger.warn({ err: error, channels: leaving.length }, 'unsubscribe failed'));
    }
  }

  private readonly onMessage = (channelName: string, message: string): void => {
    const channel = this.channels.get(channelName);
    if (!channel || channel.streams.size === 0) return;
    let event: StreamEvent;
    try {
      event = parseLoggedEvent(message);
    } catch (error) {
      this.deps.logger.error({ err: error, channel: channelName }, 'dropped a malformed turn event');
      return;
    }
    for (const stream of channel.streams) stream.pushLive(event);
  };

  /** After a reconnect, messages published while disconnected are only in the logs. */
  private readonly onReady = (): void => {
    if (this.connectedOnce) for (const channel of this.channels.values()) for (const stream of channel.streams) stream.resync();
    this.connectedOnce = true;
  };
}

interface StreamBackend {
  readLog(): Promise<StreamEvent[]>;
  release(stream: TurnEventStream): void;
}

/**
 * One reader's view of a turn: an async iterable of its events after a seq, live until `done`.
 * Pulling is the backpressure: a reader that does not pull lets live events pile up only to
 * `maxBufferedEvents`; beyond that they are dropped and later re-read from the Redis log.
 */
export class TurnEventStream implements AsyncIterable<StreamEvent> {
  private pending: StreamEvent[] = [];
  private live: StreamEvent[] = [];
  private finished = false;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly turnId: string,
    private lastSeqDelivered: number,
    private needsLogRead: boolean,
    private readonly options: { maxBufferedEvents: number; resyncIntervalMs: number; idleTimeoutMs: number },
    private readonly backend: StreamBackend,
  ) {}

  /** True once the turn is known to have ended (its `done` was delivered, or lies behind `afterSeq`). */
  get turnEnded(): boolean {
    return this.finished;
  }

  /** The seq of the last event handed to the reader. */
  get lastSeq(): number {
    return this.lastSeqDelivered;
  }

  pushLive(event: StreamEvent): void {
    if (this.closed || this.finished) return;
    if (this.live.length >= this.options.maxBufferedEvents) {
      this.live = [];
      this.needsLogRead = true;
    } else {
      this.live.push(event);
    }
    this.notify();
  }

  resync(): void {
    this.needsLogRead = true;
    this.notify();
  }

  /** Stops reading (the turn itself goes on). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.live = [];
    this.pending = [];
    this.backend.release(this);
    this.notify();
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  private async next(): Promise<IteratorResult<StreamEvent>> {
    let idleSince = Date.now();
    // The seq of a live event that showed a gap and made the stream re-read the log.
    let rereadFor = 0;
    while (!this.closed && !this.finished) {
      if (this.needsLogRead) {
        this.needsLogRead = false;
        const logged = await this.backend.readLog();
        if (this.closed) break;
        const last = logged.at(-1);
        // The turn finished at or before the seq the reader already has: nothing more will come.
        if (last?.type === 'done' && last.seq <= this.lastSeqDelivered) {
          this.finish();
          break;
        }
        this.pending = logged.filter((event) => event.seq > this.lastSeqDelivered);
      }
      const fromLog = this.pending.length > 0;
      const event = fromLog ? this.pending.shift() : this.live.shift();
      if (event) {
        if (event.seq <= this.lastSeqDelivered) continue;
        // A gap in the log itself is final (the capped log dropped old events, or it expired); a gap
        // in live events (a dropped buffer, a reconnect) is filled from the log, once.
        if (event.seq > this.lastSeqDelivered + 1 && !fromLog && rereadFor !== event.seq) {
          rereadFor = event.seq;
          this.live.unshift(event);
          this.needsLogRead = true;
          continue;
        }
        this.lastSeqDelivered = event.seq;
        if (event.type === 'done') this.finish();
        return { done: false, value: event };
      }
      const idleFor = Date.now() - idleSince;
      if (idleFor >= this.options.idleTimeoutMs) {
        this.close();
        throw new TurnStreamTimeoutError(`no event from turn ${this.turnId} for ${Math.round(idleFor / 1000)} s`);
      }
      const woken = await this.waitForEvent(Math.min(this.options.resyncIntervalMs, this.options.idleTimeoutMs - idleFor));
      if (woken) idleSince = Date.now();
      else this.needsLogRead = true;
    }
    return { done: true, value: undefined };
  }

  private finish(): void {
    this.finished = true;
    this.backend.release(this);
  }

  /** True when something arrived, false when `timeoutMs` passed first. */
  private waitForEvent(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve(false);
      }, timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(true);
      };
    });
  }

  private notify(): void {
    this.wake?.();
  }
}
