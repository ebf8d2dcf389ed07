// SPDX-License-Identifier: MIT
import { defineStore, acceptHMRUpdate } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { LabError } from '../../../common/errors.js';
import type { AddressSpace, CountsDelta, DeviceVectors } from '../../../common/model/index.js';
import { lab } from '../api/lab.js';

/** Samples kept per IRQ for the rate sparkline. */
export const HISTORY = 60;
/** Tick while the window is visible, and while it is hidden (the core reads /proc/interrupts per tick). */
export const VISIBLE_MS = 1000;
export const HIDDEN_MS = 5000;

/** Resolves once the frame after the current one has been painted (or after 100 ms: hidden windows get no frames). */
function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 100);
    const done = () => { clearTimeout(t); resolve(); };
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(done, 0));
  });
}

/** The device on screen: its vector table, address spaces, live counts and rates. */
export const useDeviceStore = defineStore('device', () => {
  const bdf = ref<string | null>(null);
  const table = shallowRef<DeviceVectors | null>(null);
  const error = shallowRef<LabError | null>(null);
  const spaces = shallowRef<AddressSpace[]>([]);
  const spacesError = shallowRef<LabError | null>(null);
  /** The address spaces are read after the table is on screen. */
  const spacesLoading = ref(false);
  const loading = ref(false);
  /** irq → counts per CPU (absolute), and rates per CPU (interrupts/s) over the last tick. */
  const counts = shallowRef<Record<number, number[]>>({});
  const rates = shallowRef<Record<number, number[]>>({});
  /** irq → total rate per tick, oldest first (at most HISTORY). */
  const history = shallowRef<Record<number, number[]>>({});
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
    hovered.value = null;
    selected.value = null;
    // The table first: the address spaces are drawn below it, and are read once it is on screen.
    const r = await lab().call('getVectors', { bdf: device });
    if (bdf.value !== device) return;
    loading.value = false;
    if (r.ok) {
      table.value = r.value;
      error.value = null;
      const c: Record<number, number[]> = {};
      for (const v of r.value.vectors) if (v.irq !== null && v.counts.ok) c[v.irq] = v.counts.value;
      counts.value = c;
    } else {
      table.value = null;
      error.value = r.error;
      counts.value = {};
    }
    rates.value = {};
    history.value = {};
    lastMono.value = null;
    await afterPaint();
    if (bdf.value !== device) return;
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
    if (r.ok) { table.value = r.value; error.value = null; }
    if (a.ok) spaces.value = a.value;
  }

  /**
   * One tick from the core. Only IRQs whose counts changed are in the delta; every other IRQ of
   * this device had rate 0 over the interval. Deltas that arrive while paused are ignored.
   */
  function applyDelta(d: CountsDelta): void {
    if (!table.value || paused.value) return;
    if (lastMono.value !== null && d.mono <= lastMono.value) return; // stale or repeated tick
    const c = { ...counts.value };
    const r: Record<number, number[]> = {};
    const h: Record<number, number[]> = { ...history.value };
    for (const v of table.value.vectors) {
      if (v.irq === null) continue;
      const changed = d.changed[v.irq];
      let total = 0;
      if (changed) {
        c[v.irq] = changed;
        r[v.irq] = d.rates[v.irq] ?? [];
        for (const x of r[v.irq]!) total += x;
      }
      const prev = h[v.irq] ?? [];
      h[v.irq] = prev.length >= HISTORY ? [...prev.slice(prev.length - HISTORY + 1), total] : [...prev, total];
    }
    counts.value = c;
    rates.value = r;
    history.value = h;
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
    bdf, table, error, spaces, spacesError, spacesLoading, loading, counts, rates, history, lastTick, ticks, paused, hidden, intervalMs,
    hovered, selected, open, refresh, applyDelta, setPaused, setHidden, close,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useDeviceStore, import.meta.hot));
