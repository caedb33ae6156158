import { describe, expect, it } from 'vitest';
import { toRoundStop } from './stop-reason.js';

describe('toRoundStop', () => {
  it('keeps Bedrock stop reasons the contract knows', () => {
    for (const reason of ['end_turn', 'tool_use', 'max_tokens', 'stop_sequence', 'guardrail_intervened', 'content_filtered']) {
      expect(toRoundStop(reason).finishReason).toBe(reason);
    }
  });

  it('maps the rest to reasons that end the turn: context overflow as max_tokens, malformed output as error, unknown as end_turn', () => {
    expect(toRoundStop('model_context_window_exceeded').finishReason).toBe('max_tokens');
    expect(toRoundStop('malformed_tool_use').finishReason).toBe('error');
    expect(toRoundStop('malformed_model_output').finishReason).toBe('error');
    expect(toRoundStop('some_future_reason').finishReason).toBe('end_turn');
  });
});
