// SPDX-License-Identifier: MIT
// Doorbell's own version, for snapshot headers and reports: the `version` of the package.json
// above this module, whether it runs from source (vitest) or from out/node.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function doorbellVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'doorbell' && typeof pkg.version === 'string') { cached = pkg.version; break; }
    } catch { /* not here: look one level up */ }
    dir = path.dirname(dir);
  }
  return cached;
}
