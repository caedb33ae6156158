import { z } from 'zod';

/**
 * The worker's canonical conversation: Bedrock Converse's message shape, JSON-safe (bytes as
 * base64), so it can be checkpointed and kept as a user's history in Redis as is (one JSON
 * message per list entry; voice transcripts are stored as text-only messages of the same shape).
 * Providers translate it at their boundary (Uint8Array for the AWS SDK, chat messages for OpenAI).
 * Objects are not strict: a field a newer version adds is dropped on read, not a reason to lose
 * the message.
 */
export const IMAGE_FORMATS = ['png', 'jpeg', 'gif', 'webp'] as const;
export const ImageFormatSchema = z.enum(IMAGE_FORMATS);
export type ImageFormat = z.infer<typeof ImageFormatSchema>;

export const DOCUMENT_FORMATS = ['pdf', 'csv', 'doc', 'docx', 'xls', 'xlsx', 'html', 'txt', 'md'] as const;
export const DocumentFormatSchema = z.enum(DOCUMENT_FORMATS);
export type DocumentFormat = z.infer<typeof DocumentFormatSchema>;

/** The media type of each document format (for a data URL, a stored file). */
export const DOCUMENT_MEDIA_TYPES: Readonly<Record<DocumentFormat, string>> = {
  pdf: 'application/pdf',
  csv: 'text/csv',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  html: 'text/html',
  txt: 'text/plain',
  md: 'text/markdown',
};

const base64 = z.string();

export const ImageBlockSchema = z.object({ image: z.object({ format: ImageFormatSchema, bytes: base64 }) });
export const DocumentBlockSchema = z.object({
  document: z.object({ format: DocumentFormatSchema, name: z.string().min(1).max(200), bytes: base64 }),
});
export const TextBlockSchema = z.object({ text: z.string() });

export const ToolResultContentSchema = z.union([TextBlockSchema, ImageBlockSchema, DocumentBlockSchema, z.object({ json: z.unknown() })]);
export type ToolResultContent = z.infer<typeof ToolResultContentSchema>;

export const ToolUseBlockSchema = z.object({
  toolUse: z.object({ toolUseId: z.string().min(1), name: z.string().min(1), input: z.unknown() }),
});
export const ToolResultBlockSchema = z.object({
  toolResult: z.object({
    toolUseId: z.string().min(1),
    content: z.array(ToolResultContentSchema),
    status: z.enum(['success', 'error']).optional(),
  }),
});
/** Claude's reasoning: text with the signature Bedrock needs to accept it back, or redacted bytes (base64). */
export const ReasoningBlockSchema = z.object({
  reasoningContent: z.union([
    z.object({ reasoningText: z.object({ text: z.string(), signature: z.string().optional() }) }),
    z.object({ redactedContent: base64 }),
  ]),
});

export const ContentBlockSchema = z.union([
  TextBlockSchema,
  ImageBlockSchema,
  DocumentBlockSchema,
  ToolUseBlockSchema,
  ToolResultBlockSchema,
  ReasoningBlockSchema,
]);
export type ContentBlock = z.infer<typeof ContentBlockSchema>;
export type ToolUseBlock = z.infer<typeof ToolUseBlockSchema>;
export type ToolResultBlock = z.infer<typeof ToolResultBlockSchema>;
export type ReasoningBlock = z.infer<typeof ReasoningBlockSchema>;

export const ConverseMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.array(ContentBlockSchema),
});
export type ConverseMessage = z.infer<typeof ConverseMessageSchema>;

export function isToolUse(block: ContentBlock): block is ToolUseBlock {
  return 'toolUse' in block;
}
export function isToolResult(block: ContentBlock): block is ToolResultBlock {
  return 'toolResult' in block;
}
export function isReasoning(block: ContentBlock): block is ReasoningBlock {
  return 'reasoningContent' in block;
}

/** The tool uses of a message, in order. */
export function toolUsesOf(message: ConverseMessage | undefined): ToolUseBlock['toolUse'][] {
  return (message?.content ?? []).filter(isToolUse).map((block) => block.toolUse);
}
