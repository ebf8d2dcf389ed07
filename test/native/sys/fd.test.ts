// SPDX-License-Identifier: MIT
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeFd, O_RDONLY, O_RDWR, openPath, preadExact, pwriteExact } from '../../../native/sys/fd.js';
import { Recorder } from './recorder.js';

const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-fd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('native/sys/fd', () => {
  it('pread/pwrite move exactly the bytes asked for at the offset', () => {
    const file = path.join(dir, 'region.bin');
    writeFileSync(file, Buffer.alloc(64));
    const rec = new Recorder();
    const o = openPath(file, O_RDWR, { tracer: rec });
    expect(o.ok).toBe(true);
    if (!o.ok) return;
    try {
      expect(pwriteExact(o.value, Buffer.from([0x40, 0x00, 0xe0, 0xfe]), 16, { tracer: rec }).ok).toBe(true);
      const r = preadExact(o.value, 4, 16);
      expect(r.ok && r.value.readUInt32LE(0)).toBe(0xfee00040);
      expect(readFileSync(file).readUInt32LE(16)).toBe(0xfee00040);
      const short = preadExact(o.value, 8, 60);
      expect(short.ok).toBe(false);
      if (!short.ok) expect(short.error).toMatchObject({ errnoName: 'EIO', message: expect.stringContaining('4 of 8') });
    } finally {
      closeFd(o.value);
    }
    expect(rec.ops.map((x) => x.kind)).toEqual(['open', 'write']);
  });

  it('opening a missing path is ENOENT as data, with op, path and hint', () => {
    const p = path.join(dir, 'nope');
    const r = openPath(p, O_RDONLY);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errno).toBe('ENOENT');
      expect(r.error).toMatchObject({ op: `open ${p}`, errno: 2, errnoName: 'ENOENT', path: p });
      expect(r.error.hint).toContain('does not exist');
    }
  });
});
