import { createHash } from 'node:crypto';
import type { BlobRef } from '@bedrock-mcp/contracts';
import type { NewBlob } from '@bedrock-mcp/config-store';

/**
 * The bytes one recorded message refers to: each kept once (by its SHA-256, the blob id), each
 * part given its BlobRef.
 */
export class ConversationBlobs {
  private readonly byId = new Map<string, NewBlob>();

  /** The reference for `data`, kept for the record. */
  add(data: Buffer, mediaType: string): BlobRef {
    const blobId = createHash('sha256').update(data).digest('hex');
    if (!this.byId.has(blobId)) this.byId.set(blobId, { blobId, mediaType, data });
    return { blob_id: blobId, media_type: mediaType, bytes: data.length };
  }

  /** The reference for base64 bytes (tool results carry them so). */
  readonly addBase64 = (base64: string, mediaType: string): BlobRef => this.add(Buffer.from(base64, 'base64'), mediaType);

  get blobs(): NewBlob[] {
    return [...this.byId.values()];
  }
}
