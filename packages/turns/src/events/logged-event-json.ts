import type { StreamEvent } from '@bedrock-mcp/contracts';

/** Each decoded event's JSON as it was logged, for relays that forward it unchanged. Weak: it goes with the event. */
const loggedJson = new WeakMap<StreamEvent, string>();

/**
 * The events' JSON in one message published on a turn's channel: one append's events, one per
 * line, in seq order (lua/append-events.lua; JSON text holds no raw newline).
 */
export function splitPublishedEvents(message: string): string[] {
  return message.split('\n');
}

/**
 * Decodes a logged or published event without the schema: for the relay's hot path, where every
 * event was built as a typed StreamEventDraft by our own worker (TurnEventLog.appendMany) and
 * validating it again for every reader costs more than forwarding it (parseLoggedEvent validates).
 * Only the shape the relay relies on (an object with a numeric seq and a string type) is checked;
 * anything else throws.
 */
export function decodeLoggedEvent(json: string): StreamEvent {
  const event = JSON.parse(json) as Partial<StreamEvent> | null;
  if (typeof event !== 'object' || event === null || typeof event.seq !== 'number' || typeof event.type !== 'string') {
    throw new Error('not a logged turn event');
  }
  loggedJson.set(event as StreamEvent, json);
  return event as StreamEvent;
}

/**
 * The JSON `event` was decoded from (decodeLoggedEvent), so a relay can forward it without
 * encoding it again; undefined for any other object (a copy, an event built here). The worker
 * wrote it with JSON.stringify, so it is the text JSON.stringify(event) gives, but for objects with
 * integer-like keys inside (a tool's input), which keep the order the worker gave them.
 */
export function loggedJsonOf(event: StreamEvent): string | undefined {
  return loggedJson.get(event);
}
