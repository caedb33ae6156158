import type { ModelConfig } from '@bedrock-mcp/contracts';
import type { ModelProvider } from '../providers/model-provider.js';

/** Characters of each side of the first exchange the title prompt carries. */
const MAX_EXCHANGE_CHARS = 2000;
const MAX_TITLE_CHARS = 80;
const TITLE_MAX_TOKENS = 30;
export const TITLE_PROMPT = 'Write a title of at most six words for this conversation. Answer with the title only.';

/**
 * A short title for a conversation from its first exchange: one call to the turn's own model
 * (no tools, no thinking), its text cleaned. Undefined when the model gave nothing usable; throws
 * what the call throws (ModelCallError, the signal's reason).
 */
export async function titleFromModel(
  provider: ModelProvider,
  model: { modelId: string; config: ModelConfig },
  exchange: { question: string; answer: string },
  signal: AbortSignal,
): Promise<string | undefined> {
  // The exchange goes in the system prompt and the request alone in the user message, so the user's
  // own words are never taken for an instruction to answer.
  const system = `The start of a conversation between a user and an assistant:\n\nUser: ${cap(exchange.question)}\n\nAssistant: ${cap(exchange.answer)}`;
  let text = '';
  const stream = provider.converseStream(
    { modelId: model.modelId, model: model.config, system: [system], messages: [{ role: 'user', content: [{ text: TITLE_PROMPT }] }], tools: [], maxTokens: TITLE_MAX_TOKENS },
    signal,
  );
  for await (const event of stream) if (event.type === 'text') text += event.text;
  return cleanTitle(text);
}

/** One line, without surrounding quotes, a "Title:" label or a final full stop; at most 80 characters. */
export function cleanTitle(raw: string): string | undefined {
  const line = raw
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^title:\s*/i, '')
    .replace(/^["'“”‘’*`]+|["'“”‘’*`]+$/g, '')
    .replace(/\.$/, '')
    .trim();
  if (line === '') return undefined;
  return line.length <= MAX_TITLE_CHARS ? line : `${line.slice(0, MAX_TITLE_CHARS - 1).trimEnd()}…`;
}

function cap(text: string): string {
  return text.length <= MAX_EXCHANGE_CHARS ? text : `${text.slice(0, MAX_EXCHANGE_CHARS)}…`;
}
