/**
 * Renders an SVG to a PNG with real Chromium (playwright-core), launched as the e2e tests launch
 * it (tests/e2e/web/web-harness.ts): the picture is what a browser shows for the checked-in SVG.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** Each SVG (its width and height attributes give the picture's size, px) to a PNG at `pngPath`. */
export async function renderSvgsToPng(pictures: ReadonlyArray<{ svg: string; pngPath: string }>): Promise<void> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    for (const { svg, pngPath } of pictures) {
      const size = /<svg[^>]*\bwidth="(\d+)"[^>]*\bheight="(\d+)"/.exec(svg);
      if (!size) throw new Error('the SVG has no width and height');
      const page = await browser.newPage({ viewport: { width: Number(size[1]), height: Number(size[2]) }, deviceScaleFactor: 1 });
      try {
        await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
        await page.locator('svg').first().screenshot({ path: pngPath });
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
  }
}
