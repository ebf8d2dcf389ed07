// SPDX-License-Identifier: MIT
// parseCpuList against the answers real kernels gave: the kernel tier writes every string of
// test/contract/cpulist-differential.ts to a live IRQ's smp_affinity_list on a 2-CPU QEMU guest
// (Linux 6.12 and 7.3) and records the mask read back or the errno in the table's `kernel` cells.
// This holds Doorbell to them on every unit run, without a kernel.
import { describe, expect, it } from 'vitest';
import { parseCpuList } from '../../common/cpulist.js';
import { CPULIST_CASES, cell, recorded, sameAnswer, showText, type CpuListAnswer } from '../contract/cpulist-differential.js';

const answer = (text: string, kernelRelease: string): CpuListAnswer => {
  const p = parseCpuList(text, { maxCpu: 1, kernelRelease });
  return p.ok ? { ok: true, cpus: p.cpus } : { ok: false, errno: p.errno };
};

describe('parseCpuList answers as the kernel did (2 CPUs: nr_cpu_ids 2)', () => {
  for (const release of ['6.12.118-1', '7.3.4']) {
    it(`on ${release}: the same CPUs, or the same errno, for every recorded string`, () => {
      const off = CPULIST_CASES.filter((c) => !sameAnswer(recorded(c.kernel), answer(c.text, release)))
        .map((c) => `${showText(c.text)} (${c.why}): kernel ${c.kernel}, Doorbell ${cell(answer(c.text, release))}`);
      expect(off).toEqual([]);
    });
  }
  it('covers each class of answer', () => {
    const kinds = new Set(CPULIST_CASES.map((c) => (c.kernel.startsWith('{') ? 'cpus' : c.kernel)));
    expect([...kinds].sort()).toEqual(['EINVAL', 'EOVERFLOW', 'ERANGE', 'cpus']);
  });
});

describe('the differential comparison', () => {
  it('counts a different errno, a different set, or accept against refuse as a disagreement', () => {
    expect(sameAnswer({ ok: true, cpus: [1, 0] }, { ok: true, cpus: [0, 1] })).toBe(true);
    expect(sameAnswer({ ok: false, errno: 'ERANGE' }, { ok: false, errno: 'ERANGE' })).toBe(true);
    expect(sameAnswer({ ok: false, errno: 'ERANGE' }, { ok: false, errno: 'EINVAL' })).toBe(false);
    expect(sameAnswer({ ok: true, cpus: [0] }, { ok: true, cpus: [0, 1] })).toBe(false);
    expect(sameAnswer({ ok: true, cpus: [0] }, { ok: false, errno: 'EINVAL' })).toBe(false);
    expect(sameAnswer({ ok: false, errno: 'EINVAL' }, { ok: true, cpus: [0] })).toBe(false);
  });
  it('reads and writes the recorded cells', () => {
    expect(recorded('{0,1}')).toEqual({ ok: true, cpus: [0, 1] });
    expect(recorded('EOVERFLOW')).toEqual({ ok: false, errno: 'EOVERFLOW' });
    expect(cell({ ok: true, cpus: [1, 0, 1] })).toBe('{0,1}');
    expect(cell({ ok: false, errno: 'EINVAL' })).toBe('EINVAL');
  });
});
