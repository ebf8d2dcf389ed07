// SPDX-License-Identifier: MIT
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browser, openPage, screenshot, serve, type Served } from './harness.js';

let b: Browser;
let s: Served;

beforeAll(async () => {
  s = await serve('auto');
  b = await browser();
});
afterAll(async () => {
  await b?.close();
  await s?.stop();
});

describe('e2e: the console in Chromium against doorbell serve', () => {
  it('names the active lab and why it was chosen, in the page and the title', async () => {
    const { page, problems } = await openPage(b, s.url);
    const title = page.getByTestId('lab-title');
    await expect.poll(() => title.textContent(), { timeout: 15000 }).toMatch(/sim|linux/);
    const text = (await title.textContent())!;
    // On these machines (no IOMMU, no VFIO) auto lands on the simulator, and says so.
    expect(text).toMatch(/^\s*sim/);
    await expect.poll(() => page.title()).toMatch(/^Doorbell — /);
    const status = await page.getByTestId('statusbar').textContent();
    expect(status).toContain('connected (websocket)');
    expect(status).toMatch(/backend: sim/);
    expect(status).toMatch(/no IOMMU/);
    const file = await screenshot(page, 'foundation-overview');
    expect(fs.statSync(file).size).toBeGreaterThan(10000);
    expect(problems).toEqual([]);
  });

  it('shows the lab\'s devices from the backend', async () => {
    const { page, problems } = await openPage(b, s.url);
    const rows = page.getByTestId('devices').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15000 }).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('refuses the page and the API without the token', async () => {
    const res = await fetch(`http://127.0.0.1:${s.port}/`);
    expect(res.status).toBe(401);
    const { page } = await openPage(b, `http://127.0.0.1:${s.port}/`);
    expect(await page.content()).toContain('needs the token');
  });
});
