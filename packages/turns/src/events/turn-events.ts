import type { StreamEvent } from '@bedrock-mcp/contracts';
import { createTurnKeys, type TurnKeys } from '../turn-keys.js';
import { decodeLoggedEvent, splitPublishedEvents } from './logged-event-json.js';
import type { OpenTurnStreamOptions, TurnEventsOptions } from './turn-events-options.js';
import { TurnEventStream } from './turn-event-stream.js';

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
 * The one reader of turn events (the hub) (SSE, non-stream, WebSocket and resume all use it). Multiplexes
 * every open stream over one subscriber connection; a stream subscribes first, then reads the
 * turn's log, and deduplicates by seq, so no event is missed or repeated. SUBSCRIBE and
 * UNSUBSCRIBE commands of one event-loop turn go out together (one command for many turns).
 */
export class TurnEvents {
  private readonly channels = new Map<string, Channel>();
  private readonly options: Required<Omit<TurnEventsOptions, 'subscriber' | 'redis' | 'prefix' | 'logger'>>;
  private toSubscribe: Array<{ channel: string; sent: () => void; resolve: () => void; reject: (error: unknown) => void }> = [];
  private toUnsubscribe = new Set<string>();
  private flushScheduled = false;
  private connectedOnce = false;
  private closing: Promise<void> | undefined;
  private readonly keys: TurnKeys;

  constructor(private readonly deps: TurnEventsOptions) {
    this.keys = createTurnKeys(deps.prefix);
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
    const channelName = this.keys.turnChannel(turnId);
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
    const raw = await this.deps.redis.lrange(this.keys.turnLog(turnId), 0, -1);
    return raw.map(decodeLoggedEvent);
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
    for (const json of splitPublishedEvents(message)) {
      let event: StreamEvent;
      try {
        event = decodeLoggedEvent(json);
      } catch (error) {
        // A stream that misses it reads the log when the next event shows the gap.
        this.deps.logger.error({ err: error, channel: channelName }, 'dropped a malformed turn event');
        continue;
      }
      for (const stream of channel.streams) stream.pushLive(event);
    }
  };

  /** After a reconnect, messages published while disconnected are only in the logs. */
  private readonly onReady = (): void => {
    if (this.connectedOnce) for (const channel of this.channels.values()) for (const stream of channel.streams) stream.resync();
    this.connectedOnce = true;
  };
}
