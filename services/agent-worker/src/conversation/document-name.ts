import type { DocumentFormat } from '@bedrock-mcp/contracts';

/** File extensions (lower case) → the Bedrock document format they are sent as. */
const FORMAT_BY_EXTENSION: Readonly<Record<string, DocumentFormat>> = {
  pdf: 'pdf',
  csv: 'csv',
  doc: 'doc',
  docx: 'docx',
  xls: 'xls',
  xlsx: 'xlsx',
  html: 'html',
  htm: 'html',
  txt: 'txt',
  text: 'txt',
  log: 'txt',
  md: 'md',
  markdown: 'md',
  // Code and data formats Bedrock has no format for go as plain text.
  json: 'txt',
  jsonl: 'txt',
  xml: 'txt',
  yaml: 'txt',
  yml: 'txt',
  toml: 'txt',
  ini: 'txt',
  js: 'txt',
  mjs: 'txt',
  cjs: 'txt',
  ts: 'txt',
  tsx: 'txt',
  jsx: 'txt',
  py: 'txt',
  java: 'txt',
  kt: 'txt',
  go: 'txt',
  rs: 'txt',
  rb: 'txt',
  php: 'txt',
  c: 'txt',
  h: 'txt',
  cc: 'txt',
  cpp: 'txt',
  hpp: 'txt',
  cs: 'txt',
  swift: 'txt',
  scala: 'txt',
  sh: 'txt',
  bash: 'txt',
  sql: 'txt',
  css: 'txt',
  scss: 'txt',
  vue: 'txt',
  svelte: 'txt',
};

const FORMAT_BY_MIME: Readonly<Record<string, DocumentFormat>> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
  'application/json': 'txt',
  'application/xml': 'txt',
  'text/xml': 'txt',
};

/**
 * The document format for a file part, from its file name's extension, else the data URL's MIME
 * type, else the file's first bytes (a PDF says so); undefined when none of them is supported.
 */
export function documentFormatFor(filename: string | undefined, mimeType: string | undefined, bytes: Buffer): DocumentFormat | undefined {
  const extension = filename?.includes('.') ? filename.slice(filename.lastIndexOf('.') + 1).toLowerCase() : undefined;
  if (extension && FORMAT_BY_EXTENSION[extension]) return FORMAT_BY_EXTENSION[extension];
  if (mimeType && FORMAT_BY_MIME[mimeType]) return FORMAT_BY_MIME[mimeType];
  if (mimeType?.startsWith('text/')) return 'txt';
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  return undefined;
}

const MAX_NAME_LENGTH = 200;

/**
 * A document name Bedrock accepts — only letters, digits, single whitespace characters, hyphens,
 * parentheses and square brackets, 1–200 characters — and unique within `taken` (the names of
 * the message's other documents; the result is added to it). The extension is dropped (the format
 * carries it); other characters become spaces, so `my_report.v2.pdf` is `my report v2`.
 */
export function toDocumentName(filename: string | undefined, taken: Set<string>, fallback = 'document'): string {
  const stem = filename?.includes('.') ? filename.slice(0, filename.lastIndexOf('.')) : (filename ?? '');
  const cleaned = stem
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9\s\-()[\]]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_NAME_LENGTH - 8)
    .trim();
  const base = cleaned || fallback;
  let name = base;
  for (let suffix = 2; taken.has(name.toLowerCase()); suffix++) name = `${base} (${suffix})`;
  taken.add(name.toLowerCase());
  return name;
}
