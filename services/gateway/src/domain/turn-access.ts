import { TurnIdSchema } from '@bedrock-mcp/contracts';
import type { TurnMeta, TurnProducer } from '@bedrock-mcp/turns';
import { GatewayError } from './gateway-error.js';

export interface TurnAccessOptions {
  /** Reads turns' owners and sends stops. */
  producer: Pick<TurnProducer, 'meta' | 'stop'>;
}

/** Who may resume or stop a turn: its owner, checked against the turn's meta (TurnProducer). */
export class TurnAccess {
  constructor(private readonly options: TurnAccessOptions) {}

  /** The turn's meta when `userId` owns it; 404 for an unknown (or expired) turn, 403 for another user's. */
  async requireOwned(userId: string, turnId: string): Promise<TurnMeta> {
    if (!TurnIdSchema.safeParse(turnId).success) throw new GatewayError('not_found', `Unknown stream id '${turnId.slice(0, 80)}'`);
    const meta = await this.options.producer.meta(turnId);
    if (!meta) throw new GatewayError('not_found', `Unknown stream id '${turnId}'`);
    if (meta.userId !== userId) throw new GatewayError('forbidden', 'This stream belongs to another user.');
    return meta;
  }

  /** Asks the worker running the turn to stop (TurnProducer.stop); the caller checked the owner. */
  async requestStop(turnId: string): Promise<void> {
    await this.options.producer.stop(turnId);
  }
}
