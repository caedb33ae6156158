import type {
  ContentBlock as SdkContentBlock,
  ConverseStreamCommandInput,
  Message as SdkMessage,
  ToolResultContentBlock as SdkToolResultContent,
} from '@aws-sdk/client-bedrock-runtime';
import { isToolResult, isToolUse, type ContentBlock, type ConverseMessage, type ToolResultContent } from '@bedrock-mcp/contracts';
import type { ModelRequest } from './model-provider.js';

type SdkToolChoice = NonNullable<NonNullable<ConverseStreamCommandInput['toolConfig']>['toolChoice']>;

/** The AWS SDK's JSON document type. */
type DocumentType = NonNullable<ConverseStreamCommandInput['additionalModelRequestFields']>;

const isClaudeModel = (modelId: string): boolean => /anthropic\.claude/i.test(modelId);
const isNovaModel = (modelId: string): boolean => /amazon\.nova/i.test(modelId);

const CACHE_POINT = { cachePoint: { type: 'default' as const } };

/** Cache points go only to models that support them (Bedrock refuses them otherwise); the request's choice overrides the model's. */
function promptCachingOf(request: Pick<ModelRequest, 'model' | 'promptCaching'>): boolean {
  return request.model.supports_prompt_caching && (request.promptCaching ?? request.model.prompt_caching ?? true);
}

/**
 * The ConverseStream request for a model call. With Claude extended thinking, temperature, top_p
 * and top_k are left out (Bedrock refuses them with thinking) and maxTokens is raised above the
 * budget when needed (it must exceed it). top_k goes where each family reads it: `top_k` for
 * Claude, `inferenceConfig.topK` for Nova; other models do not get it.
 *
 * With prompt caching, three cache points (Bedrock allows four): after the tool list (not for
 * Nova, which caches only system and messages) and after the system prompt, which stay the same across a conversation, and at the end of the last message,
 * which moves with every round, so each round reads the prefix the previous one wrote. Bedrock
 * ignores a point before the model's minimum prefix length, so short prompts cost nothing extra.
 */
export function toConverseStreamInput(request: ModelRequest): ConverseStreamCommandInput {
  const thinking = request.thinking && isClaudeModel(request.modelId) ? request.thinking : undefined;
  const maxTokens = thinking && request.maxTokens <= thinking.budgetTokens ? thinking.budgetTokens + request.maxTokens : request.maxTokens;
  const additional: Record<string, DocumentType> = {};
  if (thinking) additional.thinking = { type: 'enabled', budget_tokens: thinking.budgetTokens };
  if (!thinking && request.topK !== undefined) {
    if (isClaudeModel(request.modelId)) additional.top_k = request.topK;
    else if (isNovaModel(request.modelId)) additional.inferenceConfig = { topK: request.topK };
  }
  // tool_choice `none`: Converse has no such choice, so the model is offered no tool.
  const hasTools = request.tools.length > 0 && request.toolChoice !== 'none';
  const toolChoice = toSdkToolChoice(request.toolChoice);
  const caching = promptCachingOf(request);
  const messages = request.messages.map((message) => toSdkMessage(message, hasTools));
  const last = messages.at(-1);
  if (caching && last?.content?.length) last.content.push(CACHE_POINT);
  return {
    modelId: request.modelId,
    messages,
    ...(request.system.length > 0 ? { system: [...request.system.map((text) => ({ text })), ...(caching ? [CACHE_POINT] : [])] } : {}),
    inferenceConfig: {
      maxTokens,
      ...(!thinking && request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(!thinking && request.topP !== undefined ? { topP: request.topP } : {}),
      ...(request.stopSequences?.length ? { stopSequences: request.stopSequences } : {}),
    },
    ...(hasTools
      ? {
          toolConfig: {
            tools: [
              ...request.tools.map((tool) => ({
                toolSpec: {
                  name: tool.name,
                  ...(tool.description ? { description: tool.description } : {}),
                  inputSchema: { json: tool.inputSchema as DocumentType },
                },
              })),
              ...(caching && !isNovaModel(request.modelId) ? [CACHE_POINT] : []),
            ],
            ...(toolChoice ? { toolChoice } : {}),
          },
        }
      : {}),
    ...(Object.keys(additional).length > 0 ? { additionalModelRequestFields: additional } : {}),
  };
}

/** OpenAI's tool_choice in Converse's terms: `auto`, `required` → `any`, a named function → `tool`. */
function toSdkToolChoice(choice: ModelRequest['toolChoice']): SdkToolChoice | undefined {
  if (choice === undefined || choice === 'none') return undefined;
  if (choice === 'auto') return { auto: {} };
  if (choice === 'required') return { any: {} };
  return { tool: { name: choice.function.name } };
}

/**
 * Bedrock refuses toolUse/toolResult blocks when the request offers no tools (a kept history from
 * a turn with tools, continued without them): they are then sent as text.
 */
function toSdkMessage(message: ConverseMessage, hasTools: boolean): SdkMessage {
  const content = message.content.flatMap((block) => (!hasTools && (isToolUse(block) || isToolResult(block)) ? toolBlockAsText(block) : [toSdkBlock(block)]));
  return { role: message.role, content };
}

function toSdkBlock(block: ContentBlock): SdkContentBlock {
  if ('text' in block) return { text: block.text };
  if ('image' in block) return { image: { format: block.image.format, source: { bytes: bytes(block.image.bytes) } } };
  if ('document' in block) return { document: { format: block.document.format, name: block.document.name, source: { bytes: bytes(block.document.bytes) } } };
  if ('toolUse' in block) return { toolUse: { ...block.toolUse, input: (block.toolUse.input ?? {}) as DocumentType } };
  if ('toolResult' in block) {
    return {
      toolResult: {
        toolUseId: block.toolResult.toolUseId,
        content: block.toolResult.content.map(toSdkToolResultContent),
        ...(block.toolResult.status ? { status: block.toolResult.status } : {}),
      },
    };
  }
  const reasoning = block.reasoningContent;
  if ('redactedContent' in reasoning) return { reasoningContent: { redactedContent: bytes(reasoning.redactedContent) } };
  return { reasoningContent: { reasoningText: reasoning.reasoningText } };
}

function toSdkToolResultContent(part: ToolResultContent): SdkToolResultContent {
  if ('text' in part) return { text: part.text };
  if ('image' in part) return { image: { format: part.image.format, source: { bytes: bytes(part.image.bytes) } } };
  if ('document' in part) return { document: { format: part.document.format, name: part.document.name, source: { bytes: bytes(part.document.bytes) } } };
  return { json: part.json as DocumentType };
}

function toolBlockAsText(block: ContentBlock): SdkContentBlock[] {
  if ('toolUse' in block) return [{ text: `[called tool ${block.toolUse.name} with ${JSON.stringify(block.toolUse.input)}]` }];
  if (!('toolResult' in block)) return [];
  const texts = block.toolResult.content.map((part) => ('text' in part ? part.text : 'json' in part ? JSON.stringify(part.json) : '[attachment]'));
  return [{ text: `[tool result${block.toolResult.status === 'error' ? ' (error)' : ''}: ${texts.join('\n')}]` }];
}

function bytes(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}
