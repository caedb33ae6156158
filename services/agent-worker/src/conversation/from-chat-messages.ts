import { parseDataUrl, type ChatMessage, type ContentBlock, type ConverseMessage, type UserContentPart } from '@bedrock-mcp/contracts';
import { mergeConsecutiveRoles } from '@bedrock-mcp/turns';
import { documentFormatFor, toDocumentName } from './document-name.js';
import { ImageFetchBudget, ImageInputError, imageFormatFor, type FetchImageOptions, fetchImage } from './image-source.js';

/** A chat message the model cannot be given (bad image, unsupported file, …); the turn fails with invalid_request. */
export class ChatInputError extends Error {
  override readonly name = 'ChatInputError';
}

export interface FromChatMessagesOptions {
  /** The model accepts images / documents (conf/config.json `supports_images` / `supports_documents`). */
  supportsImages: boolean;
  supportsDocuments: boolean;
  /** How http(s) image URLs are fetched. */
  imageFetch: FetchImageOptions;
}

export interface ConverseInput {
  /** System prompt parts, from the system/developer messages. */
  system: string[];
  messages: ConverseMessage[];
}

/**
 * OpenAI chat messages → the Converse conversation: system/developer messages become the system
 * prompt; user parts become text, image (data URLs decoded, http(s) URLs fetched) and document
 * blocks (with names Bedrock accepts); assistant tool_calls become toolUse blocks and `tool`
 * messages toolResult blocks; consecutive messages of one role are merged as Bedrock requires.
 */
export async function fromChatMessages(chatMessages: readonly ChatMessage[], options: FromChatMessagesOptions): Promise<ConverseInput> {
  const system: string[] = [];
  const messages: ConverseMessage[] = [];
  const { maxTotalBytes } = options.imageFetch;
  const budget = maxTotalBytes === undefined ? undefined : new ImageFetchBudget(maxTotalBytes);
  for (const [index, message] of chatMessages.entries()) {
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content);
        if (text.trim()) system.push(text);
        break;
      }
      case 'user': {
        const content = typeof message.content === 'string' ? textBlocks(message.content) : await userParts(message.content, index, options, budget);
        if (content.length > 0) messages.push({ role: 'user', content });
        break;
      }
      case 'assistant': {
        const content: ContentBlock[] = textBlocks(textOf(message.content ?? ''));
        for (const call of message.tool_calls ?? []) {
          content.push({ toolUse: { toolUseId: call.id, name: call.function.name, input: parseArguments(call.function.arguments) } });
        }
        if (content.length > 0) messages.push({ role: 'assistant', content });
        break;
      }
      case 'tool':
        messages.push({
          role: 'user',
          content: [{ toolResult: { toolUseId: message.tool_call_id, content: [{ text: textOf(message.content) || '(empty result)' }] } }],
        });
        break;
    }
  }
  return { system, messages: mergeConsecutiveRoles(messages) };
}

/** Just the system prompt of chat messages (a resumed turn has the rest in its checkpoint). */
export function systemPromptOf(chatMessages: readonly ChatMessage[]): string[] {
  return chatMessages.flatMap((message) => (message.role === 'system' || message.role === 'developer' ? [textOf(message.content)] : [])).filter((text) => text.trim());
}

async function userParts(parts: readonly UserContentPart[], messageIndex: number, options: FromChatMessagesOptions, budget: ImageFetchBudget | undefined): Promise<ContentBlock[]> {
  const blocks: ContentBlock[] = [];
  const documentNames = new Set<string>();
  for (const [partIndex, part] of parts.entries()) {
    const where = `messages[${messageIndex}].content[${partIndex}]`;
    if (part.type === 'text') {
      blocks.push(...textBlocks(part.text));
    } else if (part.type === 'image_url') {
      if (!options.supportsImages) throw new ChatInputError(`${where}: this model does not accept images`);
      blocks.push({ image: await imageOf(part.image_url.url, where, options.imageFetch, budget) });
    } else {
      if (!options.supportsDocuments) throw new ChatInputError(`${where}: this model does not accept documents`);
      const dataUrl = parseDataUrl(part.file.file_data);
      const bytes = decodeBase64(dataUrl ? dataUrl.base64 : part.file.file_data, where);
      const format = documentFormatFor(part.file.filename, dataUrl?.mimeType, bytes);
      if (!format) {
        throw new ChatInputError(
          `${where}: unsupported file ${part.file.filename ?? '(no name)'}; send pdf, csv, doc, docx, xls, xlsx, html, txt or md (code, json and xml go as txt)`,
        );
      }
      const name = toDocumentName(part.file.filename, documentNames, `document ${documentNames.size + 1}`);
      blocks.push({ document: { format, name, bytes: bytes.toString('base64') } });
    }
  }
  // Bedrock wants a text block in a message that carries documents.
  if (blocks.some((block) => 'document' in block) && !blocks.some((block) => 'text' in block)) {
    blocks.push({ text: 'See the attached document.' });
  }
  return blocks;
}

async function imageOf(url: string, where: string, fetchOptions: FetchImageOptions, budget: ImageFetchBudget | undefined): Promise<{ format: 'png' | 'jpeg' | 'gif' | 'webp'; bytes: string }> {
  const dataUrl = parseDataUrl(url);
  if (dataUrl) {
    const bytes = decodeBase64(dataUrl.base64, where);
    const format = imageFormatFor(dataUrl.mimeType, bytes);
    if (!format) throw new ChatInputError(`${where}: image type ${dataUrl.mimeType} is not supported; send png, jpeg, gif or webp`);
    return { format, bytes: bytes.toString('base64') };
  }
  try {
    const fetched = await fetchImage(url, fetchOptions, budget);
    return { format: fetched.format, bytes: fetched.bytes.toString('base64') };
  } catch (error) {
    if (error instanceof ImageInputError) throw new ChatInputError(`${where}: ${error.message}`);
    throw error;
  }
}

function decodeBase64(base64: string, where: string): Buffer {
  const compact = base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) throw new ChatInputError(`${where}: not valid base64`);
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length === 0) throw new ChatInputError(`${where}: empty attachment`);
  return bytes;
}

/** A message's text content (a string, or text parts joined by newlines). */
export function textOf(content: string | ReadonlyArray<{ text: string }>): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('\n');
}

/** Bedrock refuses blank text blocks, so blank text is dropped. */
function textBlocks(text: string): ContentBlock[] {
  return text.trim() ? [{ text }] : [];
}

function parseArguments(json: string): unknown {
  try {
    const value: unknown = JSON.parse(json || '{}');
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : { value };
  } catch {
    return { arguments: json };
  }
}
