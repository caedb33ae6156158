import { ChatCompletionRequestSchema } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { ATTACHMENT_LIMITS, attachmentToContentPart, checkNewFiles, classifyFile, readAttachment } from './attachment.js';

const file = (name: string, size: number, type = '') => ({ name, size, type });

describe('checkNewFiles', () => {
  it('refuses an image over the per-image limit and names the file and the limit', () => {
    const result = checkNewFiles([], [file('huge.png', ATTACHMENT_LIMITS.imageBytes + 1, 'image/png'), file('ok.png', 1000, 'image/png')]);
    expect(result.accepted.map((accepted) => accepted.name)).toEqual(['ok.png']);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/^huge\.png is 3\.75 MB; images may be at most 3\.75 MB\.$/);
  });

  it('refuses a document over the document limit but accepts one at the limit', () => {
    const result = checkNewFiles([], [file('a.pdf', ATTACHMENT_LIMITS.documentBytes), file('b.pdf', ATTACHMENT_LIMITS.documentBytes + 1)]);
    expect(result.accepted.map((accepted) => accepted.name)).toEqual(['a.pdf']);
    expect(result.errors[0]).toContain('b.pdf');
  });

  it('counts what the message already carries against the per-message limits', () => {
    const existing = Array.from({ length: ATTACHMENT_LIMITS.maxDocuments }, () => ({ kind: 'document' as const, size: 10 }));
    const result = checkNewFiles(existing, [file('one-more.csv', 10)]);
    expect(result.accepted).toEqual([]);
    expect(result.errors[0]).toContain(`at most ${ATTACHMENT_LIMITS.maxDocuments} documents`);
  });

  it('refuses files whose total would exceed the body limit', () => {
    const existing = [
      { kind: 'document' as const, size: ATTACHMENT_LIMITS.documentBytes },
      { kind: 'document' as const, size: ATTACHMENT_LIMITS.documentBytes },
      { kind: 'document' as const, size: ATTACHMENT_LIMITS.documentBytes },
      { kind: 'document' as const, size: ATTACHMENT_LIMITS.documentBytes },
    ];
    const result = checkNewFiles(existing, [file('last.png', ATTACHMENT_LIMITS.imageBytes, 'image/png')]);
    expect(result.errors[0]).toContain('all attachments together');
  });

  it('refuses unknown and empty files', () => {
    const result = checkNewFiles([], [file('program.exe', 10, 'application/x-msdownload'), file('empty.txt', 0)]);
    expect(result.accepted).toEqual([]);
    expect(result.errors[0]).toContain('program.exe: this file type cannot be sent');
    expect(result.errors[1]).toBe('empty.txt is empty.');
  });
});

describe('classifyFile', () => {
  it('knows images by type and documents by extension', () => {
    expect(classifyFile(file('x.webp', 1, 'image/webp'))).toBe('image');
    expect(classifyFile(file('x.svg', 1, 'image/svg+xml'))).toBeUndefined();
    expect(classifyFile(file('report.DOCX', 1))).toBe('document');
    expect(classifyFile(file('notes.md', 1, 'text/markdown'))).toBe('document');
    expect(classifyFile(file('pdf', 1))).toBeUndefined();
  });
});

describe('attachment content parts', () => {
  it('reads a file and turns it into parts the gateway accepts', async () => {
    const png = new File([new Uint8Array([137, 80, 78, 71])], 'dot.png', { type: 'image/png' });
    const pdf = new File(['%PDF-1.4'], 'doc.pdf', { type: 'application/pdf' });
    const image = await readAttachment(png, 'a1');
    const document = await readAttachment(pdf, 'a2');
    expect(image).toMatchObject({ kind: 'image', data: 'iVBORw==', size: 4 });
    expect(attachmentToContentPart(image)).toEqual({ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw==' } });
    expect(attachmentToContentPart(document)).toEqual({ type: 'file', file: { file_data: btoa('%PDF-1.4'), filename: 'doc.pdf' } });
    const body = ChatCompletionRequestSchema.safeParse({
      model: 'm',
      messages: [{ role: 'user', content: [attachmentToContentPart(image), attachmentToContentPart(document), { type: 'text', text: 'what is this?' }] }],
    });
    expect(body.success).toBe(true);
  });
});
