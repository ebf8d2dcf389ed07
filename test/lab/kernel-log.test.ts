// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { KernelLog } from '../../lab/kernel-log.js';

const op = (n: number) => ({ at: n, kind: 'ioctl' as const, op: `OP${n}`, bdf: null, args: {}, ok: true, ret: 0, errno: null, errnoName: null, durationUs: 1 });

describe('lab/kernel-log', () => {
  it('keeps exactly the last `capacity` entries, oldest first, across many wrap-arounds', () => {
    const log = new KernelLog(5);
    for (let i = 1; i <= 23; i++) {
      log.record(op(i));
      const all = log.since(0).map((o) => o.seq);
      const want = Array.from({ length: Math.min(i, 5) }, (_, k) => Math.max(i - 4, 1) + k);
      expect(all).toEqual(want);
    }
  });

  it('since(seq) returns only newer entries, and nothing past the end', () => {
    const log = new KernelLog(4);
    for (let i = 1; i <= 10; i++) log.record(op(i));
    expect(log.since(8).map((o) => o.seq)).toEqual([9, 10]);
    expect(log.since(2).map((o) => o.seq)).toEqual([7, 8, 9, 10]);
    expect(log.since(10)).toEqual([]);
    expect(log.since(99)).toEqual([]);
    expect(new KernelLog().since(0)).toEqual([]);
  });
});
