import { readFileSync } from 'node:fs';
import { StreamEventSchema, type StreamEvent, type StreamEventDraft } from '@bedrock-mcp/contracts';

/** The contracts' golden turn: thinking, a tool round with an image result, a text round, usage. */
export function goldenTurn(): StreamEvent[] {
  const url = new URL('../../../../../packages/contracts/fixtures/stream-events.turn.json', import.meta.url);
  return StreamEventSchema.array().parse(JSON.parse(readFileSync(url, 'utf8')));
}

/** A draft without its turn id, member by member (a plain Omit would merge the union's members). */
type TurnlessDraft = StreamEventDraft extends infer Draft ? (Draft extends StreamEventDraft ? Omit<Draft, 'turnId'> : never) : never;

/** Events numbered from 1, for hand-written turns. */
export function numbered(drafts: TurnlessDraft[], turnId = 'chatcmpl-test00001'): StreamEvent[] {
  return drafts.map((draft, index) => StreamEventSchema.parse({ ...draft, turnId, seq: index + 1, ts: 1_700_000_000_000 + index }));
}
