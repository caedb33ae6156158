export { SonicSession, type RenewReason, type SonicSessionEvents, type SonicSessionStart, type SonicSessionState } from './sonic-session.js';
export { chooseVoiceId, resolveSonicSessionOptions, sonicSessionSettings, type SonicSessionOptions } from './sonic-session-options.js';
export { createPoolToolExecutor, sonicToolSpecs, type PoolToolExecutorOptions, type VoiceToolCall, type VoiceToolExecutor, type VoiceToolOutcome } from './voice-tools.js';
export { VoiceHistory } from './voice-history.js';
export { VoiceTicketGrantSchema, VoiceTicketStore, type VoiceTicketGrant, type VoiceTicketStoreOptions } from './voice-ticket-store.js';
export { boundReplayHistory, type ReplayLimits, type VoiceTurn } from './voice-turn.js';
export { isSessionTimeout, voiceErrorFrame } from './voice-errors.js';
export { SONIC_INTERRUPTED_MARKER, type SonicInferenceConfiguration, type SonicToolSpec } from './sonic-protocol.js';
