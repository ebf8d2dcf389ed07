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

/** The CPUs of a kernel bitmap given as a number (bit n = CPU n), as lib/test_bitmap.c writes them. */
function bits(mask: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; mask >> BigInt(i) !== 0n; i++) if ((mask >> BigInt(i)) & 1n) out.push(i);
  return out;
}

// The parselist_tests table of lib/test_bitmap.c (Linux 6.x: with the "N" rows of 5.13 and the
// "all" rows of 5.14), rewritten: input, the bitmap width nbits (maxCpu = nbits - 1), and the
// kernel's answer — the CPUs, or the errno. Rows whose result is the empty mask ("", "0-0:0/1")
// parse in the kernel, but write_irq_affinity refuses an empty mask (no online CPU), so Doorbell
// refuses them as input with EINVAL; they are marked `empty`.
const KERNEL_VECTORS: { in: string; nbits: number; cpus?: number[]; errno?: string; empty?: true }[] = [
  { in: '0', nbits: 8, cpus: bits(1n) },
  { in: '1', nbits: 8, cpus: bits(2n) },
  { in: '0-15', nbits: 32, cpus: bits(0x0000ffffn) },
  { in: '16-31', nbits: 32, cpus: bits(0xffff0000n) },
  { in: '0-31:1/2', nbits: 32, cpus: bits(0x55555555n) },
  { in: '1-31:1/2', nbits: 32, cpus: bits(0xaaaaaaaan) },
  { in: '0-31:1/4', nbits: 32, cpus: bits(0x11111111n) },
  { in: '1-31:1/4', nbits: 32, cpus: bits(0x22222222n) },
  { in: '0-31:4/4', nbits: 32, cpus: bits(0xffffffffn) },
  { in: '1-31:4/4', nbits: 32, cpus: bits(0xfffffffen) },
  { in: '0-31:1/4,32-63:2/4', nbits: 64, cpus: bits(0x3333333311111111n) },
  { in: '0-31:3/4,32-63:4/4', nbits: 64, cpus: bits(0xffffffff77777777n) },
  { in: '  ,,  0-31:3/4  ,, 32-63:4/4  ,,  ', nbits: 64, cpus: bits(0xffffffff77777777n) },
  { in: '0-31:1/4,32-63:2/4,64-95:3/4,96-127:4/4', nbits: 128, cpus: bits((0xffffffff77777777n << 64n) | 0x3333333311111111n) },
  { in: '', nbits: 8, empty: true },
  { in: '\n', nbits: 8, empty: true },
  { in: ',,  ,,  , ,  ,', nbits: 8, empty: true },
  { in: ' ,  ,,  , ,   \n', nbits: 8, empty: true },
  { in: '0-0', nbits: 32, cpus: [0] },
  { in: '1-1', nbits: 32, cpus: [1] },
  { in: '15-15', nbits: 32, cpus: [15] },
  { in: '31-31', nbits: 32, cpus: [31] },
  { in: '0-0:0/1', nbits: 32, empty: true },
  { in: '0-0:1/1', nbits: 32, cpus: [0] },
  { in: '0-0:1/31', nbits: 32, cpus: [0] },
  { in: '0-0:31/31', nbits: 32, cpus: [0] },
  { in: '1-1:1/1', nbits: 32, cpus: [1] },
  { in: '0-15:16/31', nbits: 32, cpus: bits(0x0000ffffn) },
  { in: '15-15:1/2', nbits: 32, cpus: [15] },
  { in: '15-15:31/31', nbits: 32, cpus: [15] },
  { in: '15-31:1/31', nbits: 32, cpus: [15] },
  { in: '16-31:16/31', nbits: 32, cpus: bits(0xffff0000n) },
  { in: '31-31:31/31', nbits: 32, cpus: [31] },
  { in: 'N-N', nbits: 32, cpus: [31] },
  { in: '0-0:1/N', nbits: 32, cpus: [0] },
  { in: '0-0:N/N', nbits: 32, cpus: [0] },
  { in: '0-15:16/N', nbits: 32, cpus: bits(0x0000ffffn) },
  { in: '15-15:N/N', nbits: 32, cpus: [15] },
  { in: '15-N:1/N', nbits: 32, cpus: [15] },
  { in: '16-N:16/N', nbits: 32, cpus: bits(0xffff0000n) },
  { in: 'N-N:N/N', nbits: 32, cpus: [31] },
  { in: '0-N:1/3,1-N:1/3,2-N:1/3', nbits: 32, cpus: bits(0xffffffffn) },
  { in: '0-31:1/3,1-31:1/3,2-31:1/3', nbits: 32, cpus: bits(0xffffffffn) },
  { in: '1-10:8/12,8-31:24/29,0-31:0/3', nbits: 32, cpus: bits(0xfffffffen) },
  { in: 'all', nbits: 32, cpus: bits(0xffffffffn) },
  { in: '0, 1, all,  ', nbits: 32, cpus: bits(0xffffffffn) },
  { in: 'all:1/2', nbits: 32, cpus: bits(0x55555555n) },
  { in: 'ALL:1/2', nbits: 32, cpus: bits(0x55555555n) },
  { in: 'al', nbits: 8, errno: 'EINVAL' },
  { in: 'alll', nbits: 8, errno: 'EINVAL' },
  { in: '-1', nbits: 8, errno: 'EINVAL' },
  { in: '-0', nbits: 8, errno: 'EINVAL' },
  { in: '10-1', nbits: 8, errno: 'EINVAL' },
  { in: '8-8', nbits: 8, errno: 'ERANGE' },
  { in: '0-31', nbits: 8, errno: 'ERANGE' },
  { in: '0-31:', nbits: 32, errno: 'EINVAL' },
  { in: '0-31:0', nbits: 32, errno: 'EINVAL' },
  { in: '0-31:0/', nbits: 32, errno: 'EINVAL' },
  { in: '0-31:0/0', nbits: 32, errno: 'EINVAL' },
  { in: '0-31:1/0', nbits: 32, errno: 'EINVAL' },
  { in: '0-31:10/1', nbits: 32, errno: 'EINVAL' },
  { in: '0-98765432123456789:10/1', nbits: 8, errno: 'EOVERFLOW' },
  { in: 'a-31', nbits: 8, errno: 'EINVAL' },
  { in: '0-a1', nbits: 8, errno: 'EINVAL' },
  { in: 'a-31:10/1', nbits: 8, errno: 'EINVAL' },
  { in: '0-31:a/1', nbits: 8, errno: 'EINVAL' },
  { in: '0-\n', nbits: 8, errno: 'EINVAL' },
];

describe('CPU lists as bitmap_parselist (lib/bitmap-str.c) takes them for /proc/irq/N/smp_affinity_list', () => {
  it.each(KERNEL_VECTORS)('lib/test_bitmap.c parselist_tests: $in (nbits $nbits)', (v) => {
    const r = parseCpuList(v.in, { maxCpu: v.nbits - 1 });
    if (v.cpus) expect(r).toEqual({ ok: true, cpus: v.cpus });
    else expect(r).toMatchObject({ ok: false, errno: v.errno ?? 'EINVAL' });
    if (v.empty) expect(r.ok ? null : r.message).toMatch(/empty CPU list|names no CPU/);
  });

  it('the largest 32-bit CPU number is EINVAL, not ERANGE: its implicit group length wraps to 0 (found by the kernel tier on 7.3 and 6.12)', () => {
    for (const text of ['4294967295', '0-4294967295']) {
      const r = parseCpuList(text, { maxCpu: 1 });
      expect(r, text).toMatchObject({ ok: false, errno: 'EINVAL' });
      expect(r.ok ? '' : r.message, text).toMatch(/implicit group length \(last \+ 1\) wraps to 0/);
    }
    // With a group of its own the wrap does not happen: the range check answers.
    expect(parseCpuList('0-4294967295:1/2', { maxCpu: 1 })).toMatchObject({ ok: false, errno: 'ERANGE' });
    expect(parseCpuList('4294967294', { maxCpu: 1 })).toMatchObject({ ok: false, errno: 'ERANGE' });
  });

  it('takes the group syntax the audit found refused: 0-3:2/4 is CPUs 0 and 1', () => {
    expect(parseCpuList('0-3:2/4', { maxCpu: 7 })).toEqual({ ok: true, cpus: [0, 1] });
    expect(parseCpuList('0-7:2/4', { maxCpu: 7 })).toEqual({ ok: true, cpus: [0, 1, 4, 5] });
    expect(parseCpuList('0-1023:2/256', { maxCpu: 1023 })).toEqual({ ok: true, cpus: [0, 1, 256, 257, 512, 513, 768, 769] });
  });

  it('N is the last CPU from 5.13 and "all" is 0-N from 5.14; older kernels refuse them, and the message says which and what to write', () => {
    expect(parseCpuList('4-N', { maxCpu: 7, kernelRelease: '5.13.0' })).toEqual({ ok: true, cpus: [4, 5, 6, 7] });
    expect(parseCpuList('all', { maxCpu: 3, kernelRelease: '5.14.0-1-amd64' })).toEqual({ ok: true, cpus: [0, 1, 2, 3] });
    const n = parseCpuList('4-N', { maxCpu: 7, kernelRelease: '5.10.0-28-amd64' });
    expect(n).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(n.ok ? '' : n.message).toMatch(/^"4-N": N .*5\.13.*5\.10\.0-28-amd64: write 7 instead/);
    const all = parseCpuList('all:1/2', { maxCpu: 7, kernelRelease: '5.13.19' });
    expect(all.ok ? '' : all.message).toMatch(/^"all:1\/2": "all" .*5\.14.*write 0-7 instead/);
    // lower-case n is never the alias (bitmap_getnum tests str[0] == 'N').
    expect(parseCpuList('0-n', { maxCpu: 7 })).toMatchObject({ ok: false, errno: 'EINVAL' });
    // N needs the bitmap's width.
    expect(parseCpuList('N')).toMatchObject({ ok: false, errno: 'EINVAL', message: expect.stringMatching(/CPU count/) as unknown });
  });

  it('names the offending region and its column in every refusal', () => {
    const cases: [string, RegExp, number][] = [
      ['0-3,4x,6', /^"4x": "x" at column 6 after CPU 4/, 4],
      ['0-3, 5:1/2', /^"5:1\/2": a group .* follows a range, not a single CPU: write 5-5:1\/2/, 5],
      ['0-7:3/2', /^"0-7:3\/2": uses 3 CPUs of every group of 2/, 0],
      ['0-7:1', /^"0-7:1": "\/size" is missing/, 0],
      ['2,9', /^"9": CPU 9 is past the last CPU of this machine \(7\)/, 2],
      ['7-3', /^"7-3": the range runs backwards \(7 > 3\)/, 0],
      ['1,,0-', /^"0-": the last CPU of the range is missing/, 3],
    ];
    for (const [text, re, at] of cases) {
      const r = parseCpuList(text, { maxCpu: 7 });
      expect(r.ok, text).toBe(false);
      if (!r.ok) { expect(r.message, text).toMatch(re); expect(r.at, text).toBe(at); }
    }
  });

  it('ends the list where the kernel does: a newline after a plain region ends it, after a group size it does not', () => {
    expect(parseCpuList('0-1\n5', { maxCpu: 7 })).toEqual({ ok: true, cpus: [0, 1] });
    expect(parseCpuList('0-3:1/2\n5', { maxCpu: 7 })).toEqual({ ok: true, cpus: [0, 2, 5] });
    // After the group size the next region starts at once: "0-3:1/2N" is 0,2 and N.
    expect(parseCpuList('0-3:1/2N', { maxCpu: 7 })).toEqual({ ok: true, cpus: [0, 2, 7] });
    expect(parseCpuList('3\n')).toEqual({ ok: true, cpus: [3] });
  });

  it('overlapping regions give each CPU once, ascending', () => {
    expect(parseCpuList('4-5,0-7:1/4,1', { maxCpu: 7 })).toEqual({ ok: true, cpus: [0, 1, 4, 5] });
  });
});
