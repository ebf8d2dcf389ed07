// SPDX-License-Identifier: MIT
// /proc/interrupts (kernel/irq/proc.c show_interrupts). The header names the online CPUs
// (`CPU%d` columns). Each numbered row is `N:` + one count per online CPU + chip/hwirq/type/name/
// actions; summary rows (x86 NMI, LOC, …; arm64 IPIn) have a name instead of a number.
// Parsed by whitespace, never by column (kernel 7.x changed the widths), and tolerant of what
// other parsers tripped on: `IPI0:2768808080` with no space after the colon (node_exporter#2557),
// rows with fewer or no counters (`ERR:      0`, `FIQ:`), chip names that embed a BDF or start
// with a digit, x86 `1-edge` and arm64 `1 Edge`.
// Written for 512 CPUs × 2000 IRQs (~11 MB): one pass over bytes, no per-token regex or string,
// rows not asked for are skipped with a single indexOf, and the counts of every row go into one
// Float64Array per read (each row a view of it), so a full parse allocates a few objects per row
// instead of a JS array of ncpu numbers (at this size GC dominated the parse: npm run bench).
// Float64, not Uint32: the kernel prints per-CPU counts as %10u today, but a wider counter must
// not wrap silently.
import { parseError } from '../sysfs/root.js';

export interface InterruptsRow {
  /**
   * Counts per online CPU, in header column order: a view of the parse's shared store. Copy the
   * rows you keep past the parse into number[] (Array.from) before they leave the lab core.
   */
  counts: Float64Array;
  /** Text after the counts: chip, hwirq, type, name and actions (only with `text: true`). */
  rest?: string;
}

export interface ParsedInterrupts {
  /** Online CPUs, in column order, from the header. */
  cpus: number[];
  /** Numbered IRQ rows. */
  irqs: Map<number, InterruptsRow>;
  /** Summary rows (NMI, LOC, IPI0, ERR, FIQ, …), only with `summary: true`. */
  summary: Map<string, InterruptsRow>;
}

export interface ParseInterruptsOptions {
  /** Parse only these IRQs; other numbered rows are skipped without being parsed. */
  only?: ReadonlySet<number>;
  /** Keep the text after the counts. */
  text?: boolean;
  /** Keep the named summary rows. */
  summary?: boolean;
  /**
   * Put the counts in this holder's store (grown as needed) instead of a fresh one: the rows are
   * then views valid only until the next parse with the same holder, for a caller that copies what
   * it keeps at once. A fresh 16 MB store per read of a 512-CPU × 4000-IRQ file cost more in page
   * faults than the parse itself on a VM (npm run bench).
   */
  scratch?: { store: Float64Array };
  /** Names for errors (kernel path and real path). */
  kpath?: string;
  real?: string;
}

const NL = 10, SP = 32, TAB = 9, CR = 13, COLON = 58, D0 = 48, D9 = 57;

function isBlank(c: number): boolean { return c === SP || c === TAB || c === CR; }

export function parseInterrupts(buf: Uint8Array, opts: ParseInterruptsOptions = {}): ParsedInterrupts {
  const kpath = opts.kpath ?? '/proc/interrupts';
  const real = opts.real ?? kpath;
  const len = buf.length;
  const only = opts.only;
  const wantText = opts.text === true;
  const wantSummary = opts.summary === true;
  const decoder = wantText || wantSummary ? new TextDecoder('latin1') : null;

  // Header: `           CPU0       CPU1 …`.
  let headerEnd = indexOfByte(buf, NL, 0);
  if (headerEnd < 0) headerEnd = len;
  const cpus: number[] = [];
  for (let i = 0; i + 3 < headerEnd; i++) {
    if (buf[i] === 67 /* C */ && buf[i + 1] === 80 /* P */ && buf[i + 2] === 85 /* U */ && (i === 0 || isBlank(buf[i - 1]!))) {
      let j = i + 3, v = 0, digits = 0;
      while (j < headerEnd && buf[j]! >= D0 && buf[j]! <= D9) { v = v * 10 + buf[j]! - D0; j++; digits++; }
      if (digits === 0) throw parseError(kpath, real, 1, 'header has "CPU" without a CPU number');
      cpus.push(v);
      i = j - 1;
    }
  }
  if (cpus.length === 0) {
    throw parseError(kpath, real, 1, len === 0 ? 'the file is empty' : 'the header names no CPU columns (expected "CPU0 CPU1 …")');
  }
  const ncpu = cpus.length;

  const irqs = new Map<number, InterruptsRow>();
  const summary = new Map<string, InterruptsRow>();
  // Rows ≤ lines after the header; with `only`, at most only.size numbered rows are kept.
  let cap = 0;
  if (only !== undefined) cap = only.size + (wantSummary ? 64 : 0);
  else for (let p = indexOfByte(buf, NL, headerEnd + 1); p >= 0; p = indexOfByte(buf, NL, p + 1)) cap++;
  const scratch = opts.scratch;
  let store = scratch && scratch.store.length >= (cap + 1) * ncpu ? scratch.store : new Float64Array((cap + 1) * ncpu);
  if (scratch) scratch.store = store;
  let used = 0;
  let pos = headerEnd + 1;
  let line = 1;
  while (pos < len) {
    line++;
    let end = indexOfByte(buf, NL, pos);
    if (end < 0) end = len;
    let i = pos;
    while (i < end && isBlank(buf[i]!)) i++;
    if (i === end) { pos = end + 1; continue; } // blank line
    // Label up to ':'.
    const labelStart = i;
    let numeric = true, irq = 0;
    while (i < end && buf[i] !== COLON && !isBlank(buf[i]!)) {
      const c = buf[i]!;
      if (c >= D0 && c <= D9) irq = irq * 10 + c - D0; else numeric = false;
      i++;
    }
    if (i >= end || buf[i] !== COLON || i === labelStart) {
      throw parseError(kpath, real, line, `expected "IRQ:" or "NAME:" at the start of the row, found ${JSON.stringify(latin1(buf, pos, Math.min(end, pos + 40)))}`);
    }
    const labelEnd = i;
    i++; // past ':'
    if (numeric) {
      if (only !== undefined && !only.has(irq)) { pos = end + 1; continue; }
    } else if (!wantSummary) { pos = end + 1; continue; }

    if ((used + 1) * ncpu > store.length) {
      // Views already handed out keep the old buffer, which holds their counts.
      const grown = new Float64Array(store.length * 2 + ncpu);
      grown.set(store);
      store = grown;
      if (scratch) scratch.store = store;
    }
    const base = used * ncpu;
    let n = 0;
    while (n < ncpu) {
      while (i < end && isBlank(buf[i]!)) i++;
      const c = buf[i];
      if (i >= end || c === undefined || c < D0 || c > D9) break;
      // A digit run followed by a non-blank (a chip name starting with a digit) is not a count.
      let j = i, v = 0;
      while (j < end && buf[j]! >= D0 && buf[j]! <= D9) { v = v * 10 + buf[j]! - D0; j++; }
      if (j < end && !isBlank(buf[j]!)) break;
      store[base + n++] = v;
      i = j;
    }
    if (numeric && n < ncpu) {
      throw parseError(kpath, real, line, `IRQ ${irq} has ${n} count${n === 1 ? '' : 's'} for ${ncpu} online CPUs${end === len ? ' (the file looks truncated)' : ''}`);
    }
    used++;
    // Summary rows may carry fewer counts (x86 ERR/MIS: one total) or none (FIQ:).
    const row: InterruptsRow = { counts: store.subarray(base, base + n) };
    if (wantText) row.rest = decoder!.decode(buf.subarray(i, end)).trim();
    if (numeric) irqs.set(irq, row);
    else summary.set(decoder!.decode(buf.subarray(labelStart, labelEnd)), row);
    pos = end + 1;
  }
  return { cpus, irqs, summary };
}

function indexOfByte(buf: Uint8Array, byte: number, from: number): number {
  return buf.indexOf(byte, from);
}

function latin1(buf: Uint8Array, a: number, b: number): string {
  let s = '';
  for (let k = a; k < b; k++) s += String.fromCharCode(buf[k]!);
  return s;
}

export interface RowText {
  chip: string | null;
  hwirq: number | null;
  /** `edge`, `fasteoi`, `Level`, `Edge`: x86 prints the flow name, GENERIC_IRQ_SHOW_LEVEL arches the trigger. */
  type: string | null;
  actions: string[];
}

/** Best-effort split of the text after the counts; /sys/kernel/irq/N is the authority for metadata. */
export function splitRowText(rest: string): RowText {
  const tokens = rest.split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return { chip: null, hwirq: null, type: null, actions: [] };
  const chip = tokens[0]!;
  let k = 1, hwirq: number | null = null, type: string | null = null;
  const t = tokens[1];
  const dash = t ? /^(\d+)-(\S+)$/.exec(t) : null;
  if (dash) { hwirq = Number(dash[1]); type = dash[2]!; k = 2; }                          // x86: `1-edge`
  else if (t && /^\d+$/.test(t)) {
    hwirq = Number(t); k = 2;
    const u = tokens[2];
    if (u === 'Level' || u === 'Edge') { type = u; k = 3; }                                 // arm64: `1 Edge`
    const v = tokens[k];
    if (v && v.startsWith('-')) { type = v.slice(1); k++; }
  }
  const actions = tokens.slice(k).join(' ').split(/,\s*/).filter(Boolean);
  return { chip, hwirq, type, actions };
}
