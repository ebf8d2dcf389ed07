#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// koffi 3 keeps its native binaries in one optional package per platform
// (@koromix/koffi-linux-x64, -arm64, ...), and npm installs only the host's. `npm run dist`
// builds x64 and arm64 packages, so this puts the other Linux arch's package (same version as
// koffi) into node_modules with `npm pack` + tar. electron-builder.yml copies
// node_modules/@koromix/koffi-linux-${arch} into each package. Idempotent.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARCHES = ['x64', 'arm64'];
const version = JSON.parse(readFileSync(path.join(root, 'node_modules/koffi/package.json'), 'utf8')).version;

for (const arch of ARCHES) {
  const name = `@koromix/koffi-linux-${arch}`;
  const dir = path.join(root, 'node_modules', name);
  const pj = path.join(dir, 'package.json');
  if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).version === version) continue;
  const tmp = path.join(os.tmpdir(), `doorbell-koffi-${arch}-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const tgz = execFileSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', tmp], { encoding: 'utf8' }).trim().split('\n').pop();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(tmp, tgz), '-C', dir, '--strip-components=1']);
    console.log(`koffi-arches: ${name}@${version} -> ${path.relative(root, dir)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
