#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// The doorbell CLI. Runs the compiled lab core from out/node (npm run build:node).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, '..', 'out', 'node', 'lab', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`doorbell: ${entry} is missing: run \`npm run build\` first.\n`);
  process.exit(2);
}
// `doorbell vectors … | head`: the reader left, so the output is done; not an error to report.
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); throw e; });
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
