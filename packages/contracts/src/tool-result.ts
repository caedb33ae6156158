import { z } from 'zod';

/** One part of a tool's result, as the pool returns it and as events carry it. */
export const ToolResultPartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({
    type: z.literal('image'),
    /** e.g. image/png */
    mimeType: z.string(),
    /** base64, no data: prefix */
    data: z.string(),
  }),
  z.object({
    type: z.literal('resource'),
    uri: z.string(),
    mimeType: z.string().optional(),
    text: z.string().optional(),
    /** base64 for binary resources */
    blob: z.string().optional(),
  }),
]);
export type ToolResultPart = z.infer<typeof ToolResultPartSchema>;

export const ToolResultSchema = z.object({
  content: z.array(ToolResultPartSchema),
  isError: z.boolean().default(false),
  /** MCP `structuredContent`, kept as given. */
  structuredContent: z.record(z.string(), z.unknown()).optional(),
  /** Bytes dropped by the pool's size cap (0 when nothing was cut). */
  truncatedBytes: z.number().int().min(0).default(0),
});
export type ToolResult = z.infer<typeof ToolResultSchema>;

/** The text of a result's text and text-resource parts, joined by newlines. */
export function toolResultText(result: Pick<ToolResult, 'content'>): string {
  return result.content
    .map((part) => (part.type === 'text' ? part.text : part.type === 'resource' ? (part.text ?? '') : ''))
    .filter((text) => text.length > 0)
    .join('\n');
}
