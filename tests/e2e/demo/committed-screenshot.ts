import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Browser } from 'playwright-core';

/** A pixel counts as changed when one of its channels moved by more than this (0–255). */
const CHANNEL_TOLERANCE = 24;
/** More changed pixels than this is a different picture; fewer is rendering noise (anti-aliasing). */
const MAX_NOISE_PIXELS = 40;

/**
 * Writes `png` to `path` (a screenshot committed to the repository) unless the file there already
 * shows the same picture: Chromium's rendering varies by a few pixels between runs, and rewriting
 * the file for that would leave every developer's tree modified after a test run. Returns whether
 * it wrote. The comparison decodes both images in a blank page of `browser` (no image library).
 */
export async function saveCommittedScreenshot(browser: Browser, path: string, png: Buffer): Promise<{ written: boolean; changedPixels: number | undefined }> {
  let changedPixels: number | undefined;
  if (existsSync(path)) {
    changedPixels = await countChangedPixels(browser, readFileSync(path), png);
    if (changedPixels <= MAX_NOISE_PIXELS) return { written: false, changedPixels };
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, png);
  return { written: true, changedPixels };
}

async function countChangedPixels(browser: Browser, before: Buffer, after: Buffer): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    return await page.evaluate(
      // No named functions inside: transpilers wrap those in helpers the page does not have.
      async ({ a, b, tolerance }) => {
        const images: { width: number; height: number; data: Uint8ClampedArray }[] = [];
        for (const base64 of [a, b]) {
          const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${base64}`)).blob());
          const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
          const context2d = canvas.getContext('2d')!;
          context2d.drawImage(bitmap, 0, 0);
          images.push({ width: bitmap.width, height: bitmap.height, data: context2d.getImageData(0, 0, bitmap.width, bitmap.height).data });
        }
        const [first, second] = images as [(typeof images)[number], (typeof images)[number]];
        if (first.width !== second.width || first.height !== second.height) return Number.MAX_SAFE_INTEGER;
        let changed = 0;
        for (let index = 0; index < first.data.length; index += 4) {
          for (let channel = 0; channel < 4; channel += 1) {
            if (Math.abs(first.data[index + channel]! - second.data[index + channel]!) > tolerance) {
              changed += 1;
              break;
            }
          }
        }
        return changed;
      },
      { a: before.toString('base64'), b: after.toString('base64'), tolerance: CHANNEL_TOLERANCE },
    );
  } finally {
    await context.close();
  }
}
