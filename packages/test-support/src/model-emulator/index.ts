export { startModelEmulator } from './emulator.js';
export { loadScriptFile, parseScript } from './script-file.js';
export type * from './types.js';
export type * from './sonic-types.js';
export type { CachePointAccount, CacheSection, PromptCacheAccount } from './prompt-cache.js';
export { pcm16DurationMs, pcm16Rms, silencePcm16, tonePcm16, type ToneOptions } from './pcm16.js';
export { SONIC_INTERRUPTED_MARKER, SONIC_OUTPUT_SAMPLE_RATE } from './sonic-output.js';
export { SONIC_SESSION_LIMIT_MESSAGE } from './sonic-route.js';
export type {
  BedrockContentBlock,
  BedrockConverseRequest,
  BedrockMessage,
  BedrockToolResultContent,
  BedrockToolSpec,
} from './bedrock-request.js';
export type {
  OpenAIChatMessage,
  OpenAIChatRequest,
  OpenAIContentPart,
  OpenAIToolCall,
} from './openai-request.js';
