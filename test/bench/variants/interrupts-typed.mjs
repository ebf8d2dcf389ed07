// SPDX-License-Identifier: MIT
// PROPOSED change to native/procfs/interrupts.ts, kept here so the bench can measure it beside the
// current parser (before/after). Same single pass over bytes; the only difference is where counts
// go: one Float64Array for the whole file, each row a subarray view, instead of one JS array of
// (mostly heap-number) counts per row. At 512 CPUs × 2000 rows that is ~1M boxed numbers fewer,
// which is what made the current parser's time swing with GC (scavenges copy every live count).
const NL = 10, SP = 32, TAB = 9, CR = 13, COLON = 58, D0 = 48, D9 = 57;
const isBlank = (c) => c === SP || c === TAB || c === CR;

export function parseInterruptsTyped(buf, opts = {}) {
  const len = buf.length;
  const only = opts.only;
  const wantText = opts.text === true;
  const wantSummary = opts.summary === true;
  const decoder = wantText || wantSummary ? new TextDecoder('latin1') : null;
  let headerEnd = buf.indexOf(NL, 0);
  if (headerEnd < 0) headerEnd = len;
  const cpus = [];
  for (let i = 0; i + 3 < headerEnd; i++) {
    if (buf[i] === 67 && buf[i + 1] === 80 && buf[i + 2] === 85 && (i === 0 || isBlank(buf[i - 1]))) {
      let j = i + 3, v = 0;
      while (j < headerEnd && buf[j] >= D0 && buf[j] <= D9) { v = v * 10 + buf[j] - D0; j++; }
      cpus.push(v);
      i = j - 1;
    }
  }
  if (cpus.length === 0) throw new Error('no CPU columns');
  const ncpu = cpus.length;
  // Rows ≤ newlines; with `only`, at most only.size numbered rows are kept.
  let cap = only ? only.size + 64 : 0;
  if (!only) { for (let p = buf.indexOf(NL, headerEnd + 1); p >= 0; p = buf.indexOf(NL, p + 1)) cap++; cap++; }
  let store = new Float64Array(cap * ncpu);
  let used = 0;
  const irqs = new Map();
  const summary = new Map();
  let pos = headerEnd + 1;
  while (pos < len) {
    let end = buf.indexOf(NL, pos);
    if (end < 0) end = len;
    let i = pos;
    while (i < end && isBlank(buf[i])) i++;
    if (i === end) { pos = end + 1; continue; }
    const labelStart = i;
    let numeric = true, irq = 0;
    while (i < end && buf[i] !== COLON && !isBlank(buf[i])) {
      const c = buf[i];
      if (c >= D0 && c <= D9) irq = irq * 10 + c - D0; else numeric = false;
      i++;
    }
    if (i >= end || buf[i] !== COLON || i === labelStart) throw new Error('bad row');
    const labelEnd = i;
    i++;
    if (numeric) { if (only !== undefined && !only.has(irq)) { pos = end + 1; continue; } } else if (!wantSummary) { pos = end + 1; continue; }
    if ((used + 1) * ncpu > store.length) { const s = new Float64Array(store.length * 2 + ncpu); s.set(store); store = s; }
    const base = used * ncpu;
    let n = 0;
    while (n < ncpu) {
      while (i < end && isBlank(buf[i])) i++;
      const c = buf[i];
      if (i >= end || c < D0 || c > D9) break;
      let j = i, v = 0;
      while (j < end && buf[j] >= D0 && buf[j] <= D9) { v = v * 10 + buf[j] - D0; j++; }
      if (j < end && !isBlank(buf[j])) break;
      store[base + n++] = v;
      i = j;
    }
    used++;
    const row = { counts: store.subarray(base, base + n) };
    if (wantText) row.rest = decoder.decode(buf.subarray(i, end)).trim();
    if (numeric) { if (n < ncpu) throw new Error(`IRQ ${irq} short`); irqs.set(irq, row); }
    else summary.set(decoder.decode(buf.subarray(labelStart, labelEnd)), row);
    pos = end + 1;
  }
  return { cpus, irqs, summary };
}
