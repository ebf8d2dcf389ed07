// SPDX-License-Identifier: MIT
// The renderer in Chromium (playwright-core + Debian chromium) against `doorbell serve` on a
// simulated 512-CPU machine whose device holds 2048 MSI-X vectors, live at 4 Hz: time to first
// render of the vector table, frame times (requestAnimationFrame deltas) while scrolling during
// updates, JS heap (CDP Performance metrics). Reference: a 9-vector device on the same server.
/* global document, WebSocket, location, requestAnimationFrame -- page.evaluate bodies run in Chromium */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, row, stats } from './lib.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function serve(lab) {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin/doorbell.mjs'), '--lab', lab, 'serve'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`doorbell serve printed no URL in 60 s:\n${out}`)), 60000);
    const check = () => { const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out); if (m) { clearTimeout(t); resolve(m[1]); } };
    proc.stdout.on('data', check);
    proc.once('exit', (c) => { clearTimeout(t); reject(new Error(`doorbell serve exited with ${c}:\n${out}`)); });
  });
  return { url, stop: () => new Promise((r) => { if (proc.exitCode !== null) return r(); proc.once('exit', r); proc.kill('SIGTERM'); setTimeout(() => proc.kill('SIGKILL'), 5000).unref(); }) };
}

/** ms from navigation start until the device's vector table has rows. */
async function firstRender(browser, url, bdf) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(60000);
  await page.goto(`${url}#/device/${bdf}`);
  await page.waitForSelector('[data-testid="vectors"] tbody tr[data-index]');
  const ms = await page.evaluate(() => performance.now());
  return { page, ms };
}

export async function benchUi(ctx, scenario) {
  const rows = [];
  if (!fs.existsSync(CHROMIUM) || !fs.existsSync(path.join(ROOT, 'out/renderer/index.html'))) {
    rows.push(row('ui', 'vector table in Chromium', null, 'ms', null, { max: 300 }, !fs.existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM} (apt-get install chromium)` : 'renderer not built (npm run build:app)'));
    return { rows, facts: {} };
  }
  const { chromium } = await import('playwright-core');
  const s = await serve(`sim:${scenario.file}`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, timeout: 60000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  try {
    const small = await firstRender(browser, s.url, '0000:02:00.0');
    await small.page.close();
    const { page, ms } = await firstRender(browser, s.url, scenario.bdf);
    const nRows = await page.evaluate(() => document.querySelector('[data-testid="vectors"]')?.getAttribute('data-rows'));
    const domRows = await page.evaluate(() => document.querySelectorAll('[data-testid="vectors"] tbody tr').length);
    rows.push(row('ui', `first render of the vector table (${nRows} vectors, 512 CPUs)`, ms, 'ms', { name: '9-vector device', value: small.ms }, { max: 300 },
      `navigation start → first row; ${domRows} <tr> in the DOM`));
    // 4 Hz: set the shared session's live interval over a second WebSocket from the page's origin.
    const token = new URL(s.url).searchParams.get('token');
    const set = await page.evaluate(async ({ token, bdf }) => new Promise((resolve) => {
      const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api?token=${encodeURIComponent(token)}`);
      ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'setLive', req: { intervalMs: 250, paused: false, watch: bdf } }));
      ws.onmessage = (m) => { const d = JSON.parse(m.data); if (d.kind === 'reply' && d.id === 1) { resolve(d.result.ok); } };
      ws.onerror = () => resolve(false);
      setTimeout(() => resolve(false), 5000);
    }), { token, bdf: scenario.bdf });
    const frames = await page.evaluate(async () => {
      const el = document.querySelector('[data-testid="vector-scroll"]') ?? document.scrollingElement;
      const deltas = [];
      let last = performance.now(), dir = 1;
      const end = last + 4000;
      await new Promise((resolve) => {
        const step = (t) => {
          deltas.push(t - last); last = t;
          el.scrollTop += dir * 120;
          if (el.scrollTop + el.clientHeight >= el.scrollHeight - 2) dir = -1; else if (el.scrollTop <= 0) dir = 1;
          if (t < end) requestAnimationFrame(step); else resolve();
        };
        requestAnimationFrame(step);
      });
      return deltas.slice(2);
    });
    const f = stats(frames);
    const ticks = await page.evaluate(() => document.querySelector('[data-testid="live"]')?.textContent ?? '');
    // Chromium coarsens performance.now() to 0.1 ms: a frame on every 60 Hz vsync reads 16.6–16.8.
    const p95 = Math.round(f.p95 * 10) / 10;
    const dropped = frames.filter((d) => d > 20).length;
    rows.push(row('ui', 'p95 frame while scrolling at 4 Hz updates', p95, 'ms', { name: 'median frame', value: f.median }, { max: 16.7 },
      `${f.n} frames in 4 s, ${dropped} over 20 ms; 4 Hz ${set ? 'set' : 'NOT set (live stays at the UI default)'}; live: ${ticks.trim().slice(0, 60)}`));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? null;
    const smallPage = await firstRender(browser, s.url, '0000:02:00.0');
    const cdp2 = await smallPage.page.context().newCDPSession(smallPage.page);
    await cdp2.send('HeapProfiler.collectGarbage').catch(() => {});
    await cdp2.send('Performance.enable');
    const m2 = (await cdp2.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? null;
    rows.push(row('ui', 'JS heap after scrolling (2048 vectors, after GC)', heap === null ? null : heap / 1e6, 'MB', m2 === null ? null : { name: '9-vector device', value: m2 / 1e6 }, { max: 150 }));
    return { rows, facts: { ui: { frames: f, firstRenderMs: ms } } };
  } finally {
    await browser.close().catch(() => {});
    await s.stop();
  }
}
