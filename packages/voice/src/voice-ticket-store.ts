import { createHash, randomBytes } from 'node:crypto';
import type { Redis, RedisKeys } from '@bedrock-mcp/common';
import { ServerIdSchema, UserIdSchema } from '@bedrock-mcp/contracts';
import { z } from 'zod';

/** What a ticket lets its bearer do: open one voice socket as this user, with these settings. */
export const VoiceTicketGrantSchema = z
  .object({
    userId: UserIdSchema,
    mcpServerIds: z.array(ServerIdSchema).max(50).default([]),
    voiceId: z.string().min(1).max(50).optional(),
    /** Epoch milliseconds. */
    issuedAt: z.number().int(),
  })
  .strict();
export type VoiceTicketGrant = z.infer<typeof VoiceTicketGrantSchema>;

/** 32 random bytes, base64url. */
const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface VoiceTicketStoreOptions {
  /** Seconds a ticket stays valid (VOICE_TICKET_TTL_S). */
  ttlSeconds: number;
}

/**
 * Short-lived, single-use tickets for the voice WebSocket: the REST API (where the caller is
 * authenticated by header) issues one, the browser puts it in the socket URL, the gateway consumes it
 * on connect. Redis holds only the ticket's SHA-256, so a key listing does not reveal usable tickets;
 * GETDEL makes a second use (or a replay from a log) fail.
 */
export class VoiceTicketStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: VoiceTicketStoreOptions,
  ) {
    if (!(options.ttlSeconds >= 1)) throw new RangeError('VoiceTicketStore: ttlSeconds must be >= 1');
  }

  async issue(grant: Omit<VoiceTicketGrant, 'issuedAt' | 'mcpServerIds'> & { mcpServerIds?: string[] }): Promise<{ ticket: string; expiresIn: number }> {
    const value = VoiceTicketGrantSchema.parse({ ...grant, issuedAt: Date.now() });
    const ticket = randomBytes(32).toString('base64url');
    await this.redis.set(this.#key(ticket), JSON.stringify(value), 'EX', this.options.ttlSeconds);
    return { ticket, expiresIn: this.options.ttlSeconds };
  }

  /** The grant of a valid ticket, which is used up; undefined for unknown, expired, used or malformed tickets. */
  async consume(ticket: string): Promise<VoiceTicketGrant | undefined> {
    if (!TICKET_PATTERN.test(ticket)) return undefined;
    const stored = await this.redis.getdel(this.#key(ticket));
    if (stored === null) return undefined;
    try {
      const parsed = VoiceTicketGrantSchema.safeParse(JSON.parse(stored));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  #key(ticket: string): string {
    return this.keys.voiceTicket(createHash('sha256').update(ticket).digest('hex'));
  }
}
