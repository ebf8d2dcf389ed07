// SPDX-License-Identifier: MIT
// End-to-end harness: the real `doorbell serve` CLI, the built renderer, and Debian's Chromium
// driven by playwright-core. Every step has a timeout so a stuck browser or server fails the
// run with a log instead of hanging CI.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const RESULTS = path.join(ROOT, 'test-results', 'e2e');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Served { url: string; port: number; token: string; proc: ChildProcess; output: () => string; stop(): Promise<void> }

export async function serve(lab: string, timeoutMs = 30000): Promise<Served> {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin/doorbell.mjs'), '--lab', lab, 'serve'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`doorbell serve did not print its URL within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m) { clearTimeout(t); resolve(m[1]!); }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`doorbell serve exited with ${code}:\n${out}`)); });
  });
  const u = new URL(url);
  return {
    url, port: Number(u.port), token: u.searchParams.get('token')!, proc, output: () => out,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      await new Promise<void>((r) => {
        const t = setTimeout(() => { proc.kill('SIGKILL'); r(); }, 5000);
        proc.once('exit', () => { clearTimeout(t); r(); });
      });
    },
  };
}

export async function browser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install chromium\` (as root), or set CHROMIUM_PATH.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
}

/** A page that records console errors and CSP violations, so tests can require none. */
export async function openPage(b: Browser, url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await b.newPage({ viewport: { width: 1440, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.setDefaultTimeout(15000);
  await page.goto(url);
  return { page, problems };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
