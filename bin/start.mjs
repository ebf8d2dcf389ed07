#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// `npm start`: the desktop app where it can run; otherwise say why in one line and serve the
// console on 127.0.0.1 instead (a headless lab machine is a normal case, not an error).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const args = process.argv.slice(2);

/** Why the window cannot be opened here, or null when it can. */
export function whyNoWindow(env = process.env, uid = process.getuid?.()) {
  if (uid === 0) return 'Doorbell does not run its window as root';
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no display ($DISPLAY and $WAYLAND_DISPLAY are unset)';
  return null;
}

/** The Electron binary, downloading it on first start; null (with the reason) when that fails. */
function electronBinary() {
  const require = createRequire(import.meta.url);
  let pkg;
  try { pkg = require.resolve('electron'); } catch { return { bin: null, why: 'the electron package is not installed (npm install)' }; }
  // Resolving electron downloads its binary on first use (Electron >= 42 has no install step).
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(pkg)}))`], { encoding: 'utf8', timeout: 300000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0 || !r.stdout) {
    const last = `${r.stderr ?? ''}`.trim().split('\n').filter(Boolean).pop() ?? 'unknown error';
    return { bin: null, why: `the Electron binary could not be downloaded (${last.slice(0, 160)})` };
  }
  return { bin: r.stdout.trim(), why: null };
}

function serve(reason) {
  process.stderr.write(`doorbell: ${reason}: serving the console instead — open the URL below in a browser.\n`);
  const child = spawn(process.execPath, [path.join(here, 'doorbell.mjs'), ...args, 'serve'], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const why = whyNoWindow();
  if (why) serve(why);
  else {
    const { bin, why: noBin } = electronBinary();
    if (!bin) serve(noBin);
    else {
      const child = spawn(bin, [root, ...args], { stdio: 'inherit' });
      child.on('exit', (code) => process.exit(code ?? 0));
    }
  }
}
