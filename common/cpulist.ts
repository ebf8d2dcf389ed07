// SPDX-License-Identifier: MIT
// CPU lists in the kernel's list syntax (bitmap_parselist / %*pbl): "0-3,8,10-15:2/4" is not
// accepted by /proc/irq (it is by cpusets), so Doorbell accepts the plain "a-b,c" form the
// smp_affinity_list file prints, and refuses anything else before a write is attempted.

export type CpuListParse = { ok: true; cpus: number[] } | { ok: false; message: string; at: number };

export function parseCpuList(text: string, opts: { maxCpu?: number } = {}): CpuListParse {
  const s = text.trim();
  if (s === '') return { ok: false, message: 'empty CPU list', at: 0 };
  const seen = new Set<number>();
  let pos = 0;
  for (const part of s.split(',')) {
    const m = /^(\d{1,6})(?:-(\d{1,6}))?$/.exec(part.trim());
    if (!m) return { ok: false, message: `"${part}" is not a CPU number or range (expected e.g. 0-3,8)`, at: pos };
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) return { ok: false, message: `range "${part}" runs backwards`, at: pos };
    if (opts.maxCpu !== undefined && b > opts.maxCpu) {
      return { ok: false, message: `CPU ${b} is past the last CPU of this machine (${opts.maxCpu})`, at: pos };
    }
    for (let c = a; c <= b; c++) seen.add(c);
    pos += part.length + 1;
  }
  return { ok: true, cpus: [...seen].sort((x, y) => x - y) };
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
