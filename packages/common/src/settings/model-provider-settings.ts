import { bool, optionalString } from './setting-fields.js';

/** Which model providers are set up: the worker calls them, the gateway lists and accepts only their models. */
export const MODEL_PROVIDER_SETTINGS = {
  /** 1: models that name no provider go to Bedrock; 0 (the seed's OpenAI-compatible mode): to COMPATIBLE_API_BASE, and the built-in Bedrock provider is off. */
  use_bedrock: bool(true),
  /** OpenAI-compatible API base URL of the built-in `openai` provider (use_bedrock=0, or models with `"provider": "openai"`); a bare host such as https://api.siliconflow.cn gets /v1 appended. */
  COMPATIBLE_API_BASE: optionalString,
};
