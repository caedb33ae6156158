import { EMPTY_CONVERSATION, joinTexts, type ConversationView } from './conversation-view.js';
import type { ToolResultView } from './types.js';

// The Converse request as the SDK serializes it (blobs arrive base64-encoded). Loose on purpose:
// the emulator reads what it needs and records the rest untouched.

export interface BedrockToolResultContent {
  text?: string;
  json?: unknown;
  image?: { format: string; source: { bytes?: string } };
  document?: { format: string; name: string; source: { bytes?: string } };
}

export interface BedrockContentBlock {
  text?: string;
  image?: { format: string; source: { bytes?: string } };
  document?: { format: string; name: string; source: { bytes?: string; text?: string } };
  toolUse?: { toolUseId: string; name: string; input: unknown };
  toolResult?: { toolUseId: string; content?: BedrockToolResultContent[]; status?: 'success' | 'error' };
  reasoningContent?: { reasoningText?: { text: string; signature?: string }; redactedContent?: string };
  cachePoint?: { type: string };
}

export interface BedrockMessage {
  role: 'user' | 'assistant';
  content: BedrockContentBlock[];
}

export interface BedrockToolSpec {
  name: string;
  description?: string;
  inputSchema?: { json?: unknown };
}

export interface BedrockConverseRequest {
  messages?: BedrockMessage[];
  system?: { text?: string; cachePoint?: { type: string } }[];
  toolConfig?: { tools?: { toolSpec?: BedrockToolSpec; cachePoint?: { type: string } }[]; toolChoice?: unknown };
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  additionalModelRequestFields?: Record<string, unknown>;
  [field: string]: unknown;
}

export function bedrockConversationView(request: BedrockConverseRequest): ConversationView {
  const messages = request.messages ?? [];
  const last = messages.at(-1);
  if (last?.role !== 'user') return EMPTY_CONVERSATION;
  const toolNamesById = toolNamesOf(messages.at(-2));
  return {
    lastUserText: joinTexts(last.content.flatMap((block) => (block.text === undefined ? [] : [block.text]))),
    toolResults: last.content.flatMap((block) =>
      block.toolResult === undefined ? [] : [toolResultView(block.toolResult, toolNamesById)],
    ),
  };
}

function toolNamesOf(assistantMessage: BedrockMessage | undefined): Map<string, string> {
  const names = new Map<string, string>();
  if (assistantMessage?.role !== 'assistant') return names;
  for (const block of assistantMessage.content) {
    if (block.toolUse !== undefined) names.set(block.toolUse.toolUseId, block.toolUse.name);
  }
  return names;
}

function toolResultView(
  result: NonNullable<BedrockContentBlock['toolResult']>,
  toolNamesById: ReadonlyMap<string, string>,
): ToolResultView {
  const content = result.content ?? [];
  const texts = content.flatMap((part) => {
    if (part.text !== undefined) return [part.text];
    if (part.json !== undefined) return [JSON.stringify(part.json)];
    return [];
  });
  return {
    name: toolNamesById.get(result.toolUseId),
    toolUseId: result.toolUseId,
    text: texts.join('\n'),
    images: content.filter((part) => part.image !== undefined).length,
    isError: result.status === 'error',
  };
}
