// SPDX-License-Identifier: MIT
// Live affinity edits with a closed loop: journal the intent (fsynced), write
// /proc/irq/N/smp_affinity_list, read back requested and effective affinity, re-read the vector's
// message, check it against the controller's rule (common/verdict.ts), make the device interrupt
// where the lab can and watch the count land, then journal the verdict.
import { randomUUID } from 'node:crypto';
import { formatCpuList, parseCpuList } from '../../common/cpulist.js';
import { ERRNO } from '../../common/errno.js';
import { errnoError, LabFailure } from '../../common/errors.js';
import type { DoorbellPage, VectorRow } from '../../common/model/index.js';
import {
  CONTROLLER_RULES, judgeMove, refusalBeforeWrite, refusalText, type AffinityVerdict, type EditResult, type FireResult, type MoveSide, type RecoveryItem, type RestoreOutcome,
} from '../../common/verdict.js';

export type { EditResult, RecoveryItem, RestoreOutcome } from '../../common/verdict.js';
import type { LabBackend } from '../backend.js';
import { AffinityJournal, type ChangeState } from './journal.js';
import { findIrqbalance, ProcAffinity, readApicIds, readBootId, type AffinityOps } from './procfs.js';

export interface EditorOptions {
  backend: LabBackend;
  journal?: AffinityJournal;
  /** Override the write path (tests). Default: backend.kernelOps(), else /proc under procRoot for linux. */
  ops?: AffinityOps | null;
  /** Where /proc is (irqbalance scan, boot_id, cpuinfo). Default: backend.procRoot(), else '/' for a writable linux lab. */
  procRoot?: string | null;
  /** Make the device interrupt when the backend has no `fire` (a test reading /dev/hwrng, a QEMU test device). */
  stimulate?: (bdf: string, index: number, irq: number) => Promise<void>;
  /** With neither, watch the device's own traffic this long for counts on the new CPU (default 1000 ms on linux, 0 = don't). */
  observeMs?: number;
}

const instanceIds = new WeakMap<LabBackend, string>();

/** Affinity writes leave every address space as it was; any other logged operation may change one. */
const AFFINITY_WRITE = /^write \/proc\/irq\/\d+\/smp_affinity(_list)?$/;

function pageHolds(pages: readonly DoorbellPage[], address: string): boolean {
  const a = BigInt(address);
  return pages.some((p) => BigInt(p.start) <= a && a <= BigInt(p.last));
}

function usage(message: string, hint: string, errno: 'EINVAL' | 'ERANGE' | 'EOVERFLOW' = 'EINVAL'): LabFailure {
  return new LabFailure({ op: 'affinity', errno: ERRNO[errno], errnoName: errno, message, hint });
}

export class AffinityEditor {
  readonly backend: LabBackend;
  readonly journal: AffinityJournal;
  private opsOverride: AffinityOps | null | undefined;
  private procRootOverride: string | null | undefined;
  private stimulate: EditorOptions['stimulate'];
  /** How long to watch the device's own traffic when nothing can fire it (0: do not watch). */
  observeMs: number;
  /** Doorbell pages per device, read at address-space generation `logSeq` (see doorbells()). */
  private readonly doorbellCache = new Map<string, DoorbellPage[] | null>();
  private logSeq = 0;

  constructor(opts: EditorOptions) {
    this.backend = opts.backend;
    this.journal = opts.journal ?? new AffinityJournal();
    this.opsOverride = opts.ops;
    this.procRootOverride = opts.procRoot;
    this.stimulate = opts.stimulate;
    this.observeMs = opts.observeMs ?? (opts.backend.kind === 'linux' ? 1000 : 0);
  }

  private async writable(): Promise<{ ok: boolean; why: string; spec: string; release: string }> {
    const i = await this.backend.info();
    return { ok: i.writable.ok, why: i.writable.why, spec: i.spec, release: i.kernel.release };
  }

  private procRoot(writable: boolean): string | null {
    if (this.procRootOverride !== undefined) return this.procRootOverride;
    const r = this.backend.procRoot?.();
    if (r !== undefined) return r;
    return this.backend.kind === 'linux' && writable ? '/' : null;
  }

  private ops(writable: boolean): AffinityOps | null {
    if (this.opsOverride !== undefined) return this.opsOverride;
    const k = this.backend.kernelOps?.();
    if (k) return k;
    const root = this.procRoot(writable);
    return this.backend.kind === 'linux' && root !== null ? new ProcAffinity(root) : null;
  }

  private bootId(root: string | null): string {
    if (root !== null) {
      const b = readBootId(root);
      if (b) return b;
    }
    let id = instanceIds.get(this.backend);
    if (!id) { id = `${this.backend.kind}-instance:${randomUUID()}`; instanceIds.set(this.backend, id); }
    return id;
  }

  /** Parse a CPU list against this lab's possible CPUs; throws a usage LabFailure before anything is written. */
  async parseCpus(text: string): Promise<number[]> {
    const [cpus, info] = await Promise.all([this.backend.cpus(), this.backend.info()]);
    const max = cpus.possible.length > 0 ? Math.max(...cpus.possible) : undefined;
    // The kernel that would parse the list decides whether N and "all" exist.
    const p = parseCpuList(text, { kernelRelease: info.kernel.release, ...(max === undefined ? {} : { maxCpu: max }) });
    if (!p.ok) {
      // The parser names the region it refused; where that is the whole list, it is named once.
      const whole = `"${text.trim()}": `;
      const why = p.message.startsWith(whole) ? p.message.slice(whole.length) : p.message;
      throw usage(`bad CPU list "${text}": ${why} (the kernel would answer ${p.errno} (${ERRNO[p.errno]}))`,
        `Use the kernel's list syntax, e.g. 0-3,8 or 0-7:2/4 (the first 2 of every 4), with CPUs 0–${max ?? '?'}; nothing was written.`, p.errno);
    }
    return p.cpus;
  }

  private async row(bdf: string, index: number): Promise<VectorRow> {
    // One row when the backend can read one (a device may have 2048 vectors); the table otherwise, or to say what exists.
    const one = this.backend.vector ? await this.backend.vector(bdf, index) : null;
    if (one) return one;
    const dv = await this.backend.vectors(bdf);
    const v = dv.vectors.find((x) => x.index === index);
    if (!v) {
      throw new LabFailure(errnoError('affinity', 'ENOENT', `Pick one of ${dv.vectors.map((x) => x.index).join(', ') || 'no vectors (none allocated)'}.`,
        { message: `${bdf} has no vector ${index}` }));
    }
    return v;
  }

  private side(v: VectorRow): MoveSide {
    return {
      affinity: v.affinity.ok ? v.affinity.value : null,
      effective: v.effective.ok ? v.effective.value : null,
      message: v.message.ok ? v.message.value : null,
      cached: v.cachedMessage.ok ? v.cachedMessage.value : null,
      decoded: v.decoded,
    };
  }

  /**
   * The device's doorbell pages, for a rule that checks the new address against them (IMSIC). They
   * change only through logged kernel operations (IOAS maps, attaches, SET_IRQS) — never through an
   * affinity write — so they are re-read only after such an operation, or when `address` is in none
   * of the cached pages (a page mapped since, or inferred from vector addresses, is then seen).
   */
  private async doorbells(bdf: string, address: string | null): Promise<DoorbellPage[] | null> {
    const since = this.backend.kernelLog(this.logSeq);
    if (since.length > 0) {
      // A gap (the ring dropped entries) counts as a change.
      if (since[0]!.seq !== this.logSeq + 1 || since.some((o) => !AFFINITY_WRITE.test(o.op))) this.doorbellCache.clear();
      this.logSeq = since[since.length - 1]!.seq;
    }
    const cached = this.doorbellCache.get(bdf);
    if (cached !== undefined && (address === null || (cached !== null && pageHolds(cached, address)))) return cached;
    const fresh = await this.readDoorbells(bdf);
    this.doorbellCache.set(bdf, fresh);
    return fresh;
  }

  private async readDoorbells(bdf: string): Promise<DoorbellPage[] | null> {
    try {
      const spaces = (await this.backend.addressSpaces(bdf)).filter((s) => s.devices.includes(bdf));
      return spaces.length > 0 ? spaces.flatMap((s) => s.doorbells) : null;
    } catch { return null; }
  }

  /** Make the device raise the vector (or watch its own traffic) and count where it landed. */
  private async fire(bdf: string, index: number, irq: number): Promise<FireResult> {
    const b = this.backend;
    const kick = b.fire ? async () => { const r = await b.fire!(bdf, [index]); if (!r.ok) throw new LabFailure(r.error); }
      : this.stimulate ? () => this.stimulate!(bdf, index, irq) : null;
    if (!kick && this.observeMs <= 0) return { kind: 'unavailable', why: 'this lab cannot make the device interrupt (no simulator traffic, no VFIO loop-back trigger held by Doorbell)' };
    try {
      const s0 = await b.sample([irq]);
      if (kick) await kick();
      else await new Promise((r) => setTimeout(r, this.observeMs));
      const s1 = await b.sample([irq]);
      const c0 = s0.irqs.get(irq) ?? [], c1 = s1.irqs.get(irq) ?? [];
      const delta: number[] = [];
      const cpus = s1.cpus.length > 0 ? s1.cpus : c1.map((_, i) => i);
      cpus.forEach((cpu, col) => { delta[cpu] = Math.max(0, (c1[col] ?? 0) - (c0[col] ?? 0)); });
      for (let i = 0; i < delta.length; i++) delta[i] ??= 0;
      return kick ? { kind: 'fired', delta } : { kind: 'observed', delta, ms: this.observeMs };
    } catch (e) {
      return { kind: 'failed', why: e instanceof LabFailure ? e.error.message : String(e) };
    }
  }

  /** Set one vector's affinity and verify it. `cpus` is a kernel CPU list. */
  async setAffinity(bdf: string, index: number, cpus: string, why = 'set', reverts?: string[]): Promise<EditResult> {
    const list = formatCpuList(await this.parseCpus(cpus));
    const w = await this.writable();
    const v0 = await this.row(bdf, index);
    const irq = v0.irq;
    const warnings: string[] = [];
    const base = {
      bdf, index, irq, requested: list,
      before: { affinity: v0.affinity.ok ? formatCpuList(v0.affinity.value) : null, effective: v0.effective.ok ? formatCpuList(v0.effective.value) : null },
    };
    const refusedEarly = (errno: string, headline: string, explanation: string, hint: string, evidence = ['nothing was written']): EditResult => ({
      ...base, changeId: null, after: { ...base.before, pending: v0.pending }, warnings,
      verdict: { kind: 'refused', headline, explanation, hint, evidence, errno, rule: null },
    });
    if (irq === null) {
      return refusedEarly('ENOENT', 'refused: the vector is not allocated', `Vector ${index} of ${bdf} has no Linux IRQ (no /proc/irq entry), so it has no affinity to set.`, 'Enable the vector first (VFIO_DEVICE_SET_IRQS, or load the driver).');
    }
    if (!w.ok && /not root/.test(w.why)) {
      const t = refusalText('EACCES');
      return refusedEarly('EACCES', t.headline, `${t.explanation} (${w.why})`, t.hint);
    }
    if (!w.ok) return refusedEarly('EROFS', 'refused: this lab is read-only', `Nothing can be written here: ${w.why}.`, 'Open the live machine (--lab linux, as root) or a simulator.');
    const ops = this.ops(w.ok);
    if (!ops) return refusedEarly('EOPNOTSUPP', 'refused: this lab has no write path for affinities', `The ${this.backend.kind} backend offers no KernelOps table to write /proc/irq through.`, 'Use --lab linux or a simulator.');
    // Where the kernel's refusal can be read beforehand (a managed IRQ, a vLPI), nothing is journaled or written.
    const facts = ops.irqFacts?.(irq) ?? null;
    const pre = refusalBeforeWrite(irq, facts, w.release);
    if (pre) return refusedEarly(pre.errno, pre.headline, pre.explanation, pre.hint, pre.evidence);
    const root = this.procRoot(w.ok);
    if (root !== null) {
      for (const p of findIrqbalance(root)) {
        warnings.push(`irqbalance is running (pid ${p.pid}) and rebalances IRQs periodically: it may undo this change (stop it, or ban IRQ ${irq} with --banirq=${irq})`);
      }
    }
    const r0 = ops.readAffinity(irq);
    const oldList = r0.ok ? formatCpuList(r0.value.affinity) : base.before.affinity;
    if (oldList === null) {
      return refusedEarly(r0.ok ? 'EIO' : r0.errno, 'refused: the current affinity cannot be read', `Doorbell records the old mask before every change and could not read it: ${r0.ok ? 'no affinity' : r0.error.message}.`, 'Refresh the vector table; the IRQ may have been freed.');
    }
    // The intent is on disk before /proc changes.
    const id = this.journal.intent({ lab: w.spec, bootId: this.bootId(root), bdf, index, irq, old: oldList, new: list, why, ...(reverts ? { reverts } : {}) });
    const wr = ops.writeAffinity(irq, list);
    let verdict: AffinityVerdict | null = null;
    let afterRow: VectorRow = v0;
    try {
      if (!wr.ok) {
        verdict = judgeMove({
          controller: v0.controller, irq, requested: await this.parseCpus(list), write: { ok: false, errno: wr.errno, message: wr.error.message },
          before: this.side(v0), after: { ...this.side(v0), pending: v0.pending }, kernelRelease: w.release, fire: { kind: 'unavailable', why: 'not written' },
          online: (await this.backend.cpus()).online, facts,
        });
      } else {
        afterRow = await this.row(bdf, index);
        const reqCpus = await this.parseCpus(list);
        const notYet = (v: VectorRow) => v.pending || (v.effective.ok && v.effective.value.some((c) => !reqCpus.includes(c)));
        let completed: string | null = null;
        // A deferred move (x86 without remapping, IMSIC) completes in the next interrupt of the vector,
        // which is still delivered to the old CPU: fire once to complete it, then fire again to verify.
        for (let attempt = 1; attempt <= 3 && notYet(afterRow) && (this.backend.fire || this.stimulate); attempt++) {
          const first = await this.fire(bdf, index, irq);
          afterRow = await this.row(bdf, index);
          if (first.kind !== 'fired') break;
          completed = notYet(afterRow) ? `fired ${attempt} time(s) to complete the deferred move: still pending`
            : `the move was pending; fired ${attempt} time(s) to complete it (deferred moves complete in the next interrupt)`;
        }
        const fire = await this.fire(bdf, index, irq);
        if (fire.kind === 'fired' || fire.kind === 'observed') afterRow = await this.row(bdf, index);
        const ra = ops.readAffinity(irq);
        const after = this.side(afterRow);
        if (ra.ok) { after.affinity = ra.value.affinity; if (ra.value.effective.length > 0) after.effective = ra.value.effective; }
        // Only a rule that places the new address in a doorbell page (IMSIC) reads the address space.
        const m1 = after.message ?? after.cached;
        const doorbells = CONTROLLER_RULES[v0.controller]?.message === 'imsic-page' ? await this.doorbells(bdf, m1?.address ?? null) : null;
        verdict = judgeMove({
          controller: v0.controller, irq, requested: reqCpus,
          write: { ok: true }, before: this.side(v0), after: { ...after, pending: afterRow.pending }, kernelRelease: w.release,
          apicIds: root !== null ? readApicIds(root) : null, doorbells, fire,
        });
        if (completed) verdict.evidence.splice(2, 0, completed);
        if (ra.ok && formatCpuList(ra.value.affinity) !== list) verdict.evidence.push(`note: smp_affinity_list reads back ${formatCpuList(ra.value.affinity)}, not ${list}`);
      }
    } finally {
      // Whatever the verification did, the journal learns whether /proc changed.
      const effective = afterRow.effective.ok ? formatCpuList(afterRow.effective.value) : null;
      if (!wr.ok) this.journal.result(id, { ok: false, errno: wr.errno, verdict: 'refused', headline: verdict?.headline ?? null });
      else this.journal.result(id, { ok: true, verdict: verdict?.kind ?? 'unverified', headline: verdict?.headline ?? 'verification failed', effective });
    }
    const effective = afterRow.effective.ok ? formatCpuList(afterRow.effective.value) : null;
    return {
      ...base, changeId: id, warnings, verdict,
      after: { affinity: afterRow.affinity.ok ? formatCpuList(afterRow.affinity.value) : null, effective, pending: afterRow.pending },
    };
  }

  /** Spread a device's vectors over a CPU set, one CPU per vector, round-robin. */
  async spread(bdf: string, cpus: string): Promise<EditResult[]> {
    const set = await this.parseCpus(cpus);
    const dv = await this.backend.vectors(bdf);
    const out: EditResult[] = [];
    let i = 0;
    for (const v of dv.vectors.filter((x) => x.irq !== null)) out.push(await this.setAffinity(bdf, v.index, String(set[i++ % set.length]), 'spread'));
    return out;
  }

  /** Pin every vector of a device to one CPU list. */
  async pinAll(bdf: string, cpus: string): Promise<EditResult[]> {
    const list = formatCpuList(await this.parseCpus(cpus));
    const dv = await this.backend.vectors(bdf);
    const out: EditResult[] = [];
    for (const v of dv.vectors.filter((x) => x.irq !== null)) out.push(await this.setAffinity(bdf, v.index, list, 'pin'));
    return out;
  }

  /**
   * Outstanding changes on this lab, grouped per IRQ, with what a restore would do and whose they
   * are (`run`: the restore offer at start takes only those of Doorbell processes that ended).
   */
  async recovery(): Promise<RecoveryItem[]> {
    const w = await this.writable();
    const root = this.procRoot(w.ok);
    const boot = this.bootId(root);
    const ops = this.ops(w.ok);
    const runOf = this.journal.runStates();
    const groups = new Map<string, ChangeState[]>();
    for (const c of this.journal.outstanding(w.spec)) {
      const k = `${c.intent.bootId}|${c.intent.irq}`;
      const g = groups.get(k) ?? [];
      g.push(c);
      groups.set(k, g);
    }
    const items: RecoveryItem[] = [];
    for (const chain of groups.values()) {
      const first = chain[0]!, last = chain[chain.length - 1]!;
      const { irq, bdf, index } = last.intent;
      const item: RecoveryItem = {
        irq, bdf, index, original: first.intent.old, lastWritten: last.intent.new, current: null,
        action: 'gone', why: '', changes: chain.map((c) => c.id), interrupted: chain.some((c) => c.result === null),
        run: chain.some((c) => runOf(c) === 'ended') ? 'ended' : chain.some((c) => runOf(c) === 'other') ? 'other' : 'this',
      };
      items.push(item);
      if (first.intent.bootId !== boot) { item.why = 'the machine rebooted (or the lab restarted) since: the change died with it and IRQ numbers were reassigned'; continue; }
      let row: VectorRow | null;
      try { row = await this.row(bdf, index); } catch { row = null; }
      if (!row || row.irq !== irq) { item.why = `IRQ ${irq} no longer belongs to ${bdf} vector ${index} (unbound or rebound): the change went with the old IRQ`; continue; }
      const cur = ops?.readAffinity(irq);
      if (!cur || !cur.ok) { item.why = `cannot read /proc/irq/${irq}: ${cur && !cur.ok ? cur.error.message : 'no write path on this lab'}`; continue; }
      item.current = formatCpuList(cur.value.affinity);
      const written = new Set(chain.map((c) => c.intent.new));
      if (item.current === item.original) { item.action = 'nothing-to-do'; item.why = `IRQ ${irq} is already at its original mask ${item.original}${item.interrupted ? ' (the interrupted write never happened)' : ''}`; }
      else if (written.has(item.current)) { item.action = 'restore'; item.why = `IRQ ${irq} is still at ${item.current}, which Doorbell wrote; restoring ${item.original}`; }
      else { item.action = 'changed-elsewhere'; item.why = `IRQ ${irq} is now ${item.current}, which Doorbell did not write (it wrote ${[...written].join(' / ')}): someone else changed it, so it is left alone`; }
    }
    return items;
  }

  /**
   * Restore every outstanding change on this lab to its original mask (only where Doorbell's mask
   * is still in force); with `ended`, only the IRQs changed by Doorbell processes that ended (what
   * the offer at start showed), leaving the running ones' changes to them; with `running: false`,
   * all but those of another Doorbell that still runs (the CLI's --restore-all). `items`: what
   * recovery() just returned, when the caller has it (it reads every IRQ's mask again).
   */
  async restoreAll(opts: { ended?: boolean; running?: boolean; items?: RecoveryItem[] } = {}): Promise<RestoreOutcome[]> {
    const out: RestoreOutcome[] = [];
    for (const item of opts.items ?? await this.recovery()) {
      if ((opts.ended && item.run !== 'ended') || (opts.running === false && item.run === 'other')) continue;
      out.push(await this.settle(item));
    }
    return out;
  }

  private async settle(item: RecoveryItem): Promise<RestoreOutcome> {
    let result: EditResult | null = null;
    if (item.action === 'restore') {
      result = await this.setAffinity(item.bdf, item.index, item.original, 'restore', item.changes);
      if (result.verdict.kind === 'refused') return { ...item, why: `${item.why} — the restore was refused: ${result.verdict.headline}`, result };
    }
    const how = item.action === 'restore' ? 'reverted' : item.action === 'nothing-to-do' ? 'not-applied' : item.action;
    for (const id of item.changes) this.journal.close(id, how, item.why);
    if (result?.changeId) this.journal.close(result.changeId, 'reverted', 'a restore returns the IRQ to its original mask');
    return { ...item, result };
  }

  /** Undo the latest outstanding change (optionally of one vector), only if its mask is still in force. */
  async undo(sel: { changeId?: string; bdf?: string; index?: number } = {}): Promise<RestoreOutcome | null> {
    const w = await this.writable();
    const all = this.journal.outstanding(w.spec);
    const pick = sel.changeId ? all.find((c) => c.id === sel.changeId)
      : [...all].reverse().find((c) => (sel.bdf === undefined || c.intent.bdf === sel.bdf) && (sel.index === undefined || c.intent.index === sel.index));
    if (!pick) return null;
    const items = await this.recovery();
    const item = items.find((i) => i.changes.includes(pick.id));
    if (!item) return null;
    const later = item.changes.slice(item.changes.indexOf(pick.id));
    // Undo returns to the mask before `pick`; later changes on the same IRQ are undone with it.
    const one: RecoveryItem = { ...item, original: pick.intent.old, changes: later };
    if (item.action === 'restore' || item.action === 'nothing-to-do') {
      const written = new Set(later.map((id) => all.find((c) => c.id === id)!.intent.new));
      if (item.current === pick.intent.old) { one.action = 'nothing-to-do'; one.why = `IRQ ${item.irq} is already at ${pick.intent.old}`; }
      else if (item.current !== null && written.has(item.current)) { one.action = 'restore'; one.why = `undo: IRQ ${item.irq} back from ${item.current} to ${pick.intent.old}`; }
      else { one.action = 'changed-elsewhere'; one.why = `IRQ ${item.irq} is now ${item.current}, which this change did not write: left alone`; }
    }
    return this.settle(one);
  }
}
