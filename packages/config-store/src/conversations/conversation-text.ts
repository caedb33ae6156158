import type { ConversationMessage } from '@bedrock-mcp/contracts';

/** The title of a conversation whose first message has no text (only attachments). */
export const UNTITLED_CONVERSATION = 'New conversation';
const TITLE_CHARS = 60;

/** The first words of the message's text, at most ~60 characters, cut at a word boundary. */
export function titleFromMessage(message: ConversationMessage): string {
  const text = message.parts
    .flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '') return UNTITLED_CONVERSATION;
  if (text.length <= TITLE_CHARS) return text;
  const cut = text.slice(0, TITLE_CHARS + 1);
  const lastSpace = cut.lastIndexOf(' ');
  // One long word: cut it rather than leave a title of nothing.
  return `${(lastSpace > TITLE_CHARS / 2 ? cut.slice(0, lastSpace) : cut.slice(0, TITLE_CHARS)).trimEnd()}…`;
}

/** What search matches in a message: its text and its tools' text results, lowercase (thinking and inputs are not searched). */
export function searchTextOf(message: ConversationMessage): string {
  const pieces: string[] = [];
  for (const part of message.parts) {
    if (part.type === 'text') pieces.push(part.text);
    if (part.type === 'tool_call') {
      for (const piece of part.result?.content ?? []) {
        if (piece.type === 'text') pieces.push(piece.text);
        else if (piece.type === 'resource' && piece.text !== undefined) pieces.push(piece.text);
      }
    }
  }
  return pieces.join('\n').toLowerCase();
}
