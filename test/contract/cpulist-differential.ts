// SPDX-License-Identifier: MIT
// CPU-list strings for the differential test of common/cpulist.ts parseCpuList against the real
// kernel: the QEMU guest (test/kernel/guest/driver.ts) writes each, byte for byte in one write(),
// to /proc/irq/N/smp_affinity_list of a vfio-msix vector and reads the mask back or takes the
// errno; Doorbell must accept with the same CPU set or refuse with the same errno.
// write_irq_affinity (kernel/irq/proc.c) parses with bitmap_parselist (lib/bitmap-str.c) over
// nr_cpumask_bits (= nr_cpu_ids) bits and answers EINVAL for a mask with no online CPU.
// The cases are written for the guest's 2 CPUs (run.sh: -smp 2), so CPU 2 is past the bitmap.

/**
 * `kernel`: the answer of Linux 6.12.118 and 7.3.4 on the 2-CPU guest, recorded by the kernel tier
 * (the CPUs as {0,1}, or the errno name); the guest checks it still holds, and the unit test
 * (test/common/cpulist-kernel.test.ts) holds parseCpuList to it without a kernel.
 */
export interface CpuListCase { text: string; kernel: string; why: string }

export const CPULIST_CASES: readonly CpuListCase[] = [
  { text: '0', kernel: '{0}', why: 'one CPU' },
  { text: '1', kernel: '{1}', why: 'the other CPU' },
  { text: '0-1', kernel: '{0,1}', why: 'a range' },
  { text: '1,0', kernel: '{0,1}', why: 'out of order' },
  { text: '01', kernel: '{1}', why: 'leading zero' },
  { text: '', kernel: 'EINVAL', why: 'nothing (a zero-length write): empty mask, no online CPU' },
  { text: ' 1', kernel: '{1}', why: 'leading space' },
  { text: '1 ', kernel: '{1}', why: 'trailing space' },
  { text: '\t0\n', kernel: '{0}', why: 'tab, newline' },
  { text: '\n1', kernel: '{1}', why: 'a leading newline is a separator, not the end' },
  { text: '0\n1', kernel: '{0}', why: 'a newline after a region ends the list' },
  { text: '0 \n1', kernel: '{0,1}', why: 'a newline after a separator does not' },
  { text: '0,', kernel: '{0}', why: 'trailing comma' },
  { text: ',1', kernel: '{1}', why: 'leading comma' },
  { text: '0,,1', kernel: '{0,1}', why: 'repeated commas' },
  { text: '0 1', kernel: '{0,1}', why: 'space as separator' },
  { text: '1\u00000', kernel: '{1}', why: 'NUL ends the string' },
  { text: '1\u00a00', kernel: 'EINVAL', why: 'no-break space (UTF-8 C2 A0) is not a separator' },
  { text: '0-', kernel: 'EINVAL', why: 'range without its end' },
  { text: '-1', kernel: 'EINVAL', why: 'no first CPU' },
  { text: '0 - 1', kernel: 'EINVAL', why: 'spaces around the dash' },
  { text: '1-0', kernel: 'EINVAL', why: 'backwards range' },
  { text: '+1', kernel: 'EINVAL', why: 'sign' },
  { text: '0x1', kernel: 'EINVAL', why: 'hex' },
  { text: '1a', kernel: 'EINVAL', why: 'junk after a number' },
  { text: '0-1:1/2', kernel: '{0}', why: 'group: first of every 2' },
  { text: '0-1:2/2', kernel: '{0,1}', why: 'group: all of every 2' },
  { text: '0-1:0/2', kernel: 'EINVAL', why: 'group using 0: empty mask' },
  { text: '0-1:1/0', kernel: 'EINVAL', why: 'group size 0' },
  { text: '0-3:0/4', kernel: 'ERANGE', why: 'used 0, range past the bitmap' },
  { text: '0-3:4/2', kernel: 'EINVAL', why: 'used > size (checked before the range end)' },
  { text: '0-3:2/4', kernel: 'ERANGE', why: 'valid group, range past the bitmap' },
  { text: '0-1:1', kernel: 'EINVAL', why: 'group without /size' },
  { text: '1:1/2', kernel: 'EINVAL', why: 'group after a single CPU' },
  { text: '0-1:1/2N', kernel: '{0,1}', why: 'after a group size the next region starts at once' },
  { text: '0-1:1/2 1', kernel: '{0,1}', why: 'group then another region' },
  { text: '0-1:1/2\n1', kernel: '{0,1}', why: 'a newline right after a group size does not end the list' },
  { text: 'N', kernel: '{1}', why: 'the last CPU (5.13+)' },
  { text: '0-N', kernel: '{0,1}', why: 'N ends a range' },
  { text: 'N-N', kernel: '{1}', why: 'N twice' },
  { text: 'N-0', kernel: 'EINVAL', why: 'N first: backwards' },
  { text: '1-N:1/2', kernel: '{1}', why: 'N in a grouped range' },
  { text: 'n', kernel: 'EINVAL', why: 'lower-case n is not N' },
  { text: 'all', kernel: '{0,1}', why: 'every CPU (5.14+)' },
  { text: 'ALL', kernel: '{0,1}', why: 'case-insensitive' },
  { text: 'All:1/2', kernel: '{0}', why: 'all with a group' },
  { text: 'all-1', kernel: 'EINVAL', why: 'all is not a range start' },
  { text: 'allx', kernel: 'EINVAL', why: 'junk after all' },
  { text: '2', kernel: 'ERANGE', why: 'one past the last CPU' },
  { text: '0-2', kernel: 'ERANGE', why: 'range one past' },
  { text: '4294967294', kernel: 'ERANGE', why: 'past the bitmap' },
  { text: '4294967295', kernel: 'EINVAL', why: 'largest u32: end + 1 wraps the group length to 0, EINVAL before ERANGE' },
  { text: '0-4294967295', kernel: 'EINVAL', why: 'range to the largest u32: the same wrap' },
  { text: '0-4294967295:1/2', kernel: 'ERANGE', why: 'with a group length of its own: no wrap' },
  { text: '4294967296', kernel: 'EOVERFLOW', why: 'does not fit u32' },
  { text: '99999999999999999999999', kernel: 'EOVERFLOW', why: 'overflows u64 too' },
  { text: '0-4294967296', kernel: 'EOVERFLOW', why: 'range end overflows' },
];

/** One side's answer: the CPU set, or the errno name of the refusal. */
export type CpuListAnswer = { ok: true; cpus: number[] } | { ok: false; errno: string };

/** Same CPUs (as sets), or refused with the same errno. */
export function sameAnswer(kernel: CpuListAnswer, doorbell: CpuListAnswer): boolean {
  if (kernel.ok !== doorbell.ok) return false;
  if (kernel.ok && doorbell.ok) {
    const a = [...new Set(kernel.cpus)].sort((x, y) => x - y), b = [...new Set(doorbell.cpus)].sort((x, y) => x - y);
    return a.length === b.length && a.every((c, i) => c === b[i]);
  }
  return !kernel.ok && !doorbell.ok && kernel.errno === doorbell.errno;
}

/** The text as it goes into a table cell: JSON-quoted, so white space, NUL and NBSP show. */
export const showText = (s: string): string => JSON.stringify(s);

export function showAnswer(a: CpuListAnswer, errnoNumber: (name: string) => number | undefined): string {
  if (a.ok) return `{${a.cpus.join(',')}}`;
  const n = errnoNumber(a.errno);
  return n === undefined ? a.errno : `${a.errno} (${n})`;
}

/** A recorded `kernel` cell as an answer. */
export function recorded(cell: string): CpuListAnswer {
  const m = /^\{([\d,]*)\}$/.exec(cell);
  return m ? { ok: true, cpus: m[1] === '' ? [] : m[1]!.split(',').map(Number) } : { ok: false, errno: cell };
}

/** An answer as a `kernel` cell: {0,1} or the errno name. */
export const cell = (a: CpuListAnswer): string => (a.ok ? `{${[...new Set(a.cpus)].sort((x, y) => x - y).join(',')}}` : a.errno);
