import { z } from 'zod';

/** Bedrock's tool name rule (OpenAI's function names follow the same one). */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const TOOL_NAME_MESSAGE = 'must be 1 to 64 letters, digits, _ or - (the tool name rule of Bedrock and OpenAI)';

/** A JSON Schema for an object: the model is given a tool's input, and the json_schema's output, as one JSON object. */
const ObjectJsonSchema = z
  .record(z.string(), z.unknown())
  .refine((schema) => schema.type === undefined || schema.type === 'object', 'must be a JSON Schema of type "object"');

/**
 * One of the request's own tools (OpenAI's function tool): offered to the model next to the MCP
 * tools; when the model calls it, the turn ends with `finish_reason: "tool_calls"` and the client
 * runs it and sends the result back in a `role: "tool"` message.
 */
export const ClientFunctionToolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(TOOL_NAME, TOOL_NAME_MESSAGE),
    description: z.string().max(10_000).optional(),
    parameters: ObjectJsonSchema.optional(),
    strict: z.boolean().nullish(),
  }),
});
export type ClientFunctionTool = z.infer<typeof ClientFunctionToolSchema>;

/** OpenAI's `tool_choice`: `none` offers no tool, `required` makes the model call one, a named function makes it call that one. */
export const ToolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
]);
export type ToolChoice = z.infer<typeof ToolChoiceSchema>;

/** OpenAI's `response_format`. */
export const ResponseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().regex(TOOL_NAME, TOOL_NAME_MESSAGE),
      description: z.string().optional(),
      schema: ObjectJsonSchema.optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);
export type ResponseFormat = z.infer<typeof ResponseFormatSchema>;

/** A client tool as a turn's job carries it (the model-facing shape the MCP tools have too). */
export const ClientToolSchema = z
  .object({
    name: z.string().regex(TOOL_NAME),
    description: z.string(),
    inputSchema: z.record(z.string(), z.unknown()),
  })
  .strict();
export type ClientTool = z.infer<typeof ClientToolSchema>;

/** The job's form of a request's function tool: a schema-less function takes an empty object. */
export function toClientTool(tool: ClientFunctionTool): ClientTool {
  return {
    name: tool.function.name,
    description: tool.function.description ?? '',
    inputSchema: { type: 'object', properties: {}, ...(tool.function.parameters ?? {}) },
  };
}
