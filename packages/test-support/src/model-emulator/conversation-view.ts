import type { ToolResultView } from './types.js';

/** What the script matcher needs to know about a request, independent of the wire format. */
export interface ConversationView {
  lastUserText: string | undefined;
  toolResults: ToolResultView[];
}

export const EMPTY_CONVERSATION: ConversationView = { lastUserText: undefined, toolResults: [] };

export function joinTexts(texts: readonly string[]): string | undefined {
  return texts.length === 0 ? undefined : texts.join('\n');
}
