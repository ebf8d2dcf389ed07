// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { formatCpuList, formatSortedCpuList, parseCpuList } from '../../common/cpulist.js';

describe('CPU lists in the kernel\'s %*pbl form', () => {
  it('formats ascending lists in one pass and anything else sorted, without duplicates', () => {
    const all = Array.from({ length: 512 }, (_, i) => i);
    expect(formatCpuList(all)).toBe('0-511');
    expect(formatCpuList([0, 1, 4])).toBe('0-1,4');
    expect(formatCpuList([7, 3, 1, 2, 2])).toBe('1-3,7');
    expect(formatCpuList([1, 1, 2])).toBe('1-2');
    expect(formatCpuList([5])).toBe('5');
    expect(formatCpuList([])).toBe('');
    expect(formatCpuList([...all].reverse())).toBe('0-511');
    expect(formatSortedCpuList([0, 2, 3, 4, 6])).toBe('0,2-4,6');
  });
  it('parses what it formats back to the same CPUs', () => {
    for (const cpus of [[0], [0, 1, 4], [1, 2, 3, 7, 8, 100], Array.from({ length: 64 }, (_, i) => 2 * i)]) {
      const r = parseCpuList(formatCpuList(cpus));
      expect(r.ok && r.cpus).toEqual(cpus);
    }
  });
});
