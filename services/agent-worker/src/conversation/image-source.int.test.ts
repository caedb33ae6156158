import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AddressPolicy } from '@bedrock-mcp/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchImage, ImageFetchBudget, ImageInputError } from './image-source.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
let server: Server;
let base: string;
// Another loopback address, standing for an internal service the tests' policy does not allow.
let internal: Server;
let internalBase: string;
let internalHits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/pixel') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(PNG);
    else if (req.url === '/big') res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(4096));
    else if (req.url === '/redirect') res.writeHead(302, { location: '/pixel' }).end();
    else if (req.url?.startsWith('/to?')) res.writeHead(302, { location: new URLSearchParams(req.url.slice(4)).get('url')! }).end();
    else if (req.url === '/text') res.writeHead(200, { 'content-type': 'text/plain' }).end('not an image');
    else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(PNG), 2000);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  internal = createServer((_req, res) => {
    internalHits++;
    res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
  });
  await new Promise<void>((resolve) => internal.listen(0, '127.0.0.2', resolve));
  internalBase = `http://127.0.0.2:${(internal.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const running of [server, internal]) {
    running.closeAllConnections();
    await new Promise((resolve) => running.close(resolve));
  }
});

describe('fetchImage (http(s) image URLs of chat messages)', () => {
  const options = { timeoutMs: 300, maxBytes: 1024, addressPolicy: AddressPolicy.allowingEverything() };

  it('downloads an image and tells its format from the bytes when the content type does not', async () => {
    const image = await fetchImage(`${base}/pixel`, options);
    expect(image.format).toBe('png');
    expect(image.bytes.equals(PNG)).toBe(true);
  });

  it('refuses what is too large, not an image, missing or too slow, saying which', async () => {
    await expect(fetchImage(`${base}/big`, options)).rejects.toThrow(/larger than 1024 bytes/);
    await expect(fetchImage(`${base}/redirect`, options)).resolves.toMatchObject({ format: 'png' });
    await expect(fetchImage(`${base}/text`, options)).rejects.toThrow(/not png, jpeg, gif or webp/);
    await expect(fetchImage(`${base}/missing`, options)).rejects.toThrow(/HTTP 404/);
    const started = Date.now();
    await expect(fetchImage(`${base}/slow`, options)).rejects.toThrow(ImageInputError);
    await expect(fetchImage(`${base}/slow`, options)).rejects.toThrow(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('the total a turn may download (IMAGE_FETCH_MAX_TOTAL_BYTES)', () => {
  it('counts every download against the budget and refuses the one that goes past it, and any after', async () => {
    const options = { timeoutMs: 1000, maxBytes: 8192, addressPolicy: AddressPolicy.allowingEverything() };
    const budget = new ImageFetchBudget(PNG.length + 100);
    await fetchImage(`${base}/pixel`, options, budget);
    expect(budget.used).toBe(PNG.length);
    await expect(fetchImage(`${base}/big`, options, budget)).rejects.toThrow(/\/big not fetched: .*at most \d+ bytes together \(IMAGE_FETCH_MAX_TOTAL_BYTES\), and it goes past that/);
    budget.used = budget.maxTotalBytes;
    await expect(fetchImage(`${base}/pixel`, options, budget)).rejects.toThrow(/used them up/);
    // The per-image limit still speaks for itself.
    await expect(fetchImage(`${base}/big`, { ...options, maxBytes: 1024 }, new ImageFetchBudget(1_000_000))).rejects.toThrow(/larger than 1024 bytes/);
  });
});

describe('image URLs that point inside the network', () => {
  it('are refused unless allowed: loopback, private, link-local (cloud metadata), also through a redirect', async () => {
    const options = { timeoutMs: 300, maxBytes: 1024 };
    await expect(fetchImage(`${base}/pixel`, options)).rejects.toThrow(/non-public address/);
    await expect(fetchImage('http://169.254.169.254/latest/meta-data/', options)).rejects.toThrow(/non-public address/);
    await expect(fetchImage('http://[::1]:1/x.png', options)).rejects.toThrow(/non-public address/);
    await expect(fetchImage('http://localhost:1/x.png', options)).rejects.toThrow(/non-public address/);
    await expect(fetchImage('http://[::ffff:7f00:1]:1/x.png', options)).rejects.toThrow(/non-public address/);
    await expect(fetchImage('http://[64:ff9b::a9fe:a9fe]/x.png', options)).rejects.toThrow(/non-public address/);
  });

  it('are refused when a redirect leads there from an allowed first hop (issue #15)', async () => {
    // The tests' policy allows 127.0.0.1 only; 127.0.0.2 stands for an internal service.
    const options = { timeoutMs: 1000, maxBytes: 1024, addressPolicy: new AddressPolicy(['127.0.0.1/32']) };
    await expect(fetchImage(`${base}/redirect`, options)).resolves.toMatchObject({ format: 'png' });
    await expect(fetchImage(`${internalBase}/pixel`, options)).rejects.toThrow(/non-public address/);
    for (const target of [`${internalBase}/pixel`, `http://[::ffff:127.0.0.2]:${new URL(internalBase).port}/pixel`, 'http://169.254.169.254/latest/meta-data/']) {
      await expect(fetchImage(`${base}/to?url=${encodeURIComponent(target)}`, options)).rejects.toThrow(/non-public address/);
    }
    expect(internalHits).toBe(0);
  });
});
