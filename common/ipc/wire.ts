// SPDX-License-Identifier: MIT
// The compact wire form of replies that are large at lab scale. The model keeps one array entry
// per CPU (a 512-CPU affinity is 512 numbers, counts are 512 numbers per vector) and provenance on
// every read; as JSON, one 2048-vector device on 512 CPUs is 8.5 MB, and the page spends most of
// its first render parsing it. On the wire the same table travels as:
//   - CPU sets in the kernel's own list syntax ("0-511"), the form smp_affinity_list prints;
//   - counts sparse (most CPUs never see a given vector), as [cpu, count] pairs;
//   - every string and every provenance record once, referenced by index.
// The checks' report travels with each string once (its findings repeat their rule's texts).
// The codecs are lossless: decode(encode(x)) deep-equals x (pinned by test/common/ipc/wire.test.ts
// on every simulator scenario, the captured trees and this machine). Both transports encode (the
// serve WebSocket and the Electron IPC binding); only renderer/src/api decodes. In-process callers
// (CLI, reports, snapshots) never see the wire form.
import { formatSortedCpuList, parseCpuList } from '../cpulist.js';
import type { Result } from '../errors.js';
import type { DecodedMessage, DeviceVectors, MsiMessage, Provenance, Read, SourceKind, VectorRow } from '../model/index.js';
import type { LabEvent, LabMethod, LabReplies, VectorTable } from './contract.js';
import { CountsRecordBuilder, expandCounts, irqsIn, sparseAt, toSparse, type CountsDelta, type SparseCounts } from '../model/index.js';
import type { Finding } from '../checks/types.js';

export const VECTORS_WIRE = 'doorbell-vectors/1';

/** A read: [prov, value] when ok; [prov (or -1), why, 0] when not. */
type WRead<V> = [number, V] | [number, number, 0];
/** A CPU set: a canonical list string's index, or the raw array when not ascending-unique. */
type WCpus = number | number[];
/** Counts: [n, cpu, count, cpu, count, …] for the non-zero CPUs, or the raw array when dense. */
type WCounts = SparseCounts | number[];

type WRow = [
  index: number, kind: 0 | 1, irq: number | null, chip: number, hwirq: number | null,
  domainChain: WRead<number[]>, controller: number, actions: number[],
  message: WRead<[number, number]>, cachedMessage: WRead<[number, number]>, masked: WRead<0 | 1>,
  decoded: DecodedMessage, eventfd: number, affinity: WRead<WCpus>, effective: WRead<WCpus>, pending: 0 | 1,
  counts: WRead<WCounts>,
];

export interface WireVectors {
  wire: typeof VECTORS_WIRE;
  bdf: string;
  notes: string[];
  /** Interned strings. */
  s: string[];
  /** Provenance records: [source, path (or -1), at, origin (or -1)], strings as indexes into `s`. */
  p: [number, number, number, number][];
  rows: WRow[];
  /** VectorTable.window: [first, total], when the rows are a window of the table. */
  win?: [number, number];
}

/*
 * Every VectorRow field must be handled by the codec: a field added to the model and not here
 * fails to compile (decode builds the row literal; this names the encoded keys).
 */
type Encoded = 'index' | 'kind' | 'irq' | 'chip' | 'hwirq' | 'domainChain' | 'controller' | 'actions' | 'message'
  | 'cachedMessage' | 'masked' | 'decoded' | 'eventfd' | 'affinity' | 'effective' | 'pending' | 'counts';
type MissingFromCodec = Exclude<keyof VectorRow, Encoded>;
const codecCoversRow: MissingFromCodec extends never ? true : false = true;
void codecCoversRow;

class Interner {
  readonly list: string[] = [];
  private readonly map = new Map<string, number>();
  id(s: string): number {
    let i = this.map.get(s);
    if (i === undefined) { i = this.list.length; this.list.push(s); this.map.set(s, i); }
    return i;
  }
}

/** The kernel's list form when `cpus` is strictly ascending CPU numbers, else null (sent raw, nothing lost). */
function canonicalList(cpus: readonly number[]): string | null {
  for (let i = 0; i < cpus.length; i++) {
    const a = cpus[i]!;
    if (!Number.isInteger(a) || a < 0 || (i > 0 && a <= cpus[i - 1]!)) return null;
  }
  return formatSortedCpuList(cpus);
}

/** A canonical list back to its CPUs ('' is the empty set, which parseCpuList refuses as input). */
function expandList(s: string): number[] {
  if (s === '') return [];
  const r = parseCpuList(s);
  if (!r.ok) throw new Error(`wire: not a CPU list: ${s}`);
  return r.cpus;
}

/** Per-CPU values as [cpu, value] pairs of the non-zero CPUs when that is shorter, else as they are. */
function sparse(c: readonly number[]): WCounts {
  return compact(toSparse(c));
}
function compact(s: SparseCounts): WCounts {
  return s.nz.length < s.n ? s : expandCounts(s);
}

export function encodeVectors(t: DeviceVectors): WireVectors {
  const s = new Interner();
  const p: [number, number, number, number][] = [];
  // path → at → indexes of the records with that path and time (source and origin rarely differ).
  const pmap = new Map<string | undefined, Map<number, number[]>>();
  const prov = (f: Provenance | undefined): number => {
    if (!f) return -1;
    let byAt = pmap.get(f.path);
    if (!byAt) { byAt = new Map(); pmap.set(f.path, byAt); }
    let ids = byAt.get(f.at);
    if (!ids) { ids = []; byAt.set(f.at, ids); }
    const src = s.id(f.source), origin = f.origin === undefined ? -1 : s.id(f.origin);
    for (const i of ids) if (p[i]![0] === src && p[i]![3] === origin) return i;
    const i = p.length;
    p.push([src, f.path === undefined ? -1 : s.id(f.path), f.at, origin]);
    ids.push(i);
    return i;
  };
  const read = <T, V>(r: Read<T>, enc: (v: T) => V): WRead<V> => (r.ok ? [prov(r.from), enc(r.value)] : [prov(r.from), s.id(r.why), 0]);
  const msg = (m: MsiMessage): [number, number] => [s.id(m.address), m.data];
  const cpus = (c: number[]): WCpus => { const l = canonicalList(c); return l === null ? c : s.id(l); };
  const rows = t.vectors.map((v): WRow => [
    v.index, v.kind === 'msix' ? 1 : 0, v.irq, v.chip === null ? -1 : s.id(v.chip), v.hwirq,
    read(v.domainChain, (d) => d.map((x) => s.id(x))), s.id(v.controller), v.actions.map((a) => s.id(a)),
    read(v.message, msg), read(v.cachedMessage, msg), read(v.masked, (m) => (m ? 1 : 0)),
    v.decoded, s.id(v.eventfd), read(v.affinity, cpus), read(v.effective, cpus), v.pending ? 1 : 0,
    read(v.counts, sparse),
  ]);
  const w: WireVectors = { wire: VECTORS_WIRE, bdf: t.bdf, notes: t.notes, s: s.list, p, rows };
  const win = (t as Partial<VectorTable>).window;
  if (win) w.win = [win.first, win.total];
  return w;
}

export function isWireVectors(x: unknown): x is WireVectors {
  return typeof x === 'object' && x !== null && (x as { wire?: unknown }).wire === VECTORS_WIRE;
}

export function decodeVectors(w: WireVectors): DeviceVectors {
  const S = w.s;
  const P: Provenance[] = w.p.map(([src, path, at, origin]) => {
    const f: Provenance = { source: S[src] as SourceKind, at };
    if (path >= 0) f.path = S[path]!;
    if (origin >= 0) f.origin = S[origin] as SourceKind;
    return f;
  });
  // Provenance objects are shared by the reads that had equal ones; copy so no two reads alias.
  const from = (i: number): Provenance => ({ ...P[i]! });
  const read = <V, T>(r: WRead<V>, dec: (v: V) => T): Read<T> => {
    if (r.length === 2) return { ok: true, value: dec(r[1]), from: from(r[0]) };
    return r[0] >= 0 ? { ok: false, why: S[r[1]]!, from: from(r[0]) } : { ok: false, why: S[r[1]]! };
  };
  /*
   * Per-CPU arrays are expanded when first used: the page shows a few dozen rows of a 2048-vector
   * table, and building 512-entry arrays for every row costs more than the whole rest of the
   * decode. The value is an ordinary enumerable property once read (JSON, spreads and deep
   * equality see the array).
   */
  const lazy = <V, T>(r: WRead<V>, dec: (v: V) => T): Read<T> => {
    if (r.length !== 2) return read(r, dec);
    const wire = r[1];
    let value: T | undefined;
    return {
      ok: true,
      get value(): T { return (value ??= dec(wire)); },
      set value(v: T) { value = v; },
      from: from(r[0]),
    } as Read<T>;
  };
  const lists = new Map<number, number[]>();
  const cpus = (c: WCpus): number[] => {
    if (typeof c !== 'number') return c;
    let l = lists.get(c);
    if (!l) { l = expandList(S[c]!); lists.set(c, l); }
    return l.slice();
  };
  const msg = (m: [number, number]): MsiMessage => ({ address: S[m[0]]!, data: m[1] });
  const vectors = w.rows.map((r): VectorRow => ({
    index: r[0], kind: r[1] === 1 ? 'msix' : 'msi', irq: r[2], chip: r[3] < 0 ? null : S[r[3]]!, hwirq: r[4],
    domainChain: read(r[5], (d) => d.map((i) => S[i]!)), controller: S[r[6]] as VectorRow['controller'], actions: r[7].map((i) => S[i]!),
    message: read(r[8], msg), cachedMessage: read(r[9], msg), masked: read(r[10], (m) => m === 1),
    decoded: r[11], eventfd: S[r[12]] as VectorRow['eventfd'], affinity: lazy(r[13], cpus), effective: lazy(r[14], cpus), pending: r[15] === 1,
    counts: lazy(r[16], expandCounts),
  }));
  return { bdf: w.bdf, vectors, notes: w.notes };
}

export const CHECKS_WIRE = 'doorbell-checks/1';

/** A finding with its strings as indexes: [rule, severity, title, subject, message, explanation, hint, evidence]. */
type WFinding = [number, number, number, Finding['subject'], number, number, number, number[]];

/**
 * The checks' report: a rule's findings repeat its title, explanation and hint (a 2048-vector
 * device without a guest RMR has 4096 findings, 4 MB as JSON); every string travels once.
 */
export interface WireChecks {
  wire: typeof CHECKS_WIRE;
  s: string[];
  f: WFinding[];
  /** The report without its findings. */
  rest: Omit<LabReplies['runChecks'], 'findings'>;
}

/*
 * Every Finding field must be in the tuple: a field added to the model and not here fails to
 * compile (decode builds the finding literal; this names the encoded keys).
 */
type FindingMissingFromCodec = Exclude<keyof Finding, 'rule' | 'severity' | 'title' | 'subject' | 'message' | 'explanation' | 'hint' | 'evidence'>;
const codecCoversFinding: FindingMissingFromCodec extends never ? true : false = true;
void codecCoversFinding;

export function encodeChecks(r: LabReplies['runChecks']): WireChecks {
  const s = new Interner();
  const { findings, ...rest } = r;
  const f = findings.map((x): WFinding => [
    s.id(x.rule), s.id(x.severity), s.id(x.title), x.subject, s.id(x.message), s.id(x.explanation), s.id(x.hint), x.evidence.map((e) => s.id(e)),
  ]);
  return { wire: CHECKS_WIRE, s: s.list, f, rest };
}

export function isWireChecks(x: unknown): x is WireChecks {
  return typeof x === 'object' && x !== null && (x as { wire?: unknown }).wire === CHECKS_WIRE;
}

export function decodeChecks(w: WireChecks): LabReplies['runChecks'] {
  const S = w.s;
  const findings = w.f.map((x): Finding => ({
    rule: S[x[0]]!, severity: S[x[1]] as Finding['severity'], title: S[x[2]]!, subject: x[3], message: S[x[4]]!,
    explanation: S[x[5]]!, hint: S[x[6]]!, evidence: x[7].map((i) => S[i]!),
  }));
  return { findings, ...w.rest };
}

export const COUNTS_WIRE = 'doorbell-counts/2';

/**
 * A tick's counts: every changed IRQ's counts and rates per CPU. A busy 2048-vector device on 512
 * CPUs changes ~2000 IRQs a tick, each interrupting on one CPU or a few: 2 × 2000 arrays of 512
 * numbers as the model. On the wire a tick is one flat list of numbers, per changed IRQ
 *   irq, k, then k × (cpu, count, increase)
 * for its k CPUs with a non-zero count, where `increase` is the count's rise over the interval
 * (0: no rate). The rate is not sent: it is increase × 1000 / intervalMs, the very expression the
 * core computed it with (lab/session.ts diffSamples), so decoding gives back the same double.
 * ~20 bytes an IRQ instead of ~70 as pairs of objects with float rates: the tick of the big device
 * is ~40 kB, not 135 kB. That matters in a browser, where Chromium reads a WebSocket 1000 bytes at
 * a time below 1.2 MB/s (net/websockets/websocket_basic_stream.cc) and hands the page each read
 * as a separate task: ~200 tasks a tick at 4 Hz before this form, on the page's main thread.
 * An IRQ the flat form cannot carry exactly (another width, no rates entry, a rate that is not a
 * whole increase over the interval, a rate on a CPU without a count) travels in `x` as pairs.
 */
export interface WireCountsDelta {
  wire: typeof COUNTS_WIRE;
  mono: number;
  at: number;
  intervalMs: number;
  /** The per-CPU width of every IRQ in `c`. */
  n: number;
  /** irq, k, k × (cpu, count, increase), for each IRQ in turn. */
  c: number[];
  /** [irq, counts, rates (null: none)] of the IRQs `c` cannot carry. */
  x: [number, WCounts, WCounts | null][];
}

/** An event as the transports carry it: a tick's counts in their wire form, others as they are. */
export type WireEvent = Exclude<LabEvent, { type: 'counts' }> | { type: 'counts'; delta: WireCountsDelta };

/** Append one IRQ to the flat list, or return false (leaving `c` as it was) if it does not fit. */
function flatten(c: number[], irq: number, n: number, counts: SparseCounts, rates: SparseCounts | undefined, dt: number): boolean {
  if (!rates || counts.n !== n || rates.n !== n) return false;
  const start = c.length;
  const cz = counts.nz, rz = rates.nz;
  c.push(irq, cz.length / 2);
  let j = 0;
  for (let i = 0; i < cz.length; i += 2) {
    let inc = 0;
    if (j < rz.length && rz[j] === cz[i]) {
      const r = rz[j + 1]!;
      inc = Math.round((r * dt) / 1000);
      if (!(inc > 0) || (inc * 1000) / dt !== r) { c.length = start; return false; }
      j += 2;
    }
    c.push(cz[i]!, cz[i + 1]!, inc);
  }
  if (j !== rz.length) { c.length = start; return false; }
  return true;
}

export function encodeCounts(d: CountsDelta): WireCountsDelta {
  const c: number[] = [];
  const x: [number, WCounts, WCounts | null][] = [];
  let n = -1;
  for (const irq of irqsIn(d.changed)) {
    const counts = sparseAt(d.changed, irq)!, rates = sparseAt(d.rates, irq);
    if (n < 0) n = counts.n;
    if (!flatten(c, irq, n, counts, rates, d.intervalMs)) x.push([irq, compact(counts), rates === undefined ? null : compact(rates)]);
  }
  return { wire: COUNTS_WIRE, mono: d.mono, at: d.at, intervalMs: d.intervalMs, n: Math.max(n, 0), c, x };
}

/*
 * A decoded tick's per-IRQ arrays are expanded when first read (countsRecord): the page draws
 * per-CPU cells for the few dozen rows on screen, and needs only each IRQ's sum and maximum for
 * the rest (rate column, sparkline, the heatmap's scale), which statsAt answers from the pairs.
 */
export function decodeCounts(w: WireCountsDelta): CountsDelta {
  const changed = new CountsRecordBuilder(), rates = new CountsRecordBuilder();
  const { c, n, intervalMs: dt } = w;
  for (let i = 0; i < c.length;) {
    const irq = c[i]!, k = c[i + 1]!;
    i += 2;
    const end = i + 3 * k;
    let fired = 0;
    for (let j = i + 2; j < end; j += 3) if (c[j]! > 0) fired++;
    const cz = new Array<number>(2 * k), rz = new Array<number>(2 * fired);
    let csum = 0, cmax = 0, rsum = 0, rmax = 0;
    for (let a = 0, b = 0; i < end; i += 3, a += 2) {
      const cpu = c[i]!, count = c[i + 1]!, inc = c[i + 2]!;
      cz[a] = cpu; cz[a + 1] = count;
      csum += count; if (count > cmax) cmax = count;
      if (inc > 0) {
        const r = (inc * 1000) / dt;
        rz[b++] = cpu; rz[b++] = r;
        rsum += r; if (r > rmax) rmax = r;
      }
    }
    changed.add(irq, { n, nz: cz }, csum, cmax);
    rates.add(irq, { n, nz: rz }, rsum, rmax);
  }
  for (const [irq, cs, rs] of w.x) {
    changed.addCounts(irq, cs);
    if (rs !== null) rates.addCounts(irq, rs);
  }
  return { mono: w.mono, at: w.at, intervalMs: dt, changed: changed.build(), rates: rates.build() };
}

export function encodeEvent(e: LabEvent): WireEvent {
  return e.type === 'counts' ? { type: 'counts', delta: encodeCounts(e.delta) } : e;
}

export function decodeEvent(e: WireEvent | LabEvent): LabEvent {
  if (e.type === 'counts' && (e.delta as Partial<WireCountsDelta>).wire === COUNTS_WIRE) return { type: 'counts', delta: decodeCounts(e.delta as WireCountsDelta) };
  return e as LabEvent;
}

/** Replies with a compact wire form; every other reply travels as the model itself. */
const ENCODERS: Partial<Record<LabMethod, (v: never) => unknown>> = {
  getVectors: (v: VectorTable) => encodeVectors(v),
  runChecks: (v: LabReplies['runChecks']) => encodeChecks(v),
};

/** A getVectors reply from its wire form (the table, and whether it is a window). */
export function decodeVectorTable(w: WireVectors): VectorTable {
  return { ...decodeVectors(w), window: w.win ? { first: w.win[0], total: w.win[1] } : null };
}

/** What a transport sends for a reply (serve WebSocket, Electron IPC). */
export function encodeReply(method: LabMethod | string, r: Result<unknown>): Result<unknown> {
  const enc = ENCODERS[method as LabMethod] as ((v: unknown) => unknown) | undefined;
  return enc && r.ok ? { ok: true, value: enc(r.value) } : r;
}

/** The model back from what a transport received (renderer/src/api only). */
export function decodeReply(method: LabMethod, r: Result<unknown>): Result<unknown> {
  if (r.ok && method === 'getVectors' && isWireVectors(r.value)) return { ok: true, value: decodeVectorTable(r.value) };
  if (r.ok && method === 'runChecks' && isWireChecks(r.value)) return { ok: true, value: decodeChecks(r.value) };
  return r;
}
