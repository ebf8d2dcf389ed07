// SPDX-License-Identifier: MIT
// Per-CPU counts and rates, dense (one number per CPU, indexed by CPU number) or sparse. On a
// 512-CPU machine a vector interrupts on the one or few CPUs of its effective affinity, so a
// busy 2048-vector device changes ~2000 IRQs a tick with a handful of non-zero CPUs each: the
// core builds a tick sparse, the wire carries it sparse, and the page expands only the rows it
// draws.

/**
 * A per-CPU count array as its length and its non-zero entries, flattened (index, value) pairs.
 * The IPC wire form and snapshot files (version 2) carry counts this way.
 */
export interface SparseCounts {
  n: number;
  nz: number[];
}

export function toSparse(counts: readonly number[]): SparseCounts {
  const nz: number[] = [];
  for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) nz.push(i, counts[i]!);
  return { n: counts.length, nz };
}

export interface CountStats { sum: number; max: number }

/** Sum and maximum of per-CPU values, dense or sparse. */
function statsOf(c: SparseCounts | readonly number[]): CountStats {
  let sum = 0, max = 0;
  const add = (x: number) => { sum += x; if (x > max) max = x; };
  if ('nz' in c) for (let i = 1; i < c.nz.length; i += 2) add(c.nz[i]!);
  else for (const x of c) add(x);
  return { sum, max };
}

/*
 * Sum and maximum of a per-CPU array. The page asks for them for every vector on every tick (rate
 * column, sparkline, the heatmap's shared scale); arrays expanded from a sparse form have them
 * recorded from their non-zero entries, so those are never walked CPU by CPU.
 */
const sums = new WeakMap<readonly number[], CountStats>();
export function sumMax(a: readonly number[] | undefined): CountStats {
  if (!a) return { sum: 0, max: 0 };
  let r = sums.get(a);
  if (!r) { r = statsOf(a); sums.set(a, r); }
  return r;
}

/** The dense array of a sparse (or already dense) form. */
export function expandCounts(c: SparseCounts | number[]): number[] {
  if (Array.isArray(c)) return c;
  const out = new Array<number>(c.n).fill(0);
  for (let i = 0; i < c.nz.length; i += 2) out[c.nz[i]!] = c.nz[i + 1]!;
  sums.set(out, statsOf(c));
  return out;
}

/*
 * A record irq → per-CPU array whose entries are expanded when first read, with each entry's sum,
 * maximum and sparse source kept beside it. A tick of 2000 IRQs × 512 CPUs would otherwise be
 * 2 × 2000 dense arrays per tick at 4 Hz, in the core (mostly garbage collection) and in the page.
 * The record is a Proxy over a plain object holding each IRQ once: keys, `in` and iteration are
 * the object's own; a read expands that entry (once, shared by every record picked from it).
 */
interface Entry { stats: CountStats; src: SparseCounts | number[]; dense?: number[] }
/*
 * A record's entries are reached through a symbol its Proxy answers, not a WeakMap keyed by the
 * record: a WeakMap entry whose value holds a tick's 2000-entry Map is an ephemeron the garbage
 * collector must trace specially, ~1.3 ms per record on this machine's page at 4 Hz.
 */
const META = Symbol('doorbell counts entries');
const metaOf = (rec: object): Map<number, Entry> | undefined => (rec as { [META]?: Map<number, Entry> })[META];

function lazyRecord(meta: Map<number, Entry>): ProxyHandler<Record<number, Entry>> {
  const h: ProxyHandler<Record<number, Entry>> = {
    get(t, k) {
      if (k === META) return meta;
      const e = typeof k === 'string' ? t[k as unknown as number] : undefined;
      return e === undefined ? undefined : (e.dense ??= expandCounts(e.src));
    },
    // Object.keys and for…in ask for every key's descriptor: answer with a getter, expanding nothing.
    getOwnPropertyDescriptor(t, k) {
      if (!Object.prototype.hasOwnProperty.call(t, k)) return undefined;
      return { get: () => h.get!(t, k, t), enumerable: true, configurable: true };
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  };
  return h;
}

function recordOf(meta: Map<number, Entry>): Record<number, number[]> {
  const t: Record<number, Entry> = {};
  for (const [irq, e] of meta) t[irq] = e;
  return new Proxy(t, lazyRecord(meta)) as unknown as Record<number, number[]>;
}

export function countsRecord(list: Iterable<[irq: number, counts: SparseCounts | number[]]>): Record<number, number[]> {
  const b = new CountsRecordBuilder();
  for (const [irq, c] of list) b.addCounts(irq, c);
  return b.build();
}

/** A lazy record built entry by entry, by a decoder that already knows each entry's sum and maximum. */
export class CountsRecordBuilder {
  private readonly meta = new Map<number, Entry>();
  add(irq: number, src: SparseCounts, sum: number, max: number): void {
    this.meta.set(irq, { stats: { sum, max }, src });
  }
  addCounts(irq: number, src: SparseCounts | number[]): void {
    this.meta.set(irq, { stats: statsOf(src), src });
  }
  build(): Record<number, number[]> {
    return recordOf(this.meta);
  }
}

/** Sum and maximum of rec[irq], without expanding it where the record knows them. */
export function statsAt(rec: Readonly<Record<number, readonly number[]>>, irq: number): CountStats {
  return metaOf(rec)?.get(irq)?.stats ?? sumMax(rec[irq]);
}

/** rec[irq] sparse, without expanding it when the record was built from sparse entries. */
export function sparseAt(rec: Readonly<Record<number, readonly number[]>>, irq: number): SparseCounts | undefined {
  const src = metaOf(rec)?.get(irq)?.src;
  if (src && !Array.isArray(src)) return src;
  const dense = rec[irq];
  return dense === undefined ? undefined : toSparse(dense);
}

/** The entries of `rec` for `keys` only; lazy entries stay unexpanded, their sums and maxima kept. */
export function pick(rec: Readonly<Record<number, number[]>>, keys: Iterable<number>): Record<number, number[]> {
  const from = metaOf(rec);
  if (!from) {
    const out: Record<number, number[]> = {};
    for (const k of keys) if (k in rec) out[k] = rec[k]!;
    return out;
  }
  const meta = new Map<number, Entry>();
  for (const k of keys) { const e = from.get(k); if (e) meta.set(k, e); }
  return recordOf(meta);
}

/** Whether rec[irq] has been expanded to its dense array (false for an entry never read). */
export function isExpanded(rec: Readonly<Record<number, readonly number[]>>, irq: number): boolean {
  const m = metaOf(rec);
  return m ? m.get(irq)?.dense !== undefined : irq in rec;
}

/** The IRQs of a record, without asking the record for every key's descriptor. */
export function irqsIn(rec: Readonly<Record<number, readonly number[]>>): number[] {
  const m = metaOf(rec);
  return m ? [...m.keys()] : Object.keys(rec).map(Number);
}

/** The largest per-CPU value anywhere in a record (the heatmap's shared scale). */
export function maxIn(rec: Readonly<Record<number, readonly number[]>>): number {
  let max = 0;
  const m = metaOf(rec);
  if (m) for (const e of m.values()) { if (e.stats.max > max) max = e.stats.max; }
  else for (const k of Object.keys(rec)) max = Math.max(max, sumMax(rec[Number(k)]).max);
  return max;
}
