// SPDX-License-Identifier: MIT
// LabSession: the LabApi implementation over one backend. Every client (Electron window, serve
// WebSocket, tests) calls `dispatch`, which validates the request before the core sees it and
// turns every failure into data. Counters are sampled once per tick for all clients, and only
// the IRQs whose counts changed are pushed.
import fs from 'node:fs';
import path from 'node:path';
import { collectReport, writeBundle } from './report/bundle.js';
import { findingsForSnapshot, journalForSnapshot } from './report/session-slots.js';
import { errnoError, fail, LabFailure, ok, toLabError, type Result } from '../common/errors.js';
import type { LabApi, LabEvent, LabMethod, LabReplies, LabRequest, ReportReply, VectorTable } from '../common/ipc/contract.js';
import { methodName, validateRequest } from '../common/ipc/validate.js';
import { BRINGUP_STEPS, countsRecord, irqsIn, irqsOf, type CountsDelta, type InterruptSample, type SparseCounts } from '../common/model/index.js';
import type { LabBackend } from './backend.js';
import { AffinityEditor } from './affinity/editor.js';
import { AffinityJournal, defaultStateDir } from './affinity/journal.js';
import { checkLab } from './affinity/check-input.js';
import { BringupRunner } from './bringup/runner.js';

export interface DispatchContext {
  /** The Electron window's own capture (webContents.capturePage), as PNG bytes. */
  capturePng?: () => Promise<Uint8Array>;
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 24 || sig.some((b, i) => png[i] !== b)) {
    throw new LabFailure({ op: 'createReport', message: 'the window image is not a PNG', hint: 'Retry the report; if it persists, report a bug with the browser version.' });
  }
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

export interface LiveSettings { intervalMs: number; paused: boolean; watch: string | null }

export class LabSession {
  private listeners = new Set<(e: LabEvent) => void>();
  private live: LiveSettings = { intervalMs: 1000, paused: false, watch: null };
  private timer: NodeJS.Timeout | null = null;
  private last: InterruptSample | null = null;
  private prev: InterruptSample | null = null;
  private lastDelta: CountsDelta | null = null;
  private watchIrqs: number[] | undefined;
  /** The IRQs of each device's last whole table read (until a change to that device is announced). */
  private readonly tableIrqs = new Map<string, number[]>();
  private unsubscribeLog: () => void;
  private ticking = false;

  private editorInstance: AffinityEditor | null = null;
  private readonly bringups = new Map<string, BringupRunner>();
  private readonly stateDir: string | undefined;

  constructor(readonly backend: LabBackend, opts: { autoStart?: boolean; stateDir?: string } = {}) {
    this.stateDir = opts.stateDir;
    this.unsubscribeLog = backend.onLog((ops) => this.emit({ type: 'log', ops }));
    if (opts.autoStart !== false) this.schedule();
  }

  /** The LabApi as a typed object (for in-process callers and tests). */
  readonly api: LabApi = new Proxy({} as LabApi, {
    get: (_t, method: string) => (req: unknown) => this.dispatch(method, req),
  });

  onEvent(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: LabEvent): void {
    if (e.type === 'changed') { if (e.bdf) this.tableIrqs.delete(e.bdf); else this.tableIrqs.clear(); }
    for (const l of this.listeners) {
      try { l(e); } catch { /* a client that throws must not stop the others */ }
    }
  }

  /**
   * Validate and run one request from an untrusted client. Never throws. `ctx` carries what only
   * the transport can do (the Electron main process captures its own window for reports).
   */
  async dispatch(method: unknown, req: unknown, ctx: DispatchContext = {}): Promise<Result<unknown>> {
    let v: ReturnType<typeof validateRequest>;
    try {
      v = validateRequest(method, req);
    } catch (e) {
      return fail(toLabError(`request ${methodName(method)}`, e));
    }
    if (!v.ok) return v;
    try {
      if (v.value.method === 'createReport') return ok(await this.createReport(v.value.req as LabRequest<'createReport'>, ctx));
      return ok(await this.handle(v.value.method, v.value.req));
    } catch (e) {
      return fail(e instanceof LabFailure ? e.error : toLabError(`request ${v.value.method}`, e));
    }
  }

  /** Collect, write and return the bug-report bundle, pushing progress events while it runs. */
  private async createReport(req: LabRequest<'createReport'>, ctx: DispatchContext): Promise<ReportReply> {
    const total = 4;
    const progress = (done: number, step: string) => this.emit({ type: 'progress', op: 'createReport', step, done, total });
    progress(0, 'capturing the window');
    let png: Uint8Array | undefined;
    let pngInfo: ReportReply['png'] = null;
    if (ctx.capturePng) {
      png = await ctx.capturePng();
      pngInfo = { source: 'electron-capture', ...pngSize(png) };
    } else if (req.png) {
      png = Buffer.from(req.png.slice(req.png.indexOf(',') + 1), 'base64');
      pngInfo = { source: 'page-rasteriser', ...pngSize(png) };
    }
    progress(1, 'reading the lab (snapshot)');
    // The session's own records go into the report too: current findings and the affinity journal.
    const checks = await checkLab(this.backend, {}).catch(() => null);
    const spec = (await this.backend.info()).spec;
    const journal = this.editor.journal.entries(200).filter((e) => e.lab === spec);
    const collected = await collectReport(this.backend, {
      ...(checks ? { findings: findingsForSnapshot(checks.findings) } : {}),
      ...(journal.length ? { journal: journalForSnapshot(journal) } : {}),
      ...(req.bdf ? { device: req.bdf } : {}),
      ...(req.redact ? { redact: { hostname: true, serials: true } } : {}),
    });
    progress(2, 'writing the bundle');
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const dir = path.join(this.stateDir ?? defaultStateDir(), 'reports', stamp);
    fs.mkdirSync(dir, { recursive: true });
    const written = writeBundle({ out: `${dir}${path.sep}`, snapshot: collected.bytes, text: collected.text, ...(png ? { png } : {}) });
    const files = [written.report, written.snapshot, written.png].filter((f): f is string => f !== null)
      .map((f) => ({ name: path.basename(f), path: f, bytes: fs.statSync(f).size }));
    progress(total, 'done');
    return {
      dir, files, text: collected.text,
      snapshotBase64: Buffer.from(collected.bytes).toString('base64'),
      snapshotName: path.basename(written.snapshot),
      png: pngInfo,
    };
  }

  /** The table, or a window of it (built alone where the backend can, else cut from the whole). */
  private async vectorTable(bdf: string, first = 0, count?: number): Promise<VectorTable> {
    const b = this.backend;
    if (count === undefined && first === 0) {
      const whole = await b.vectors(bdf);
      this.tableIrqs.set(bdf, irqsOf(whole));
      return { ...whole, window: null };
    }
    if (b.vectorWindow && count !== undefined) {
      const { table, total } = await b.vectorWindow(bdf, first, count);
      return { ...table, window: { first, total } };
    }
    const whole = await b.vectors(bdf);
    const rows = whole.vectors.slice(first, count === undefined ? undefined : first + count);
    return { ...whole, vectors: rows, window: { first, total: whole.vectors.length } };
  }

  /** The bring-up runner of a device (one per device; it holds what its steps opened). */
  private async bringup(bdf: string): Promise<BringupRunner> {
    let b = this.bringups.get(bdf);
    if (!b) {
      // Kept for the session once made (it holds what its steps opened): only for a device that
      // exists, or every well-formed address a client names would stay here for good.
      if (!(await this.backend.devices()).some((d) => d.bdf === bdf)) {
        throw new LabFailure(errnoError('bring-up', 'ENODEV', 'Pick a device from the device list.', { message: `no PCI device ${bdf} in this lab` }));
      }
      b = new BringupRunner({
        backend: this.backend, bdf, editor: this.editor,
        onProgress: (step, state) => this.emit({ type: 'progress', op: 'bringup', step: `${bdf} ${step} ${state}`, done: BRINGUP_STEPS.indexOf(step) + (state === 'running' ? 0 : 1), total: BRINGUP_STEPS.length }),
      });
      this.bringups.set(bdf, b);
    }
    return b;
  }

  /** The affinity editor and its journal (created on first use, in the user's state directory). */
  get editor(): AffinityEditor {
    this.editorInstance ??= new AffinityEditor({ backend: this.backend, journal: new AffinityJournal(this.stateDir) });
    return this.editorInstance;
  }

  private async handle<K extends LabMethod>(method: K, req: LabRequest<K>): Promise<LabReplies[K]> {
    const b = this.backend;
    const r = req as Record<string, unknown>;
    switch (method) {
      case 'getLab': return (await b.info()) as LabReplies[K];
      case 'getCpus': return (await b.cpus()) as LabReplies[K];
      case 'listIommus': return (await b.iommus()) as LabReplies[K];
      case 'listGroups': return (await b.groups()) as LabReplies[K];
      case 'listDevices': return (await b.devices()) as LabReplies[K];
      case 'getVectors': return (await this.vectorTable(r.bdf as string, r.first as number | undefined, r.count as number | undefined)) as LabReplies[K];
      case 'listAddressSpaces': return (await b.addressSpaces(r.bdf as string | undefined)) as LabReplies[K];
      case 'getKernelLog': {
        let ops = b.kernelLog((r.sinceSeq as number | undefined) ?? 0);
        if (r.bdf) ops = ops.filter((o) => o.bdf === r.bdf);
        const limit = (r.limit as number | undefined) ?? 5000;
        return ops.slice(-limit) as LabReplies[K];
      }
      case 'setLive': {
        this.live = { intervalMs: r.intervalMs as number, paused: r.paused as boolean, watch: (r.watch as string | undefined) ?? null };
        this.watchIrqs = undefined;
        if (this.live.watch) {
          // The page reads the whole table just before it asks to watch the device: reuse its IRQs.
          this.watchIrqs = this.tableIrqs.get(this.live.watch) ?? irqsOf(await b.vectors(this.live.watch));
        }
        this.schedule();
        this.emit({ type: 'status', paused: this.live.paused, intervalMs: this.live.intervalMs });
        return this.live as LabReplies[K];
      }
      case 'setAffinity': {
        const out = await this.editor.setAffinity(r.bdf as string, r.index as number, r.cpus as string);
        this.emit({ type: 'changed', what: 'vectors', bdf: r.bdf as string });
        return out as LabReplies[K];
      }
      case 'spreadAffinity': {
        const out = r.mode === 'pin' ? await this.editor.pinAll(r.bdf as string, r.cpus as string) : await this.editor.spread(r.bdf as string, r.cpus as string);
        this.emit({ type: 'changed', what: 'vectors', bdf: r.bdf as string });
        return out as LabReplies[K];
      }
      case 'undoAffinity': {
        const out = await this.editor.undo({
          ...(r.changeId !== undefined ? { changeId: r.changeId as string } : {}),
          ...(r.bdf !== undefined ? { bdf: r.bdf as string } : {}),
          ...(r.index !== undefined ? { index: r.index as number } : {}),
        });
        if (out) this.emit({ type: 'changed', what: 'vectors', bdf: out.bdf });
        return out as LabReplies[K];
      }
      case 'restoreAll': {
        const out = await this.editor.restoreAll({ ended: r.ended === true });
        for (const b of new Set(out.map((o) => o.bdf))) this.emit({ type: 'changed', what: 'vectors', bdf: b });
        return out as LabReplies[K];
      }
      case 'getJournal': {
        const ed = this.editor;
        const entries = ed.journal.entries((r.limit as number | undefined) ?? 500);
        return { file: ed.journal.file, entries, outstanding: await ed.recovery(), damage: ed.journal.damage() } as LabReplies[K];
      }
      case 'runChecks': {
        const d = this.lastDelta;
        const deltas = d ? Object.fromEntries(irqsIn(d.changed).map((irq) => [irq, this.countIncrease(irq)])) : null;
        return (await checkLab(this.backend, { countDeltas: deltas })) as LabReplies[K];
      }
      case 'getBringup': return (await (await this.bringup(r.bdf as string)).checklist()) as LabReplies[K];
      case 'runBringupStep':
      case 'runBringup': {
        const run = await this.bringup(r.bdf as string);
        const out = method === 'runBringup' ? await run.runAll(r.upTo as never) : await run.runStep(r.step as never);
        this.emit({ type: 'changed', what: 'vectors', bdf: r.bdf as string });
        this.emit({ type: 'changed', what: 'devices', bdf: r.bdf as string });
        return out as LabReplies[K];
      }
    }
    throw new Error(`unhandled method ${String(method)}`);
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.live.paused) return;
    // Nobody to tell (serve with no page open, a window closed): no sample. On a 512-CPU machine a
    // tick reads megabytes of /proc/interrupts, and the simulator's busy devices cost a third of a
    // core at 4 Hz. Rates stay right after a pause: they divide by the monotonic interval.
    this.timer = setInterval(() => { if (this.listeners.size > 0) void this.tick(); }, this.live.intervalMs);
    this.timer.unref?.();
  }

  /** One refresh: sample, diff against the previous sample, push what changed. */
  async tick(): Promise<CountsDelta | null> {
    if (this.ticking) return null;
    this.ticking = true;
    try {
      const s = await this.backend.sample(this.watchIrqs);
      const prev = this.last;
      this.last = s;
      if (!prev) return null;
      this.prev = prev;
      const delta = diffSamples(prev, s);
      this.lastDelta = delta;
      if (irqsIn(delta.changed).length > 0) this.emit({ type: 'counts', delta });
      return delta;
    } catch (e) {
      // A failed read is shown, not thrown: the timer must keep running.
      this.emit({ type: 'sampleError', error: toLabError('sample interrupts', e) });
      return null;
    } finally {
      this.ticking = false;
    }
  }

  /** Count increase per CPU of one IRQ over the last tick (for the counts-outside-effective check). */
  private countIncrease(irq: number): number[] {
    const a = this.prev?.irqs.get(irq), b = this.last?.irqs.get(irq);
    const cpus = this.last?.cpus ?? [];
    const out: number[] = [];
    if (!a || !b) return out;
    cpus.forEach((cpu, col) => { out[cpu] = Math.max(0, (b[col] ?? 0) - (a[col] ?? 0)); });
    for (let i = 0; i < out.length; i++) out[i] ??= 0;
    return out;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribeLog();
    this.listeners.clear();
    await this.backend.close();
  }
}

/**
 * IRQs whose counts changed between two samples, with per-CPU rates from the monotonic clock.
 * Samples are indexed by column (/proc/interrupts lists online CPUs only); the delta is indexed
 * by CPU number, like a vector's counts. Both records are built sparse: a busy device changes
 * thousands of IRQs a tick, each on a few of 512 CPUs.
 */
export function diffSamples(prev: InterruptSample, cur: InterruptSample): CountsDelta {
  const dt = Math.max(cur.mono - prev.mono, 1e-3);
  const cpus = cur.cpus;
  let n = 0;
  for (const c of cpus) if (c + 1 > n) n = c + 1;
  const changed: [number, SparseCounts][] = [];
  const rates: [number, SparseCounts][] = [];
  for (const [irq, counts] of cur.irqs) {
    const before = prev.irqs.get(irq);
    // A row whose columns changed (CPU hotplug between the reads) has no rate: columns moved.
    const base = before && before.length === counts.length ? before : null;
    let differs = !base;
    if (base) for (let i = 0; i < counts.length; i++) if (counts[i] !== base[i]) { differs = true; break; }
    if (!differs) continue;
    const width = Math.max(n, counts.length);
    const c: number[] = [], r: number[] = [];
    for (let col = 0; col < counts.length; col++) {
      const x = counts[col]!;
      if (x === 0) continue;
      const cpu = cpus[col] ?? col;
      c.push(cpu, x);
      const b = base ? base[col]! : x;
      if (x > b) r.push(cpu, ((x - b) * 1000) / dt); // a counter that went back (IRQ reused) has no rate
    }
    changed.push([irq, { n: width, nz: c }]);
    rates.push([irq, { n: width, nz: r }]);
  }
  return { mono: cur.mono, at: cur.at, intervalMs: dt, changed: countsRecord(changed), rates: countsRecord(rates) };
}
