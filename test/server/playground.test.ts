/** The playground end to end in headless Debian chromium: type, submit, read the bars, screenshot not blank. */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, fixture } from '../helpers';
import { serve, type Served } from './serverHelpers';

const CHROMIUM = '/usr/bin/chromium';
let s: Served;
beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`this test needs Debian's chromium at ${CHROMIUM} (apt-get install chromium; tools/setup.sh installs it)`);
  s = await serve(fixture('tiny-mlm-s1', ['--seed', '1']));
});
afterAll(() => s?.close());

describe('playground', () => {
  it('fill-mask: typed sentence gives top-k bars equal to the library, screenshot not blank', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
      await page.goto(`${s.url}/`, { timeout: 30_000 });
      await page.getByRole('tab', { name: 'Fill mask' }).waitFor({ timeout: 15_000 });
      const text = 'The weather today is [MASK].';
      await page.getByLabel('Text', { exact: true }).fill(text);
      await page.getByLabel('Text', { exact: true }).press('Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter'); // keyboard only: focus reaches Run and submits
      await page.locator('.bar-row').first().waitFor({ timeout: 15_000 });
      const labels = await page.locator('.bar-label').allTextContents();
      const scores = await page.locator('.bar-score').allTextContents();
      const api = (await s.model.fillMask(text, { topK: 5 }))[0]!;
      expect(labels).toEqual(api.map((c) => c.token_str));
      expect(scores).toEqual(api.map((c) => c.score.toFixed(3)));
      const out = path.join(ROOT, 'fixtures', 'scratch', 'playground.png');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      const png = await page.screenshot({ path: out, fullPage: true });
      // Not blank: the decoded page holds many distinct colours (a blank page has one).
      const img = await page.evaluate(async (b64) => {
        const bmp = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
        const c = new OffscreenCanvas(bmp.width, bmp.height);
        const g = c.getContext('2d')!;
        g.drawImage(bmp, 0, 0);
        const d = g.getImageData(0, 0, bmp.width, bmp.height).data;
        const colours = new Set<number>();
        let nonWhite = 0;
        for (let i = 0; i < d.length; i += 4) {
          colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
          if (d[i]! < 240 || d[i + 1]! < 240 || d[i + 2]! < 240) nonWhite++;
        }
        return { colours: colours.size, nonWhite: nonWhite / (d.length / 4) };
      }, png.toString('base64'));
      expect(img.colours).toBeGreaterThan(20);
      expect(img.nonWhite).toBeGreaterThan(0.01);
    } finally {
      await browser.close();
    }
  });
});
