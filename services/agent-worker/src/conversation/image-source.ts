import { AddressPolicy } from '@bedrock-mcp/common';
import type { ImageFormat } from '@bedrock-mcp/contracts';
import { DownloadError, DownloadTooLargeError, guardedDownload } from './guarded-download.js';

export class ImageInputError extends Error {
  override readonly name = 'ImageInputError';
}

const FORMAT_BY_MIME: Readonly<Record<string, ImageFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** The image format for a MIME type, else sniffed from the bytes' signature; undefined if unsupported. */
export function imageFormatFor(mimeType: string | undefined, bytes: Buffer): ImageFormat | undefined {
  const byMime = mimeType ? FORMAT_BY_MIME[mimeType.toLowerCase().split(';')[0]!.trim()] : undefined;
  return byMime ?? sniffImageFormat(bytes);
}

function sniffImageFormat(bytes: Buffer): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'gif';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  return undefined;
}

const PUBLIC_ONLY = new AddressPolicy();

/** What one turn's image URLs downloaded so far, against IMAGE_FETCH_MAX_TOTAL_BYTES. */
export class ImageFetchBudget {
  used = 0;
  constructor(readonly maxTotalBytes: number) {}

  get left(): number {
    return Math.max(0, this.maxTotalBytes - this.used);
  }
}

export interface FetchImageOptions {
  /** Milliseconds for the whole download. */
  timeoutMs: number;
  /** Largest accepted body, in bytes. */
  maxBytes: number;
  /** Which addresses the URL and each redirect may resolve to (default: public ones only). */
  addressPolicy?: AddressPolicy;
  /** Bytes all image URLs of one turn may download together (each within maxBytes too). Default: no total. */
  maxTotalBytes?: number;
  signal?: AbortSignal;
}

/**
 * Downloads an http(s) image (public hosts only unless the policy allows more; every redirect
 * checked) with a timeout and a size cap, and within what `budget` has left; throws
 * ImageInputError saying what went wrong.
 */
export async function fetchImage(url: string, options: FetchImageOptions, budget?: ImageFetchBudget): Promise<{ format: ImageFormat; bytes: Buffer }> {
  const shown = url.length > 120 ? `${url.slice(0, 120)}…` : url;
  const overTotal = () => `the image URLs of this request may download at most ${budget!.maxTotalBytes} bytes together (IMAGE_FETCH_MAX_TOTAL_BYTES)`;
  if (budget && budget.left === 0) throw new ImageInputError(`image ${shown} not fetched: ${overTotal()}, and the images before it used them up`);
  const maxBytes = budget ? Math.min(options.maxBytes, budget.left) : options.maxBytes;
  let download;
  try {
    download = await guardedDownload(url, { timeoutMs: options.timeoutMs, maxBytes, addressPolicy: options.addressPolicy ?? PUBLIC_ONLY, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    if (error instanceof DownloadTooLargeError && maxBytes < options.maxBytes) throw new ImageInputError(`image ${shown} not fetched: ${overTotal()}, and it goes past that`);
    if (error instanceof DownloadError) throw new ImageInputError(`could not fetch image ${shown}: ${error.message}`);
    throw error;
  }
  if (budget) budget.used += download.bytes.length;
  const format = imageFormatFor(download.contentType, download.bytes);
  if (!format) throw new ImageInputError(`image ${shown} is not png, jpeg, gif or webp`);
  return { format, bytes: download.bytes };
}
