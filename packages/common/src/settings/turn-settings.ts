import { int } from './setting-fields.js';

/** A chat turn's life and the user's history, read by both ends of the turn queue (gateway and agent-worker). */
export const TURN_SETTINGS = {
  /** Longest a whole chat turn may run, in milliseconds. */
  TURN_TIMEOUT_MS: int(1_800_000, 1000),
  /** Events kept per turn for resume (the newest; STREAM_REPLAY_TTL_S says for how long). */
  STREAM_REPLAY_MAX_EVENTS: int(10_000, 100),
  /** Seconds a turn's events are kept for resume after its last event. */
  STREAM_REPLAY_TTL_S: int(3600, 10),
  /** Seconds a person has to answer a turn's approval or elicitation request before it expires (the model or the server is told). */
  APPROVAL_TIMEOUT_S: int(900, 5, 7 * 24 * 3600),
  /** Messages kept in a user's server-side history. */
  HISTORY_MAX_MESSAGES: int(200, 2, 100_000),
  /** Seconds a named conversation's server-side history (keep_session with conversation_id) lives after its last change; 0 keeps it for ever. The default conversation is always kept. */
  HISTORY_CONVERSATION_TTL_S: int(30 * 24 * 3600, 0),
  /** agent-worker: milliseconds a conversation's history lock lives without renewal (a keep_session turn renews it every third). */
  HISTORY_LOCK_TTL_MS: int(30_000, 500),
  /** agent-worker: milliseconds a keep_session turn waits for another turn of the same conversation (same user and conversation_id) to release its history. */
  HISTORY_LOCK_WAIT_MS: int(60_000, 0),
};
