import { quitOrDisconnect, type Logger, type Redis, type RedisKeys } from '@bedrock-mcp/common';
import { ConversationChangeSchema, type WsServerFrame } from '@bedrock-mcp/contracts';

type ConversationFrame = Extract<WsServerFrame, { type: 'conversation' }>;
type Deliver = (frame: ConversationFrame) => void;

/**
 * Relays the conversation-changes channel (every user's changes, from every gateway and worker) to
 * this gateway's chat sockets: each change goes to every authenticated socket of its user, and to
 * no one else. One subscriber connection for the process, its own (it enters subscriber mode);
 * ioredis subscribes again after a reconnect. A message that is not a ConversationChange is dropped
 * with a warning.
 */
export class ConversationChangeRelay {
  /** Resolves once the channel is subscribed (changes published from then on are relayed). */
  readonly subscribed: Promise<void>;
  private readonly sockets = new Map<string, Set<Deliver>>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly subscriber: Redis,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
  ) {
    subscriber.on('message', this.onMessage);
    this.subscribed = subscriber.subscribe(keys.conversationChanges()).then(() => undefined);
    this.subscribed.catch((error: unknown) => logger.error({ err: error }, 'could not subscribe to conversation changes; sockets will not hear of them'));
  }

  /** Registers one of the user's sockets; call the returned function when it closes (idempotent). */
  register(userId: string, deliver: Deliver): () => void {
    let delivers = this.sockets.get(userId);
    if (!delivers) {
      delivers = new Set();
      this.sockets.set(userId, delivers);
    }
    delivers.add(deliver);
    return () => {
      const current = this.sockets.get(userId);
      if (!current?.delete(deliver) || current.size > 0) return;
      this.sockets.delete(userId);
    };
  }

  /** Sockets registered now, for every user (tests, metrics). */
  get socketCount(): number {
    let count = 0;
    for (const delivers of this.sockets.values()) count += delivers.size;
    return count;
  }

  /** Stops relaying and closes the subscriber connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.subscriber.off('message', this.onMessage);
      this.sockets.clear();
      await quitOrDisconnect(this.subscriber);
    })();
    return this.closing;
  }

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.keys.conversationChanges()) return;
    let parsed;
    try {
      parsed = ConversationChangeSchema.safeParse(JSON.parse(message));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      this.logger.warn({ channel, bytes: message.length }, 'dropped a malformed conversation change');
      return;
    }
    const { user_id: userId, ...change } = parsed.data;
    const delivers = this.sockets.get(userId);
    if (!delivers) return;
    const frame: ConversationFrame = { type: 'conversation', change };
    for (const deliver of delivers) deliver(frame);
  };
}
