import { randomIdPart } from '@bedrock-mcp/common';
import type { StreamEvent } from '@bedrock-mcp/contracts';
import { createTurnKeys, type TurnKeys } from '../turn-keys.js';
import { decodeLoggedEvent, splitPublishedEvents } from './logged-event-json.js';
import type { OpenTurnStreamOptions, TurnEventsOptions } from './turn-events-options.js';
import { TurnEventStream } from './turn-event-stream.js';

/** Resolves once Redis confirmed the SUBSCRIBE. */
type Subscription = Promise<void>;

interface Channel {
  streams: Set<TurnEventStream>;
  /** The SUBSCRIBE to the turn's own channel; none while its streams all read through the hub's channel. */
  subscription: Subscription | undefined;
  /** The last stream left a subscribed channel; UNSUBSCRIBE goes out with the next batch unless a stream comes back first. */
  leaving: boolean;
}

/**
 * The one reader of turn events (the hub) (SSE, non-stream, WebSocket and resume all use it). Multiplexes
 * every open stream over one subscriber connection; a stream subscribes first, then reads the
 * turn's log, and deduplicates by seq, so no event is missed or repeated. SUBSCRIBE and
 * UNSUBSCRIBE commands of one event-loop turn go out together (one command for many turns).
 * The hub also has a channel of its own (`homeChannel`), subscribed once: a turn whose meta names it
 * (one this process submits) has its events published there too, so reading it takes no SUBSCRIBE
 * or UNSUBSCRIBE at all (`viaHome`).
 */
export class TurnEvents {
  /** This hub's own channel: the events of the turns whose meta names it (`homeChannel`). */
  readonly homeChannel: string;
  private readonly channels = new Map<string, Channel>();
  private readonly options: Required<Omit<TurnEventsOptions, 'subscriber' | 'redis' | 'prefix' | 'logger'>>;
  private toSubscribe: Array<{ channel: string; resolve: () => void; reject: (error: unknown) => void }> = [];
  private toUnsubscribe = new Set<string>();
  private flushScheduled = false;
  private connectedOnce = false;
  private closing: Promise<void> | undefined;
  private readonly keys: TurnKeys;
  /** The home channel's SUBSCRIBE; none after one failed, until the next stream that needs it. */
  private home: Subscription | undefined;

  constructor(private readonly deps: TurnEventsOptions) {
    this.keys = createTurnKeys(deps.prefix);
    this.homeChannel = this.keys.hubChannel(randomIdPart(12));
    this.options = {
      maxBufferedEvents: deps.maxBufferedEvents ?? 1000,
      resyncIntervalMs: deps.resyncIntervalMs ?? 15_000,
      idleTimeoutMs: deps.idleTimeoutMs,
    };
    deps.subscriber.on('message', this.onMessage);
    deps.subscriber.on('ready', this.onReady);
    // Subscribed now, so the first turn does not wait for it.
    this.homeSubscription();
  }

  /** Turns whose events this hub is reading now. */
  get openTurns(): number {
    return this.channels.size;
  }

  /**
   * Resolves once the turn's channel (or, `viaHome`, the hub's) is subscribed: events published
   * from then on are not missed.
   */
  open(turnId: string, options: OpenTurnStreamOptions = {}): Promise<TurnEventStream> {
    if (this.closing) return Promise.reject(new Error('the turn event hub is closed'));
    const channelName = this.keys.turnChannel(turnId);
    const stream = new TurnEventStream(turnId, options.afterSeq ?? 0, !options.fresh, this.options, {
      readLog: () => this.readLog(turnId),
      release: (released) => this.release(channelName, released),
    });
    let channel = this.channels.get(channelName);
    if (!channel) {
      channel = { streams: new Set(), subscription: undefined, leaving: false };
      this.channels.set(channelName, channel);
    } else if (channel.leaving) {
      channel.leaving = false;
      this.toUnsubscribe.delete(channelName);
    }
    channel.streams.add(stream);
    const joined = channel;
    const subscription = options.viaHome ? this.homeSubscription() : (joined.subscription ??= this.subscribe(channelName));
    return subscription.then(
      () => stream,
      (error: unknown) => {
        // A failed SUBSCRIBE must not stick: the next open tries again.
        if (joined.subscription === subscription) joined.subscription = undefined;
        stream.close();
        throw error;
      },
    );
  }

  /** Closes every stream and the subscriber connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const channel of [...this.channels.values()]) for (const stream of [...channel.streams]) stream.close();
      this.deps.subscriber.off('message', this.onMessage);
      this.deps.subscriber.off('ready', this.onReady);
      for (const pending of this.toSubscribe.splice(0)) pending.reject(new Error('the turn event hub is closed'));
      await this.deps.subscriber.quit().catch(() => this.deps.subscriber.disconnect());
    })();
    return this.closing;
  }

  private async readLog(turnId: string): Promise<StreamEvent[]> {
    const raw = await this.deps.redis.lrange(this.keys.turnLog(turnId), 0, -1);
    return raw.map(decodeLoggedEvent);
  }

  /** The home channel's SUBSCRIBE: made once, and again by the next stream after one failed. */
  private homeSubscription(): Subscription {
    if (this.home) return this.home;
    const home = this.subscribe(this.homeChannel);
    this.home = home;
    home.catch((error: unknown) => {
      if (this.home === home) this.home = undefined;
      if (!this.closing) this.deps.logger.warn({ err: error }, 'could not subscribe to the hub channel');
    });
    return home;
  }

  private subscribe(channel: string): Subscription {
    return new Promise<void>((resolve, reject) => {
      this.toSubscribe.push({ channel, resolve, reject });
      this.scheduleFlush();
    });
  }

  private release(channelName: string, stream: TurnEventStream): void {
    const channel = this.channels.get(channelName);
    if (!channel?.streams.delete(stream) || channel.streams.size > 0 || this.closing) return;
    if (!channel.subscription) {
      this.channels.delete(channelName);
      return;
    }
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
    if (channelName !== this.homeChannel) {
      this.deliver(channelName, message);
      return;
    }
    // A home message names the turn's channel on its first line (lua/append-events.lua).
    const newline = message.indexOf('\n');
    if (newline < 0) {
      this.deps.logger.error({ channel: channelName }, 'dropped a hub message naming no turn');
      return;
    }
    this.deliver(message.slice(0, newline), message.slice(newline + 1));
  };

  private deliver(channelName: string, message: string): void {
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
  }

  /** After a reconnect, messages published while disconnected are only in the logs. */
  private readonly onReady = (): void => {
    if (this.connectedOnce) for (const channel of this.channels.values()) for (const stream of channel.streams) stream.resync();
    this.connectedOnce = true;
  };
}
