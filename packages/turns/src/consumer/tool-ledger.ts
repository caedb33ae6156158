import type { Redis } from 'ioredis';
import { ToolResultSchema, type ToolResult } from '@bedrock-mcp/contracts';
import { z } from 'zod';
import type { TurnKeys } from '../turn-keys.js';

const LedgerEntrySchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('running'), startedAt: z.number(), worker: z.string() }),
  z.object({ status: z.literal('done'), result: ToolResultSchema, durationMs: z.number() }),
]);
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

export type ClaimOutcome = { claimed: true } | { claimed: false; entry: LedgerEntry | undefined };

/**
 * Each tool use of a turn runs at most once, across workers: a worker claims the tool-use id
 * (HSETNX, status running) before calling the tool and stores the result when it is done. A
 * worker resuming the turn finds the claim and reuses the result, or, when the claim is still
 * `running` (its worker died mid-call), must not run the tool again.
 */
export class ToolLedger {
  constructor(
    private readonly redis: Redis,
    private readonly keys: TurnKeys,
    private readonly options: { ttlSeconds: number; workerId: string },
  ) {}

  async claim(turnId: string, toolUseId: string): Promise<ClaimOutcome> {
    const key = this.keys.turnToolResults(turnId);
    const running: LedgerEntry = { status: 'running', startedAt: Date.now(), worker: this.options.workerId };
    const [[, set]] = (await this.redis.multi().hsetnx(key, toolUseId, JSON.stringify(running)).expire(key, this.options.ttlSeconds).exec()) as [[unknown, number]];
    if (set === 1) return { claimed: true };
    return { claimed: false, entry: await this.read(turnId, toolUseId) };
  }

  async complete(turnId: string, toolUseId: string, result: ToolResult, durationMs: number): Promise<void> {
    const key = this.keys.turnToolResults(turnId);
    const done: LedgerEntry = { status: 'done', result, durationMs };
    await this.redis.multi().hset(key, toolUseId, JSON.stringify(done)).expire(key, this.options.ttlSeconds).exec();
  }

  async read(turnId: string, toolUseId: string): Promise<LedgerEntry | undefined> {
    const json = await this.redis.hget(this.keys.turnToolResults(turnId), toolUseId);
    if (json === null) return undefined;
    const parsed = LedgerEntrySchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  }
}
