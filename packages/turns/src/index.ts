// The producer (gateway side), the consumer (worker side) and the readers of a turn's events;
// see README.md for the life of a turn.
export { TurnProducer, TurnEnqueueError, type StartedTurn, type TurnMeta, type TurnOpening, type TurnRateGate, type TurnSubmission, type TurnSubmitOutcome } from './producer/turn-producer.js';
export type { TurnProducerOptions } from './producer/turn-producer-options.js';
export { RateCounter, type RateCounterOptions, type RateWindow } from './producer/rate-counter.js';
export { TurnConsumer, type RunTurn, type TurnContext } from './consumer/turn-consumer.js';
export type { TurnConsumerOptions } from './consumer/turn-consumer-options.js';
export { AnswerWaiter } from './asks/answer-waiter.js';
export { TurnAsks, newAskId, type AnswerOutcome, type AnswerRefusal, type AskSettlement, type TurnAsksOptions } from './asks/turn-asks.js';
export { TurnEmitter, type TurnEventBody } from './consumer/turn-emitter.js';
export type { TurnCheckpoint, TurnPause } from './consumer/turn-checkpoint.js';
export { TurnPauses, resumeJobIdOf, generationOf } from './consumer/turn-pauses.js';
export { ConversationApprovals, approvedToolKey } from './consumer/conversation-approvals.js';
export type { ToolLedger } from './consumer/tool-ledger.js';
export { TurnEvents } from './events/turn-events.js';
export type { OpenTurnStreamOptions, TurnEventsOptions } from './events/turn-events-options.js';
export { TurnEventStream, TurnStreamTimeoutError } from './events/turn-event-stream.js';
export { TurnEventLog, parseLoggedEvent, type TurnEventLogOptions } from './events/turn-event-log.js';
export { loggedJsonOf, splitPublishedEvents } from './events/logged-event-json.js';
export { ActiveTurns, conversationOf, type TurnAdmission, type TurnHolder } from './producer/active-turns.js';
// Tests and benchmarks read stored turn data through these; services never do (see no-turn-keys.test.ts).
export { createTurnKeys, type TurnKeys } from './turn-keys.js';
export { turnScript } from './lua-scripts.js';
// A user's server-side chat history: one store for the worker, the gateway and voice.
export * from './history/index.js';
