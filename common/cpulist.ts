// SPDX-License-Identifier: MIT
// CPU lists in the kernel's list syntax, as /proc/irq/N/smp_affinity_list takes them:
// write_irq_affinity (kernel/irq/proc.c) hands the buffer to cpumask_parselist_user, that is
// bitmap_parselist (lib/bitmap-str.c) over a bitmap nr_cpumask_bits wide. parseCpuList follows
// that parser step for step, so Doorbell accepts what the kernel accepts and refuses the rest
// before a write, naming the region and the errno the kernel would answer:
//   list    regions separated by ',' or white space (leading, repeated, trailing ones skipped);
//           the list ends at the end of the text or at a newline right after a region
//   region  NUM | NUM-NUM | NUM-NUM:USED/SIZE | all | all:USED/SIZE
//           USED/SIZE: from each group of SIZE CPUs starting at the range's first, the first USED
//           (0-7:2/4 = 0,1,4,5); nothing may follow a region but a separator, except after SIZE,
//           where the kernel starts the next region straight away ("0-3:1/2N" = 0,2,N)
//   NUM     decimal digits that fit 32 bits (else EOVERFLOW), or N: the last bit of the bitmap
//           (Linux 5.13+, "lib: bitmap: support N as an alias for size of bitmap"); "all" (any
//           case) is 0-N (5.14+, "bitmap_parse: Support 'all' semantics")
//   checks  first > last, SIZE 0 or USED > SIZE: EINVAL; last past the bitmap: ERANGE
// The bitmap is nr_cpumask_bits wide: nr_cpu_ids (maxCpu = the last possible CPU) on current
// kernels; older kernels built without CONFIG_CPUMASK_OFFSTACK used NR_CPUS. An empty list parses
// in the kernel but write_irq_affinity refuses it (no online CPU), so it is refused here as input.

export type CpuListErrno = 'EINVAL' | 'ERANGE' | 'EOVERFLOW';

export type CpuListParse =
  | { ok: true; cpus: number[] }
  /** `at`: column (0-based) of the offending region; `errno`: what bitmap_parselist would return. */
  | { ok: false; message: string; at: number; errno: CpuListErrno };

export interface CpuListOptions {
  /** The bitmap's last bit, nr_cpu_ids - 1: what N and "all" stand for; a CPU past it is ERANGE. */
  maxCpu?: number;
  /** uname -r of the kernel that will parse the list: N needs 5.13, "all" 5.14. Unknown: both accepted. */
  kernelRelease?: string | null;
}

/** Without the machine's CPU count, no range is expanded past this (a guard, not a kernel limit). */
const UNKNOWN_WIDTH_LAST = (1 << 20) - 1;

function releaseAtLeast(release: string | null | undefined, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release ?? '');
  if (!m) return true;
  const a = Number(m[1]), b = Number(m[2]);
  return a > major || (a === major && b >= minor);
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
/** __end_of_region: white space or ','. */
const isSep = (c: string | undefined): boolean => c === ',' || isSpace(c);
/** end_of_str: the end of the buffer or a newline. */
const isEnd = (c: string | undefined): boolean => c === undefined || c === '\0' || c === '\n';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

class ListError extends Error {
  constructor(readonly errno: CpuListErrno, message: string) { super(message); }
}

export function parseCpuList(text: string, opts: CpuListOptions = {}): CpuListParse {
  const s = text;
  const last = opts.maxCpu;
  const cap = last ?? UNKNOWN_WIDTH_LAST;
  const out: number[] = [];
  let sorted = true;
  let i = 0;
  let regionAt = 0;
  const regionText = (): string => {
    let j = regionAt;
    while (j < s.length && !isSep(s[j]) && s[j] !== '\0') j++;
    return s.slice(regionAt, j);
  };
  const fail = (errno: CpuListErrno, why: string): CpuListParse => ({ ok: false, errno, at: regionAt, message: `"${regionText()}": ${why}` });
  /** bitmap_getnum: N, or decimal digits that fit an unsigned int. */
  const num = (what: string): number => {
    if (s[i] === 'N') {
      if (!releaseAtLeast(opts.kernelRelease, 5, 13)) {
        throw new ListError('EINVAL', `N (the last CPU) is accepted by Linux 5.13 and later; this kernel is ${opts.kernelRelease}: write ${last ?? 'the CPU number'} instead`);
      }
      if (last === undefined) throw new ListError('EINVAL', 'N (the last CPU) cannot be resolved: the CPU count of this lab is not known');
      i++;
      return last;
    }
    const from = i;
    while (isDigit(s[i])) i++;
    if (i === from) {
      const got = isEnd(s[i]) || isSep(s[i]) ? 'nothing' : `"${s[i]}"`;
      throw new ListError('EINVAL', `${what} is missing (found ${got} at column ${i + 1}); expected a decimal CPU number${releaseAtLeast(opts.kernelRelease, 5, 13) ? ' or N' : ''}`);
    }
    const n = Number(s.slice(from, i));
    if (n > 0xffffffff) throw new ListError('EOVERFLOW', `${s.slice(from, i)} does not fit the kernel's 32-bit CPU number`);
    return n;
  };
  try {
    for (;;) {
      // bitmap_find_region: skip separators; the list ends at the end of the text.
      while (isSep(s[i])) i++;
      if (isEnd(s[i])) break;
      regionAt = i;
      let start: number, end: number;
      let pattern = false;
      if (s.slice(i, i + 3).toLowerCase() === 'all') {
        if (!releaseAtLeast(opts.kernelRelease, 5, 14)) {
          throw new ListError('EINVAL', `"all" is accepted by Linux 5.14 and later; this kernel is ${opts.kernelRelease}: write 0-${last ?? 'the last CPU'} instead`);
        }
        if (last === undefined) throw new ListError('EINVAL', '"all" cannot be resolved: the CPU count of this lab is not known');
        start = 0; end = last; i += 3;
        pattern = true;
      } else {
        start = num('the CPU number');
        if (isSep(s[i]) || isEnd(s[i]) || s[i] === '\0') {
          end = start;
        } else if (s[i] === '-') {
          i++;
          end = num('the last CPU of the range');
          pattern = true;
        } else if (s[i] === ':') {
          throw new ListError('EINVAL', `a group (":used/size") follows a range, not a single CPU: write ${start}-${start}${s.slice(i, regionAt + regionText().length)}`);
        } else {
          throw new ListError('EINVAL', `"${s[i]}" at column ${i + 1} after CPU ${start}; expected "-", "," or the end`);
        }
      }
      // no_pattern: off = group_len = end + 1 in unsigned int, so 4294967295 wraps them to 0.
      let used = (end + 1) % 0x100000000, size = used;
      let grouped = false;
      if (pattern) {
        if (isSep(s[i]) || isEnd(s[i]) || s[i] === '\0') {
          /* no group */
        } else if (s[i] !== ':') {
          throw new ListError('EINVAL', `"${s[i]}" at column ${i + 1} after the range; expected ":used/size", "," or the end`);
        } else {
          i++;
          used = num('the count of CPUs used per group');
          if (s[i] !== '/') throw new ListError('EINVAL', `"/size" is missing after ":${used}" (column ${i + 1}): a group is range:used/size, e.g. 0-7:2/4`);
          i++;
          size = num('the group size');
          grouped = true;
        }
      }
      // After a group size the kernel goes straight on to the next region; otherwise a newline
      // (or the end) right after the region ends the list.
      const stop = !grouped && isEnd(s[i]);
      // bitmap_check_region
      if (start > end) throw new ListError('EINVAL', `the range runs backwards (${start} > ${end})`);
      if (size === 0) {
        throw new ListError('EINVAL', grouped ? 'the group size is 0'
          : `CPU ${end} is the largest 32-bit number: the kernel's implicit group length (last + 1) wraps to 0, which bitmap_parselist refuses before the range check`);
      }
      if (used > size) throw new ListError('EINVAL', `uses ${used} CPUs of every group of ${size}: more than a group holds`);
      if (end > cap) {
        throw new ListError('ERANGE', last !== undefined
          ? `CPU ${end} is past the last CPU of this machine (${last})`
          : `CPU ${end} is past the largest CPU number Doorbell expands without this lab's CPU count (${UNKNOWN_WIDTH_LAST})`);
      }
      // bitmap_set_region: the first `used` CPUs of each group of `size`, from `start` to `end`.
      for (let g = start; g <= end; g += size) {
        const n = Math.min(end - g + 1, used);
        for (let c = g; c < g + n; c++) {
          if (out.length > 0 && c <= out[out.length - 1]!) sorted = false;
          out.push(c);
        }
      }
      if (stop) break;
    }
  } catch (e) {
    if (e instanceof ListError) return fail(e.errno, e.message);
    throw e;
  }
  if (out.length === 0) {
    return { ok: false, errno: 'EINVAL', at: 0, message: s.trim() === '' ? 'empty CPU list' : `"${s.trim()}" names no CPU (the kernel refuses a mask with no online CPU: EINVAL)` };
  }
  return { ok: true, cpus: sorted ? out : [...new Set(out)].sort((a, b) => a - b) };
}

/** Format as the kernel prints %*pbl: ascending, ranges collapsed. */
export function formatCpuList(cpus: readonly number[]): string {
  // Lists read from the kernel are ascending already: a 512-CPU affinity then costs one pass, not
  // a Set, a copy and a sort (the table's first render formats two of them for every row).
  let ascending = true;
  for (let i = 1; i < cpus.length && ascending; i++) ascending = cpus[i]! > cpus[i - 1]!;
  return formatSortedCpuList(ascending ? cpus : [...new Set(cpus)].sort((a, b) => a - b));
}

/** formatCpuList for a list already strictly ascending (no copy, no sort). */
export function formatSortedCpuList(sorted: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Parse the kernel's hex mask form (%*pb): comma-separated 32-bit groups, most significant first. */
export function parseCpuMask(text: string): number[] | null {
  const groups = text.trim().split(',');
  const cpus: number[] = [];
  for (let g = 0; g < groups.length; g++) {
    const word = groups[groups.length - 1 - g]!;
    if (!/^[0-9a-fA-F]{1,8}$/.test(word)) return null;
    const v = parseInt(word, 16);
    for (let bit = 0; bit < 32; bit++) if ((v >>> bit) & 1) cpus.push(g * 32 + bit);
  }
  return cpus;
}
