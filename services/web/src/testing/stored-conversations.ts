import type { Conversation, ConversationMessage, ConversationSummary } from '@bedrock-mcp/contracts';

/** A blob id (64 hex) made from one character, for fixtures. */
export const blobId = (char: string) => char.repeat(64);

/** A conversation's summary as the gateway lists it; `overrides` changes what a test needs. */
export function summary(id: string, title: string, overrides: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id,
    object: 'conversation',
    title,
    title_source: 'model',
    created_at: Date.now() - 60_000,
    updated_at: Date.now() - 60_000,
    model: 'm',
    mcp_server_ids: [],
    message_count: 2,
    size_bytes: 100,
    active_turn_id: null,
    ...overrides,
  };
}

/**
 * One exchange as the worker records it: the user's text and image, then an answer with
 * thinking, a tool call whose result has an image, an approval it asked, and text.
 */
export function recordedExchange(index: number, turnId = `chatcmpl-turn${String(index).padStart(6, '0')}`): ConversationMessage[] {
  return [
    {
      id: `msg_user${String(index).padStart(6, '0')}`,
      role: 'user',
      created_at: 1_000 + index,
      turn_id: turnId,
      parts: [
        { type: 'text', text: `Question ${index}: show me the chart` },
        { type: 'image', blob: { blob_id: blobId('a'), media_type: 'image/png', bytes: 68 }, name: 'chart.png' },
        { type: 'document', blob: { blob_id: blobId('b'), media_type: 'application/pdf', bytes: 2048 }, name: 'report.pdf', format: 'pdf' },
      ],
    },
    {
      id: `msg_answer${String(index).padStart(6, '0')}`,
      role: 'assistant',
      created_at: 2_000 + index,
      turn_id: turnId,
      model: 'm',
      parts: [
        { type: 'thinking', text: 'The person wants the chart.', redacted: false },
        {
          type: 'ask',
          ask: { kind: 'approval', id: `ask_approve${String(index).padStart(4, '0')}`, toolUseId: `tu_${index}`, name: 'everything__echo', serverId: 'everything', toolName: 'echo', input: { message: 'ping' }, reason: 'The admin requires approval for echo' },
          outcome: 'approved',
        },
        {
          type: 'tool_call',
          tool_use_id: `tu_${index}`,
          name: 'everything__echo',
          server_id: 'everything',
          tool_name: 'echo',
          input: { message: 'ping' },
          status: 'done',
          result: { content: [{ type: 'text', text: 'Echo: ping' }, { type: 'image', blob: { blob_id: blobId('c'), media_type: 'image/png', bytes: 68 } }], is_error: false, duration_ms: 12 },
        },
        { type: 'text', text: `**Answer ${index}**: here is the chart.` },
      ],
      finish_reason: 'end_turn',
      usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    },
  ];
}

/** `GET /v1/conversations/{id}`: the summary and the page of `messages` (`first_index` of it). */
export function storedConversation(base: ConversationSummary, messages: ConversationMessage[], firstIndex = 0): Conversation {
  return { ...base, messages, first_index: firstIndex };
}
