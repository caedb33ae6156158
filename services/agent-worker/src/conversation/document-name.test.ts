import { describe, expect, it } from 'vitest';
import { documentFormatFor, toDocumentName } from './document-name.js';

const NAME = /^(?!.*\s\s)[A-Za-z0-9\s\-()[\]]{1,200}$/;

describe('toDocumentName', () => {
  it('keeps only characters Bedrock accepts, without the extension and without runs of whitespace', () => {
    const taken = new Set<string>();
    const name = toDocumentName('Q3_report (final)  v2.1 — résumé!.pdf', taken);
    expect(name).toBe('Q3 report (final) v2 1 resume');
    expect(name).toMatch(NAME);
  });

  it('makes names unique within a message, ignoring case', () => {
    const taken = new Set<string>();
    expect(toDocumentName('notes.txt', taken)).toBe('notes');
    expect(toDocumentName('NOTES.md', taken)).toBe('NOTES (2)');
    expect(toDocumentName('notes.csv', taken)).toBe('notes (3)');
  });

  it('falls back to a neutral name when nothing usable is left, and caps the length at 200', () => {
    expect(toDocumentName('文件.pdf', new Set())).toBe('document');
    expect(toDocumentName(undefined, new Set(), 'document 2')).toBe('document 2');
    const long = toDocumentName(`${'a'.repeat(300)}.txt`, new Set(['x']));
    expect(long.length).toBeLessThanOrEqual(200);
    expect(long).toMatch(NAME);
  });
});

describe('documentFormatFor', () => {
  const none = Buffer.from('hello');
  it('maps extensions, with code and data files as txt', () => {
    expect(documentFormatFor('a.PDF', undefined, none)).toBe('pdf');
    expect(documentFormatFor('sheet.xlsx', undefined, none)).toBe('xlsx');
    expect(documentFormatFor('page.htm', undefined, none)).toBe('html');
    expect(documentFormatFor('main.py', undefined, none)).toBe('txt');
    expect(documentFormatFor('data.json', undefined, none)).toBe('txt');
    expect(documentFormatFor('feed.xml', undefined, none)).toBe('txt');
  });

  it('falls back to the MIME type, then to the PDF signature; unknown binaries are refused', () => {
    expect(documentFormatFor(undefined, 'text/csv', none)).toBe('csv');
    expect(documentFormatFor('blob', undefined, Buffer.from('%PDF-1.7\n'))).toBe('pdf');
    expect(documentFormatFor('movie.mp4', 'video/mp4', Buffer.from([0, 0, 0, 0x18]))).toBeUndefined();
  });
});
