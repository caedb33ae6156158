import { z } from 'zod';
import { ClientFunctionToolSchema, ResponseFormatSchema, ToolChoiceSchema, type ClientFunctionTool } from './client-tools.js';
import { ConversationIdSchema, ServerIdSchema } from './ids.js';
import { McpToolSchema, requestServerIdOf } from './request-mcp-server.js';
import { ApprovalPolicySchema } from './tool-approval.js';

const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+);base64,/i;
const HTTP_URL = /^https?:\/\//i;

export const TextPartSchema = z.object({ type: z.literal('text'), text: z.string() });
export type TextPart = z.infer<typeof TextPartSchema>;

export const ImageUrlPartSchema = z.object({
  type: z.literal('image_url'),
  image_url: z.object({
    url: z
      .string()
      .refine((url) => DATA_URL.test(url) || HTTP_URL.test(url), 'image_url.url must be a data: URL (base64) or an http(s) URL'),
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});
export type ImageUrlPart = z.infer<typeof ImageUrlPartSchema>;

/** OpenAI's file part; the seed sends bare base64 in `file_data`, OpenAI a data: URL. Both are accepted. */
export const FilePartSchema = z.object({
  type: z.literal('file'),
  file: z.object({
    file_data: z.string().min(1, 'file.file_data must not be empty'),
    filename: z.string().min(1).max(255).optional(),
  }),
});
export type FilePart = z.infer<typeof FilePartSchema>;

export const UserContentPartSchema = z.discriminatedUnion('type', [TextPartSchema, ImageUrlPartSchema, FilePartSchema]);
export type UserContentPart = z.infer<typeof UserContentPartSchema>;

const TextContentSchema = z.union([z.string(), z.array(TextPartSchema)]);

export const ToolCallSchema = z.object({
  id: z.string().min(1),
  type: z.literal('function').default('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

export const SystemMessageSchema = z.object({
  role: z.enum(['system', 'developer']),
  content: TextContentSchema,
  name: z.string().optional(),
});
export const UserMessageSchema = z.object({
  role: z.literal('user'),
  content: z.union([z.string(), z.array(UserContentPartSchema).min(1)]),
  name: z.string().optional(),
});
export const AssistantMessageSchema = z.object({
  role: z.literal('assistant'),
  content: TextContentSchema.nullish(),
  tool_calls: z.array(ToolCallSchema).optional(),
  reasoning_content: z.string().nullish(),
  name: z.string().optional(),
});
export const ToolMessageSchema = z.object({
  role: z.literal('tool'),
  tool_call_id: z.string().min(1),
  content: TextContentSchema,
});

export const ChatMessageSchema = z.discriminatedUnion('role', [
  SystemMessageSchema,
  UserMessageSchema,
  AssistantMessageSchema,
  ToolMessageSchema,
]);
export type ChatMessage = z.infer<typeof ChatMessageSchema>;
export type UserMessage = z.infer<typeof UserMessageSchema>;
export type AssistantMessage = z.infer<typeof AssistantMessageSchema>;

/** The two SSE dialects a request can choose: OpenAI's (default) or the seed's exact one. */
export const StreamFormatSchema = z.enum(['openai', 'seed']);
export type StreamFormat = z.infer<typeof StreamFormatSchema>;

export const ExtraParamsSchema = z.object({
  enable_thinking: z.boolean().default(false),
  /** Claude extended-thinking budget, in tokens (Bedrock's minimum is 1024). */
  budget_tokens: z.number().int().min(1024).max(128_000).default(1024),
  /** Keep only the newest N images inside tool results (computer-use screenshots). */
  only_n_most_recent_images: z.number().int().min(0).max(100).default(3),
  /** Bedrock prompt caching for this request (cache points after system, tools and the conversation); default: the model's `prompt_caching`. */
  prompt_caching: z.boolean().optional(),
});
export type ExtraParams = z.infer<typeof ExtraParamsSchema>;

/** One entry of a request's `tools`: a client function (ClientFunctionToolSchema) or a remote MCP server of the request (McpToolSchema). */
export const RequestToolSchema = z.discriminatedUnion('type', [ClientFunctionToolSchema, McpToolSchema]);
export type RequestTool = z.infer<typeof RequestToolSchema>;

/** The request's client function tools (its `tools` of type `function`). */
export function functionToolsOf(tools: readonly RequestTool[] | undefined): ClientFunctionTool[] {
  return (tools ?? []).flatMap((tool) => (tool.type === 'function' ? [tool] : []));
}

/** Remote MCP servers (`mcp` tools) one request may bring. */
export const MAX_REQUEST_SERVERS = 10;

export const DEFAULT_MAX_TOKENS = 4000;
export const DEFAULT_TEMPERATURE = 0.5;

/**
 * `POST /v1/chat/completions`: OpenAI's body plus the seed's extensions. Unknown OpenAI fields
 * (n, logprobs, seed, …) are dropped rather than refused, so stock clients keep working; `tools`,
 * `tool_choice` and `response_format` are honoured or refused, never dropped.
 */
export const ChatCompletionRequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    messages: z.array(ChatMessageSchema).min(1, 'messages must contain at least one message'),
    stream: z.boolean().default(false),
    stream_options: z.object({ include_usage: z.boolean().default(false) }).nullish(),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().min(0).max(500).optional(),
    max_tokens: z.number().int().positive().optional(),
    max_completion_tokens: z.number().int().positive().optional(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    user: z.string().max(256).optional(),
    /** Applies to the turn's first model call; later rounds are `auto` (or stay `none`). */
    tool_choice: ToolChoiceSchema.optional(),
    /** `json_object` / `json_schema` where the model's provider supports them; refused (400) where not. */
    response_format: ResponseFormatSchema.optional(),
    mcp_server_ids: z.array(ServerIdSchema).max(50).default([]),
    /**
     * The client's own function tools, offered with the MCP tools (their names must differ), and
     * `{"type": "mcp", server_label, server_url, …}` entries: remote MCP servers for this request only (request-mcp-server.ts).
     */
    tools: z.array(RequestToolSchema).max(128).optional(),
    keep_session: z.boolean().default(false),
    extra_params: ExtraParamsSchema.default(ExtraParamsSchema.parse({})),
    stream_format: StreamFormatSchema.optional(),
    /**
     * Which of the request's MCP tools (`mcp_server_ids`) a person must approve before they run,
     * as in the Responses API. Adds to the admin's and the servers' owners' policies; it cannot
     * lower them.
     */
    require_approval: ApprovalPolicySchema.optional(),
    /**
     * The server-side conversation (`/v1/conversations`) this request continues, created on first
     * use: the platform keeps its history (as `keep_session` does) and records the exchange in it; a
     * tool approved "for this conversation" (`remember: "conversation"`) needs no approval in its
     * later turns. One turn at a time per conversation: a second one while a turn runs is refused (409).
     */
    conversation_id: ConversationIdSchema.optional(),
    /**
     * With `conversation_id` or `keep_session`: this request's user message replaces the
     * conversation's last one, whose answer is dropped (edit and resend; send the same message
     * again to regenerate the last answer).
     */
    replace_last: z.boolean().default(false),
  })
  .superRefine((body, ctx) => {
    const serverSide = body.keep_session || body.conversation_id !== undefined;
    const lastRole = body.messages.at(-1)?.role;
    if (serverSide && lastRole !== 'user' && lastRole !== 'tool') {
      ctx.addIssue({ code: 'custom', path: ['messages'], message: 'with keep_session or conversation_id the last message must be the user message (or the tool messages answering the last tool calls)' });
    }
    if (body.replace_last && lastRole === 'tool') {
      ctx.addIssue({ code: 'custom', path: ['replace_last'], message: 'replace_last needs a user message, not tool results' });
    }
    const names = new Set<string>();
    body.tools?.forEach((tool, index) => {
      if (tool.type !== 'function') return;
      if (names.has(tool.function.name)) ctx.addIssue({ code: 'custom', path: ['tools', index, 'function', 'name'], message: `two tools are named ${tool.function.name}` });
      names.add(tool.function.name);
    });
    const choice = body.tool_choice;
    const mcpTools = body.mcp_server_ids.length > 0 || (body.tools ?? []).some((tool) => tool.type === 'mcp');
    if (names.size === 0 && !mcpTools && choice !== undefined && choice !== 'none' && choice !== 'auto') {
      ctx.addIssue({ code: 'custom', path: ['tool_choice'], message: 'tool_choice asks for a tool call, but the request offers no tools (tools or mcp_server_ids)' });
    }
    if (typeof choice === 'object' && !mcpTools && !names.has(choice.function.name)) {
      ctx.addIssue({ code: 'custom', path: ['tool_choice', 'function', 'name'], message: `tool_choice names ${choice.function.name}, which is none of the request's tools` });
    }
    const labels = new Set<string>();
    body.tools?.forEach((tool, index) => {
      if (tool.type !== 'mcp') return;
      if (labels.has(tool.server_label)) ctx.addIssue({ code: 'custom', path: ['tools', index, 'server_label'], message: `server_label '${tool.server_label}' is used twice` });
      if (body.mcp_server_ids.includes(requestServerIdOf(tool.server_label))) {
        ctx.addIssue({ code: 'custom', path: ['tools', index, 'server_label'], message: `server_label '${tool.server_label}' would name the server '${requestServerIdOf(tool.server_label)}' of mcp_server_ids` });
      }
      labels.add(tool.server_label);
    });
    if (labels.size > MAX_REQUEST_SERVERS) ctx.addIssue({ code: 'custom', path: ['tools'], message: `at most ${MAX_REQUEST_SERVERS} mcp tools per request` });
    if (body.replace_last && !serverSide) {
      ctx.addIssue({ code: 'custom', path: ['replace_last'], message: 'replace_last needs conversation_id or keep_session' });
    }
  });
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

const { model, keep_session, conversation_id } = ChatCompletionRequestSchema.shape;
/**
 * The fields of a chat request its turn's admission needs (the model, and the conversation the turn
 * runs in), by the request's own rules: the gateway reads them first, and admits the turn while the
 * rest of the request is validated.
 */
export const ChatTurnScopeSchema = z.object({ model, keep_session, conversation_id });
export type ChatCompletionRequestInput = z.input<typeof ChatCompletionRequestSchema>;

/** `data:<mime>;base64,<payload>` → its parts, or undefined for anything else. */
export function parseDataUrl(url: string): { mimeType: string; base64: string } | undefined {
  const match = DATA_URL.exec(url);
  if (!match?.[1]) return undefined;
  return { mimeType: match[1].toLowerCase(), base64: url.slice(match[0].length) };
}
