// SPDX-License-Identifier: MIT
import { defineStore, acceptHMRUpdate } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { LabError } from '../../../common/errors.js';
import { irqsIn, irqsOf, pick, statsAt, sumMax, type AddressSpace, type CountsDelta, type VectorRow } from '../../../common/model/index.js';
import type { VectorTable } from '../../../common/ipc/contract.js';
import { lab } from '../api/lab.js';
import { useLabStore } from './lab.js';

/** Samples kept per IRQ for the rate sparkline. */
export const HISTORY = 60;
/** Tick while the window is visible, and while it is hidden (the core reads /proc/interrupts per tick). */
export const VISIBLE_MS = 1000;
export const HIDDEN_MS = 5000;

/**
 * Rows asked for first: more than the tallest table view shows, so the first paint of a device
 * with thousands of vectors waits for one screenful, not for the whole table.
 */
export const FIRST_ROWS = 64;

/** How long a device's first rows wait for the lab's first read before they are drawn without it. */
const LAB_WAIT_MS = 400;

/** The first request of a device's table (main.ts sends it before the app mounts). */
export function firstWindow(bdf: string): { bdf: string; count: number } {
  return { bdf, count: FIRST_ROWS };
}

/** Resolves once the frame after the current one has been painted (or after 100 ms: hidden windows get no frames). */
function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 100);
    const done = () => { clearTimeout(t); resolve(); };
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(done, 0));
  });
}

/** One tick as the sparklines see it. */
interface TickTotals { irqs: ReadonlySet<number>; totals: ReadonlyMap<number, number> }

/** The IRQs of a table's vectors (a table is replaced, never changed, when it is re-read). */
const tableIrqs = new WeakMap<VectorTable, ReadonlySet<number>>();
function irqsOfTable(t: VectorTable): ReadonlySet<number> {
  let s = tableIrqs.get(t);
  if (!s) { s = new Set(irqsOf(t)); tableIrqs.set(t, s); }
  return s;
}

/** The device on screen: its vector table, address spaces, live counts and rates. */
export const useDeviceStore = defineStore('device', () => {
  const bdf = ref<string | null>(null);
  /** The table on screen: the first window of rows until the whole table has been read. */
  const table = shallowRef<VectorTable | null>(null);
  /** Rows in the whole table (the window's rows until then are the first of them). */
  const rowCount = computed(() => table.value?.window?.total ?? table.value?.vectors.length ?? 0);
  /** Every row is loaded (copy, spread and the sections below the table need them all). */
  const complete = computed(() => table.value !== null && table.value.vectors.length >= rowCount.value);
  /** The table has been painted: the sections below it (editor, findings, address map) follow. */
  const painted = ref(false);
  const error = shallowRef<LabError | null>(null);
  const spaces = shallowRef<AddressSpace[]>([]);
  const spacesError = shallowRef<LabError | null>(null);
  /** The address spaces are read after the table is on screen. */
  const spacesLoading = ref(false);
  const loading = ref(false);
  /**
   * irq → the tick that last brought its counts per CPU (absolute) since the table was read
   * (countsOf reads them there, else the table's own read), and irq → rates per CPU
   * (interrupts/s) over the last tick. A tick's arrays are expanded only when a row on screen
   * reads them (common/model/counts.ts).
   */
  const counts = shallowRef<ReadonlyMap<number, Readonly<Record<number, number[]>>>>(new Map());
  const rates = shallowRef<Record<number, number[]>>({});
  /**
   * The last HISTORY ticks, oldest first: each tick's total rate per IRQ that fired, and the IRQs
   * of the table it applied to (those that did not fire had rate 0). A row's sparkline gathers its
   * points from here when it is drawn, so a tick costs one record, not a new 60-sample array for
   * each of a big device's 2048 IRQs (and the garbage collections that followed them).
   */
  const recent = shallowRef<readonly TickTotals[]>([]);
  const lastTick = ref<number | null>(null);
  const lastMono = ref<number | null>(null);
  const ticks = ref(0);
  const paused = ref(false);
  const hidden = ref(false);
  const intervalMs = computed(() => (hidden.value ? HIDDEN_MS : VISIBLE_MS));
  /** Vector index under the pointer (table row or map marker), for cross-highlighting. */
  const hovered = ref<number | null>(null);
  /** Vector index with the keyboard focus / open detail. */
  const selected = ref<number | null>(null);

  async function pushLive(): Promise<void> {
    await lab().call('setLive', { intervalMs: intervalMs.value, paused: paused.value, ...(bdf.value ? { watch: bdf.value } : {}) });
  }

  async function open(device: string): Promise<void> {
    if (bdf.value !== device) { spaces.value = []; spacesError.value = null; }
    bdf.value = device;
    spacesLoading.value = true;
    loading.value = true;
    painted.value = false;
    hovered.value = null;
    selected.value = null;
    // A screenful of rows first, then the whole table once that is painted; the address spaces
    // are drawn below the table, and are read last.
    const r = await lab().call('getVectors', firstWindow(device));
    if (bdf.value !== device) return;
    // Drawn once, with the lab's first read (lab.ts, loadedOnce), not before it and again after.
    if (r.ok) await useLabStore().loadedOnce(LAB_WAIT_MS);
    if (bdf.value !== device) return;
    loading.value = false;
    if (r.ok) {
      table.value = r.value;
      error.value = null;
    } else {
      table.value = null;
      error.value = r.error;
    }
    counts.value = new Map();
    rates.value = {};
    recent.value = [];
    lastMono.value = null;
    await afterPaint();
    if (bdf.value !== device) return;
    painted.value = true;
    if (r.ok && !complete.value) {
      const whole = await lab().call('getVectors', { bdf: device });
      if (bdf.value !== device) return;
      if (whole.ok) table.value = whole.value; else error.value = whole.error;
    }
    const a = await lab().call('listAddressSpaces', { bdf: device });
    if (bdf.value !== device) return;
    spacesLoading.value = false;
    if (a.ok) { spaces.value = a.value; spacesError.value = null; } else { spaces.value = []; spacesError.value = a.error; }
    await pushLive();
  }

  /** Re-read the table (after a `changed` event) without dropping the live history. */
  async function refresh(): Promise<void> {
    if (!bdf.value) return;
    const device = bdf.value;
    const [r, a] = await Promise.all([lab().call('getVectors', { bdf: device }), lab().call('listAddressSpaces', { bdf: device })]);
    if (bdf.value !== device) return;
    // The re-read table's counts are newer than any tick's.
    if (r.ok) { table.value = r.value; error.value = null; counts.value = new Map(); }
    if (a.ok) spaces.value = a.value;
  }

  /** A vector's counts per CPU: the latest tick's, else the table's read (undefined: none). */
  function countsOf(v: VectorRow): number[] | undefined {
    if (v.irq === null) return undefined;
    const tick = counts.value.get(v.irq);
    return tick ? tick[v.irq] : v.counts.ok ? v.counts.value : undefined;
  }
  /** Sum and maximum of a vector's counts per CPU (the total column, the heatmap's count scale). */
  function countStats(v: VectorRow): { sum: number; max: number } {
    const tick = v.irq === null ? undefined : counts.value.get(v.irq);
    return tick ? statsAt(tick, v.irq!) : sumMax(countsOf(v));
  }
  /** Sum and maximum of a vector's rates per CPU over the last tick (0 when it did not fire). */
  function rateStats(v: VectorRow): { sum: number; max: number } {
    return v.irq !== null && v.irq in rates.value ? statsAt(rates.value, v.irq) : { sum: 0, max: 0 };
  }

  /** An IRQ's total rate over the last ticks, oldest first (at most HISTORY): its sparkline. */
  function historyOf(irq: number): number[] {
    const out: number[] = [];
    for (const t of recent.value) {
      const x = t.totals.get(irq);
      if (x !== undefined) out.push(x); else if (t.irqs.has(irq)) out.push(0);
    }
    return out;
  }

  /**
   * One tick from the core. Only IRQs whose counts changed are in the delta; every other IRQ of
   * this device had rate 0 over the interval. Deltas that arrive while paused are ignored.
   */
  function applyDelta(d: CountsDelta): void {
    if (!table.value || paused.value) return;
    if (lastMono.value !== null && d.mono <= lastMono.value) return; // stale or repeated tick
    // Per-CPU arrays are not touched here: only the rows on screen read them (common/model/counts.ts statsAt).
    const irqs = irqsOfTable(table.value);
    const changed = irqsIn(d.changed);
    const mine: number[] = [];
    const totals = new Map<number, number>();
    for (const irq of changed) {
      if (!irqs.has(irq)) continue;
      mine.push(irq);
      totals.set(irq, statsAt(d.rates, irq).sum);
    }
    const c = new Map(counts.value);
    for (const irq of mine) c.set(irq, d.changed);
    counts.value = c;
    // The core samples only the watched device's IRQs; anything else in the tick is left out.
    rates.value = mine.length === changed.length ? d.rates : pick(d.rates, mine);
    const before = recent.value;
    recent.value = [...before.slice(before.length >= HISTORY ? before.length - HISTORY + 1 : 0), { irqs, totals }];
    lastTick.value = d.at;
    lastMono.value = d.mono;
    ticks.value++;
  }

  async function setPaused(p: boolean): Promise<void> {
    paused.value = p;
    if (!p) rates.value = {};
    await pushLive();
  }

  async function setHidden(h: boolean): Promise<void> {
    if (hidden.value === h) return;
    hidden.value = h;
    if (bdf.value) await pushLive();
  }

  function close(): void {
    bdf.value = null;
    table.value = null;
    spaces.value = [];
    void lab().call('setLive', { intervalMs: intervalMs.value, paused: paused.value });
  }

  return {
    bdf, table, rowCount, complete, painted, error, spaces, spacesError, spacesLoading, loading, counts, rates, lastTick, ticks, paused, hidden, intervalMs,
    hovered, selected, open, refresh, countsOf, countStats, rateStats, historyOf, applyDelta, setPaused, setHidden, close,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useDeviceStore, import.meta.hot));
