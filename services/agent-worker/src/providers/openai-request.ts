import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionMessageFunctionToolCall,
} from 'openai/resources/chat/completions';
import { DOCUMENT_MEDIA_TYPES, isToolResult, type ContentBlock, type ConverseMessage, type DocumentFormat } from '@bedrock-mcp/contracts';
import type { ModelRequest } from './model-provider.js';

const TEXT_DOCUMENTS: ReadonlySet<DocumentFormat> = new Set(['txt', 'md', 'csv', 'html']);

/**
 * The chat completions request for a model call: toolUse → assistant tool_calls, toolResult →
 * `tool` messages (text only, as the API takes; images a tool returned follow in a user message),
 * text documents inlined as text, binary ones as `file` parts. Reasoning is not sent back:
 * OpenAI-compatible APIs (DeepSeek among them) refuse or ignore it.
 */
export function toChatCompletionParams(request: ModelRequest): ChatCompletionCreateParamsStreaming {
  const messages: ChatCompletionMessageParam[] = request.system.map((text) => ({ role: 'system', content: text }));
  for (const message of request.messages) messages.push(...(message.role === 'assistant' ? assistantMessages(message) : userMessages(message)));
  return {
    model: request.modelId,
    messages,
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: request.maxTokens,
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(request.stopSequences?.length ? { stop: request.stopSequences } : {}),
    ...(request.tools.length > 0
      ? {
          tools: request.tools.map((tool) => ({
            type: 'function' as const,
            function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
          })),
          ...(request.toolChoice !== undefined ? { tool_choice: request.toolChoice } : {}),
        }
      : {}),
    ...(request.responseFormat ? { response_format: request.responseFormat } : {}),
  };
}

function assistantMessages(message: ConverseMessage): ChatCompletionMessageParam[] {
  const text = message.content.flatMap((block) => ('text' in block ? [block.text] : [])).join('');
  const toolCalls: ChatCompletionMessageFunctionToolCall[] = message.content.flatMap((block) =>
    'toolUse' in block
      ? [{ id: block.toolUse.toolUseId, type: 'function' as const, function: { name: block.toolUse.name, arguments: JSON.stringify(block.toolUse.input ?? {}) } }]
      : [],
  );
  if (!text && toolCalls.length === 0) return [];
  return [{ role: 'assistant', content: text || null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) }];
}

function userMessages(message: ConverseMessage): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  const toolImages: ChatCompletionContentPart[] = [];
  for (const block of message.content.filter(isToolResult)) {
    const texts: string[] = [];
    for (const part of block.toolResult.content) {
      if ('text' in part) texts.push(part.text);
      else if ('json' in part) texts.push(JSON.stringify(part.json));
      else if ('image' in part) {
        texts.push('[image: see the next message]');
        toolImages.push({ type: 'image_url', image_url: { url: `data:image/${part.image.format};base64,${part.image.bytes}` } });
      } else texts.push(`[document ${part.document.name}]`);
    }
    const prefix = block.toolResult.status === 'error' ? 'Error: ' : '';
    out.push({ role: 'tool', tool_call_id: block.toolResult.toolUseId, content: prefix + texts.join('\n') });
  }
  const parts = message.content.filter((block) => !isToolResult(block)).flatMap(toUserPart);
  if (toolImages.length > 0) parts.unshift({ type: 'text', text: 'Images returned by the tools above:' }, ...toolImages);
  if (parts.length > 0) out.push({ role: 'user', content: parts.every((part) => part.type === 'text') ? parts.map((part) => (part as { text: string }).text).join('\n') : parts });
  return out;
}

function toUserPart(block: ContentBlock): ChatCompletionContentPart[] {
  if ('text' in block) return [{ type: 'text', text: block.text }];
  if ('image' in block) return [{ type: 'image_url', image_url: { url: `data:image/${block.image.format};base64,${block.image.bytes}` } }];
  if ('document' in block) {
    const { format, name, bytes } = block.document;
    if (TEXT_DOCUMENTS.has(format)) return [{ type: 'text', text: `[document ${name}.${format}]\n${Buffer.from(bytes, 'base64').toString('utf8')}` }];
    return [{ type: 'file', file: { filename: `${name}.${format}`, file_data: `data:${DOCUMENT_MEDIA_TYPES[format]};base64,${bytes}` } }];
  }
  return [];
}
