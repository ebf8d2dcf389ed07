#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Launcher of the privileged helper (lab/helper/main.ts, compiled to out/node/lab/helper/).
// Installed packages run it through /usr/libexec/doorbell/doorbell-helper (build/linux/), which
// pkexec starts as root with a clean environment.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, '..', 'out', 'node', 'lab', 'helper', 'main.js');
let mod;
try {
  mod = await import(entry);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ v: 1, ok: false, refused: true, results: [], error: { errno: 2, errnoName: 'ENOENT', message: `cannot load ${entry}: ${e.message}`, hint: 'Run `npm run build:node` (development) or reinstall Doorbell.' } })}\n`);
  process.exit(2);
}
process.exitCode = await mod.helperMain({
  argv: process.argv.slice(2),
  env: process.env,
  stdin: process.stdin,
  write: (t) => process.stdout.write(t),
  uid: process.getuid(),
});
