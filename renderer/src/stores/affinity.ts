// SPDX-License-Identifier: MIT
import { defineStore, acceptHMRUpdate } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LabError, Result } from '../../../common/errors.js';
import type { CpuInfo } from '../../../common/model/index.js';
import { formatCpuList, parseCpuList } from '../../../common/cpulist.js';
import type { EditResult, JournalDamage, JournalEntry, RecoveryItem, RestoreOutcome } from '../../../common/verdict.js';
import { lab } from '../api/lab.js';
import { useLabStore } from './lab.js';

/**
 * The changes the restore offer was dismissed for, by lab spec (the journal is shared by every
 * lab; change ids are UUIDs, unique across them). Kept in localStorage so a reload does not offer
 * them again; the page keeps its own copy where storage is unavailable or throws.
 */
const DISMISSED_KEY = 'doorbell.restoreOffer.dismissed';
type Dismissed = Record<string, string[]>;

function readDismissed(): Dismissed {
  try {
    const v: unknown = JSON.parse(window.localStorage.getItem(DISMISSED_KEY) ?? '{}');
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    const out: Dismissed = {};
    for (const [spec, ids] of Object.entries(v)) if (Array.isArray(ids)) out[spec] = ids.filter((x): x is string => typeof x === 'string');
    return out;
  } catch { return {}; }
}
function writeDismissed(d: Dismissed): boolean {
  try { window.localStorage.setItem(DISMISSED_KEY, JSON.stringify(d)); return true; } catch { return false; }
}
function canStore(): boolean {
  try { return !!window.localStorage; } catch { return false; }
}

export type CpuCheck = { ok: true; cpus: number[]; list: string; warning: string | null } | { ok: false; message: string };

/**
 * Check a CPU list against this lab before anything is sent: kernel list syntax (what
 * /proc/irq/N/smp_affinity_list accepts: a-b,c, range:used/size, N, all), every CPU possible on this lab. A list with
 * no online CPU is allowed through with a warning — the kernel refuses it with EINVAL, which is
 * worth seeing — but a CPU that does not exist never reaches the kernel.
 */
export function checkCpuList(text: string, info: CpuInfo | null): CpuCheck {
  const possible = info?.possible ?? [];
  const max = possible.length ? Math.max(...possible) : undefined;
  const p = parseCpuList(text, max === undefined ? {} : { maxCpu: max });
  if (!p.ok) return { ok: false, message: `${p.message}${max !== undefined ? ` — this lab has CPUs ${formatCpuList(possible)}` : ''}` };
  if (info) {
    const set = new Set(possible);
    const missing = p.cpus.filter((c) => !set.has(c));
    if (missing.length) return { ok: false, message: `CPU ${formatCpuList(missing)} is not a possible CPU of this lab (${formatCpuList(possible)})` };
  }
  let warning: string | null = null;
  if (info) {
    const online = new Set(info.online);
    const isolated = new Set(info.isolated);
    const off = p.cpus.filter((c) => !online.has(c));
    if (off.length === p.cpus.length) warning = 'none of these CPUs is online: the kernel will refuse the write (EINVAL)';
    else if (off.length) warning = `CPU ${formatCpuList(off)} offline: the kernel uses only the online ones`;
    const iso = p.cpus.filter((c) => isolated.has(c));
    if (iso.length && !warning) warning = `CPU ${formatCpuList(iso)} isolated (isolcpus): interrupts there disturb the isolated workload`;
  }
  return { ok: true, cpus: p.cpus, list: formatCpuList(p.cpus), warning };
}

export type EditKind = 'vector' | 'spread' | 'pin' | 'undo' | 'restore';

/** One action's outcome, as the verdict cards show it. */
export interface EditRecord {
  seq: number;
  kind: EditKind;
  bdf: string | null;
  at: number;
  /** What the user asked, in words. */
  asked: string;
  results: EditResult[];
  /** Undo / restore outcomes that did not write (nothing to do, changed elsewhere, gone). */
  notes: string[];
  error: LabError | null;
}

/** Affinity edits, undo, the journal, and the post-crash restore offer. */
export const useAffinityStore = defineStore('affinity', () => {
  const busy = ref(false);
  const records = shallowRef<EditRecord[]>([]);
  const journalFile = ref<string | null>(null);
  const entries = shallowRef<JournalEntry[]>([]);
  const outstanding = shallowRef<RecoveryItem[]>([]);
  const journalError = shallowRef<LabError | null>(null);
  /** Lines of the journal file that could not be read (shown with the offer, even when it is empty). */
  const damage = shallowRef<JournalDamage | null>(null);
  const damageHidden = ref(false);
  /**
   * The restore offer shown at start: outstanding changes of Doorbell processes that ended (a
   * crash, a closed window), until acted on. This core's own changes are not offered — a page
   * reload is not a crash; the device page's Undo covers them.
   */
  const offer = shallowRef<RecoveryItem[]>([]);
  /** Change ids Dismiss was pressed for (this page's and, from localStorage, earlier pages'). */
  const dismissed = new Set<string>();
  /** Whether a dismissal outlives the page (false where the browser gives the page no storage). */
  const dismissRemembered = ref(canStore());
  const offerResult = shallowRef<RestoreOutcome[] | null>(null);
  let seq = 0;

  async function loadJournal(): Promise<void> {
    const r = await lab().call('getJournal', { limit: 200 });
    if (!r.ok) { journalError.value = r.error; return; }
    journalError.value = null;
    journalFile.value = r.value.file;
    entries.value = r.value.entries;
    outstanding.value = r.value.outstanding;
    // Shown again only when it grows: what was hidden stays hidden while the journal is unchanged.
    if (r.value.damage?.count !== damage.value?.count) damageHidden.value = false;
    damage.value = r.value.damage;
  }

  /** At start: anything outstanding from a run that ended (a crash, a closed window) is offered for restore. */
  async function checkOffer(): Promise<void> {
    await loadJournal();
    if (journalError.value) return;
    // Read again each time: another page (tab) of this console may have dismissed since.
    for (const ids of Object.values(readDismissed())) for (const id of ids) dismissed.add(id);
    offer.value = outstanding.value.filter(offered);
  }
  /** An IRQ a run that ended left changed, unless Dismiss was pressed for all its changes (a later run's change brings it back). */
  function offered(o: RecoveryItem): boolean { return o.run === 'ended' && o.changes.some((id) => !dismissed.has(id)); }

  function push(rec: Omit<EditRecord, 'seq' | 'at'>): EditRecord {
    const full = { ...rec, seq: ++seq, at: Date.now() };
    records.value = [full, ...records.value].slice(0, 50);
    return full;
  }

  async function run<T>(fn: () => Promise<{ ok: true; value: T } | { ok: false; error: LabError }>, make: (v: T) => Omit<EditRecord, 'seq' | 'at' | 'error'>, fallback: Omit<EditRecord, 'seq' | 'at' | 'error' | 'results' | 'notes'>): Promise<EditRecord> {
    busy.value = true;
    try {
      const r = await fn();
      const rec = r.ok ? push({ ...make(r.value), error: null }) : push({ ...fallback, results: [], notes: [], error: r.error });
      await loadJournal();
      return rec;
    } finally { busy.value = false; }
  }

  function noteOf(o: RestoreOutcome): string[] {
    return o.result ? [] : [`${o.bdf} vector ${o.index} (IRQ ${o.irq}): ${o.why}`];
  }

  function setVector(bdf: string, index: number, cpus: string): Promise<EditRecord> {
    const asked = `vector ${index} → CPU ${cpus}`;
    return run(() => lab().call('setAffinity', { bdf, index, cpus }), (v) => ({ kind: 'vector', bdf, asked, results: [v], notes: [] }), { kind: 'vector', bdf, asked });
  }

  function setDevice(bdf: string, cpus: string, mode: 'spread' | 'pin'): Promise<EditRecord> {
    const asked = mode === 'spread' ? `spread every vector over CPU ${cpus}` : `pin every vector to CPU ${cpus}`;
    return run(() => lab().call('spreadAffinity', { bdf, cpus, mode }), (v) => ({ kind: mode, bdf, asked, results: v, notes: v.length ? [] : ['no vector of this device has an IRQ: nothing to move'] }), { kind: mode, bdf, asked });
  }

  function undo(sel: { bdf?: string; index?: number; changeId?: string }): Promise<EditRecord> {
    const asked = sel.index !== undefined ? `undo the last change of vector ${sel.index}` : sel.bdf ? 'undo the last change of this device' : 'undo the last change';
    return run(() => lab().call('undoAffinity', sel), (v) => ({
      kind: 'undo', bdf: sel.bdf ?? v?.bdf ?? null, asked,
      results: v?.result ? [v.result] : [], notes: v ? noteOf(v) : ['nothing to undo: no outstanding change Doorbell made here'],
    }), { kind: 'undo', bdf: sel.bdf ?? null, asked });
  }

  async function restoreAll(): Promise<EditRecord> {
    const rec = await run(() => lab().call('restoreAll', {}), (v) => ({
      kind: 'restore', bdf: null, asked: 'restore every outstanding change',
      results: v.flatMap((o) => (o.result ? [o.result] : [])), notes: v.length ? v.flatMap(noteOf) : ['nothing to restore'],
    }), { kind: 'restore', bdf: null, asked: 'restore every outstanding change' });
    return rec;
  }

  /**
   * Only what the offer showed: the changes of runs that ended, not this core's — and not those
   * an earlier Dismiss hid, which restoreAll({ ended }) would take too: then each shown IRQ is
   * undone back to its first outstanding change (the same write-back, one IRQ at a time).
   */
  async function restoreShown(): Promise<Result<RestoreOutcome[]>> {
    const hidden = outstanding.value.some((o) => o.run === 'ended' && !offered(o));
    if (!hidden) return lab().call('restoreAll', { ended: true });
    const out: RestoreOutcome[] = [];
    for (const o of offer.value) {
      const r = await lab().call('undoAffinity', { changeId: o.changes[0]! });
      if (!r.ok) return r;
      if (r.value) out.push(r.value);
    }
    return { ok: true, value: out };
  }

  async function acceptOffer(): Promise<void> {
    busy.value = true;
    try {
      const r = await restoreShown();
      if (r.ok) { offerResult.value = r.value; offer.value = []; push({ kind: 'restore', bdf: null, asked: 'restore the changes left by an earlier run', results: r.value.flatMap((o) => (o.result ? [o.result] : [])), notes: r.value.flatMap(noteOf), error: null }); }
      else journalError.value = r.error;
      await loadJournal();
    } finally { busy.value = false; }
  }

  /**
   * Hide the offer for exactly the changes it lists, across reloads. The stored list is rewritten
   * with this lab's ids still outstanding and the new ones (closed changes drop out, so it never
   * outgrows the journal's outstanding changes); other labs' lists are left as they are.
   */
  function dismissOffer(): void {
    const ids = offer.value.flatMap((o) => o.changes);
    for (const id of ids) dismissed.add(id);
    offer.value = [];
    const spec = useLabStore().info?.spec ?? '';
    const live = new Set(outstanding.value.flatMap((o) => o.changes));
    const all = readDismissed();
    all[spec] = [...new Set([...(all[spec] ?? []).filter((id) => live.has(id)), ...ids])];
    if (!writeDismissed(all)) dismissRemembered.value = false;
  }

  /** Records that concern one device (or every record for null). */
  function recordsFor(bdf: string | null): EditRecord[] {
    return bdf === null ? records.value : records.value.filter((r) => r.bdf === bdf || r.bdf === null);
  }

  return {
    busy, records, journalFile, entries, outstanding, journalError, damage, damageHidden, offer, dismissRemembered, offerResult,
    loadJournal, checkOffer, setVector, setDevice, undo, restoreAll, acceptOffer, dismissOffer, recordsFor,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useAffinityStore, import.meta.hot));
