import type { ConverseMessage } from '@bedrock-mcp/contracts';

/** Converse messages for tests of history and conversation shaping. */
export const userText = (text: string): ConverseMessage => ({ role: 'user', content: [{ text }] });
export const assistantText = (text: string): ConverseMessage => ({ role: 'assistant', content: [{ text }] });
/** The assistant asks for the `echo` tool with tool use id `id`. */
export const toolCall = (id: string): ConverseMessage => ({ role: 'assistant', content: [{ toolUse: { toolUseId: id, name: 'echo', input: {} } }] });
/** The user's tool result for `id`: its id as text, then `images` PNG images. */
export const toolAnswer = (id: string, images = 0): ConverseMessage => ({
  role: 'user',
  content: [
    {
      toolResult: {
        toolUseId: id,
        content: [{ text: id }, ...Array.from({ length: images }, () => ({ image: { format: 'png' as const, bytes: id } }))],
      },
    },
  ],
});
