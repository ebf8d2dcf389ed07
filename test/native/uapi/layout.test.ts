// SPDX-License-Identifier: MIT
// Pins every uAPI layout and number in native/uapi/ against gcc on the real Linux 7.3 headers
// (scripts/uapi-headers.sh fetches them), both ways: every struct, field and constant gcc prints
// must match the TS tables, and every TS struct, field and constant must be printed by gcc.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_CONSTANTS, ALL_STRUCTS, fieldSize, type StructDef } from '../../../native/uapi/index.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const SCRIPT = 'scripts/uapi-headers.sh';

/** The include dir from the cache, without network: the script's fast path, or DOORBELL_UAPI_INCLUDE. */
function findHeaders(): string | null {
  const env = process.env.DOORBELL_UAPI_INCLUDE;
  if (env) return existsSync(path.join(env, 'linux/iommufd.h')) ? env : null;
  const cache = process.env.DOORBELL_UAPI_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? '/root', '.cache'), 'doorbell');
  const inc = path.join(cache, 'uapi-current', 'usr', 'include');
  return existsSync(path.join(inc, 'linux/iommufd.h')) ? inc : null;
}

const include = findHeaders();
const skip = include === null && process.env.DOORBELL_SKIP_UAPI === '1' && process.env.CI !== 'true';

interface GccView {
  structs: Map<string, { size: number; align: number }>;
  fields: Map<string, { offset: number; size: number }>;
  consts: Map<string, number>;
}

function runGcc(inc: string): GccView {
  const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-uapi-'));
  const exe = path.join(dir, 'layout');
  const cc = spawnSync('gcc', ['-std=gnu11', '-Wall', '-Werror', `-I${inc}`, '-o', exe, path.join(ROOT, 'test/native/uapi/layout.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc failed (${cc.error?.message ?? `exit ${cc.status}`}):\n${cc.stderr}`);
  const out = execFileSync(exe, { encoding: 'utf8' });
  const view: GccView = { structs: new Map(), fields: new Map(), consts: new Map() };
  for (const line of out.trim().split('\n')) {
    const [kind, name, a, b] = line.split(' ');
    if (kind === 'struct') view.structs.set(name!, { size: Number(a), align: Number(b) });
    else if (kind === 'field') view.fields.set(name!, { offset: Number(a), size: Number(b) });
    else if (kind === 'const') view.consts.set(name!, Number(a));
    else throw new Error(`unexpected line from layout.c: ${line}`);
  }
  return view;
}

describe.skipIf(skip)('native/uapi layouts against gcc on the Linux 7.3 headers', () => {
  it('has the headers', () => {
    expect(include, `uAPI headers missing: run ${SCRIPT} (it fetches linux-libc-dev 7.3 from trixie-backports into ~/.cache/doorbell without installing anything), or set DOORBELL_SKIP_UAPI=1 outside CI`).not.toBeNull();
  });
  if (include === null) return;
  const gcc = runGcc(include);
  const byName = new Map<string, StructDef>(ALL_STRUCTS.map((s) => [s.name, s]));

  it('prints a sane amount (the C program ran)', () => {
    expect(gcc.structs.size).toBeGreaterThan(30);
    expect(gcc.consts.size).toBeGreaterThan(100);
  });

  for (const def of ALL_STRUCTS) {
    it(`struct ${def.name}: sizeof, alignof and every field`, () => {
      const c = gcc.structs.get(def.name);
      expect(c, `layout.c does not print struct ${def.name}`).toBeDefined();
      expect({ size: def.size, align: def.align }).toEqual(c);
      for (const f of def.fields) {
        const cf = gcc.fields.get(`${def.name}.${f.name}`);
        expect(cf, `layout.c does not print ${def.name}.${f.name}`).toBeDefined();
        expect({ field: f.name, offset: f.offset, size: fieldSize(f) }).toEqual({ field: f.name, ...cf });
      }
    });
  }

  it('every struct and field gcc printed is in the TS tables', () => {
    const missing: string[] = [];
    for (const s of gcc.structs.keys()) if (!byName.has(s)) missing.push(`struct ${s}`);
    for (const key of gcc.fields.keys()) {
      const [s, f] = key.split('.');
      if (!byName.get(s!)?.fields.some((x) => x.name === f)) missing.push(key);
    }
    expect(missing).toEqual([]);
  });

  it('every constant and request number matches, both ways', () => {
    const mismatched: string[] = [];
    for (const [name, value] of gcc.consts) {
      if (!(name in ALL_CONSTANTS)) mismatched.push(`${name}: missing in TS (gcc ${value})`);
      else if (ALL_CONSTANTS[name] !== value) mismatched.push(`${name}: TS ${ALL_CONSTANTS[name]} gcc ${value}`);
    }
    for (const name of Object.keys(ALL_CONSTANTS)) if (!gcc.consts.has(name)) mismatched.push(`${name}: not printed by layout.c`);
    expect(mismatched).toEqual([]);
  });
});
