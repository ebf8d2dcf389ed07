// SPDX-License-Identifier: MIT
// Scratch directories for a test file, removed after its last test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** A maker of fresh directories under the system's temp dir, named `prefix…`; call at file level. */
export function scratchDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
  return () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}
