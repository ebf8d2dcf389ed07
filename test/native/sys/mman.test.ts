// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { mmapAnonymous } from '../../../native/sys/mman.js';
import { Recorder } from './recorder.js';

describe('native/sys/mman', () => {
  it('anonymous mmap: write, read back, unmap, refuse access afterwards', () => {
    const rec = new Recorder();
    const m = mmapAnonymous(8192, { tracer: rec });
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    const map = m.value;
    expect(map.addr % 4096n).toBe(0n);
    expect(map.readU32(4096)).toBe(0); // fresh anonymous memory is zero
    map.writeU32(4096, 0xfee00040);
    expect(map.readU32(4096)).toBe(0xfee00040);
    map.write(100, Buffer.from([1, 2, 3, 250]));
    expect([...map.read(100, 4)]).toEqual([1, 2, 3, 250]);
    expect(() => map.read(8190, 4)).toThrow(RangeError);
    expect(map.unmap()).toEqual({ ok: true, value: undefined });
    expect(map.unmapped).toBe(true);
    expect(() => map.readU32(0)).toThrow(/unmapped/);
    expect(rec.ops[0]).toMatchObject({ kind: 'mmap', op: 'mmap anonymous', ok: true, args: { length: 8192 } });
  });

  it('a zero-length mmap is EINVAL as data with a hint', () => {
    const m = mmapAnonymous(0);
    expect(m.ok).toBe(false);
    if (!m.ok) {
      expect(m.errno).toBe('EINVAL');
      expect(m.error).toMatchObject({ op: 'mmap anonymous', errno: 22, errnoName: 'EINVAL' });
      expect(m.error.hint.length).toBeGreaterThan(10);
    }
  });
});
