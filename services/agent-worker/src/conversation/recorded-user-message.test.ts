import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConversationBlobs } from './conversation-blobs.js';
import { recordedUserParts } from './recorded-user-message.js';

const pdf = Buffer.from('%PDF-1.4 tiny');
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('recordedUserParts', () => {
  it('keeps the text, the images and the documents (by blob, with their own file names), once per bytes', () => {
    const blobs = new ConversationBlobs();
    const png = Buffer.from([1, 2, 3]);
    const parts = recordedUserParts(
      {
        role: 'user',
        content: [
          { text: 'read this' },
          { image: { format: 'png', bytes: png.toString('base64') } },
          { image: { format: 'png', bytes: png.toString('base64') } },
          { document: { format: 'pdf', name: 'my report v2', bytes: pdf.toString('base64') } },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'read this' }, { type: 'file', file: { file_data: pdf.toString('base64'), filename: 'my_report.v2.pdf' } }] },
      blobs,
    );
    expect(parts).toEqual([
      { type: 'text', text: 'read this' },
      { type: 'image', blob: { blob_id: sha(png), media_type: 'image/png', bytes: 3 } },
      { type: 'image', blob: { blob_id: sha(png), media_type: 'image/png', bytes: 3 } },
      { type: 'document', blob: { blob_id: sha(pdf), media_type: 'application/pdf', bytes: pdf.length }, name: 'my_report.v2.pdf', format: 'pdf' },
    ]);
    expect(blobs.blobs.map((blob) => [blob.blobId, blob.data.length])).toEqual([
      [sha(png), 3],
      [sha(pdf), pdf.length],
    ]);
  });

  it('leaves out the text the converter adds to a message of documents only', () => {
    const parts = recordedUserParts(
      { role: 'user', content: [{ document: { format: 'pdf', name: 'document 1', bytes: pdf.toString('base64') } }, { text: 'See the attached document.' }] },
      { role: 'user', content: [{ type: 'file', file: { file_data: pdf.toString('base64') } }] },
      new ConversationBlobs(),
    );
    expect(parts.map((part) => part.type)).toEqual(['document']);
    expect(parts[0]).toMatchObject({ name: 'document 1' });
  });
});
