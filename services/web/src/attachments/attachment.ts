import type { UserContentPart } from '@bedrock-mcp/contracts';

export type AttachmentKind = 'image' | 'document';

export interface Attachment {
  id: string;
  kind: AttachmentKind;
  name: string;
  mimeType: string;
  /** bytes of the original file */
  size: number;
  /** base64 without a data: prefix; empty for a stored conversation's file (see `url`) */
  data: string;
  /** Where a stored conversation's file is read (its blob URL), when `data` is not here. */
  url?: string;
}

/** What Bedrock's Converse API accepts per message (bytes per file, files per message). */
export const ATTACHMENT_LIMITS = {
  imageBytes: 3_750_000,
  documentBytes: 4_500_000,
  maxImages: 20,
  maxDocuments: 5,
  /** Raw bytes of all files together: base64 adds a third, and the gateway's default body cap is 25 MB. */
  totalBytes: 18_000_000,
} as const;

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
/** Bedrock's document formats, and text-like files the gateway sends as txt. */
const DOCUMENT_EXTENSIONS = new Set([
  'pdf', 'csv', 'doc', 'docx', 'xls', 'xlsx', 'html', 'htm', 'txt', 'md',
  'json', 'xml', 'yaml', 'yml', 'log', 'js', 'ts', 'tsx', 'jsx', 'py', 'java', 'c', 'h', 'cpp', 'go', 'rs', 'rb', 'sh', 'sql', 'css',
]);

/** The `accept` attribute of the file picker. */
export const ACCEPTED_FILE_TYPES = [...IMAGE_TYPES, ...[...DOCUMENT_EXTENSIONS].map((ext) => `.${ext}`)].join(',');

export interface FileLike {
  name: string;
  size: number;
  type: string;
}

export function classifyFile(file: FileLike): AttachmentKind | undefined {
  if (IMAGE_TYPES.has(file.type.toLowerCase())) return 'image';
  const extension = file.name.toLowerCase().split('.').pop() ?? '';
  if (file.name.includes('.') && DOCUMENT_EXTENSIONS.has(extension)) return 'document';
  return undefined;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(bytes < 10_000 ? 1 : 0)} kB`;
  return `${(bytes / 1_000_000).toFixed(bytes < 10_000_000 ? 2 : 1)} MB`;
}

export interface AttachmentCheck<F extends FileLike> {
  accepted: F[];
  /** One sentence per refused file, naming it and the limit. */
  errors: string[];
}

/** Which of `files` may be added to the message that already carries `existing`; checked before reading them. */
export function checkNewFiles<F extends FileLike>(existing: readonly Pick<Attachment, 'kind' | 'size'>[], files: readonly F[]): AttachmentCheck<F> {
  const accepted: F[] = [];
  const errors: string[] = [];
  let images = existing.filter((item) => item.kind === 'image').length;
  let documents = existing.length - images;
  let total = existing.reduce((sum, item) => sum + item.size, 0);
  for (const file of files) {
    const kind = classifyFile(file);
    if (!kind) {
      errors.push(`${file.name}: this file type cannot be sent (images: PNG, JPEG, GIF, WebP; documents: PDF, Word, Excel, CSV, HTML, text, Markdown, code).`);
      continue;
    }
    const limit = kind === 'image' ? ATTACHMENT_LIMITS.imageBytes : ATTACHMENT_LIMITS.documentBytes;
    if (file.size > limit) {
      errors.push(`${file.name} is ${formatBytes(file.size)}; ${kind === 'image' ? 'images' : 'documents'} may be at most ${formatBytes(limit)}.`);
      continue;
    }
    if (file.size === 0) {
      errors.push(`${file.name} is empty.`);
      continue;
    }
    if (kind === 'image' && images >= ATTACHMENT_LIMITS.maxImages) {
      errors.push(`${file.name}: at most ${ATTACHMENT_LIMITS.maxImages} images per message.`);
      continue;
    }
    if (kind === 'document' && documents >= ATTACHMENT_LIMITS.maxDocuments) {
      errors.push(`${file.name}: at most ${ATTACHMENT_LIMITS.maxDocuments} documents per message.`);
      continue;
    }
    if (total + file.size > ATTACHMENT_LIMITS.totalBytes) {
      errors.push(`${file.name}: all attachments together may be at most ${formatBytes(ATTACHMENT_LIMITS.totalBytes)}.`);
      continue;
    }
    if (kind === 'image') images += 1;
    else documents += 1;
    total += file.size;
    accepted.push(file);
  }
  return { accepted, errors };
}

export async function readAttachment(file: File, id: string): Promise<Attachment> {
  const dataUrl = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error(`cannot read ${file.name}`));
    reader.readAsDataURL(file);
  });
  const kind = classifyFile(file) ?? 'document';
  const comma = dataUrl.indexOf(',');
  return { id, kind, name: file.name, mimeType: file.type || 'application/octet-stream', size: file.size, data: dataUrl.slice(comma + 1) };
}

export function attachmentDataUrl(attachment: Attachment): string {
  return `data:${attachment.mimeType};base64,${attachment.data}`;
}

/** The OpenAI content part the gateway expects: an image_url data URL, or a file part with bare base64 (as the seed sends). */
export function attachmentToContentPart(attachment: Attachment): UserContentPart {
  if (attachment.kind === 'image') return { type: 'image_url', image_url: { url: attachmentDataUrl(attachment) } };
  return { type: 'file', file: { file_data: attachment.data, filename: attachment.name } };
}

/** The attachments with their bytes: a stored conversation's files (`url`, no `data`) are read back to send them again. */
export async function withAttachmentData(attachments: readonly Attachment[]): Promise<Attachment[]> {
  return Promise.all(
    attachments.map(async (attachment) => {
      if (attachment.data || !attachment.url) return attachment;
      const response = await fetch(attachment.url, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`${attachment.name} could not be read back (HTTP ${response.status})`);
      return { ...attachment, data: bytesToBase64(new Uint8Array(await response.arrayBuffer())), url: undefined };
    }),
  );
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let index = 0; index < bytes.length; index += chunk) binary += String.fromCharCode(...bytes.subarray(index, index + chunk));
  return btoa(binary);
}
