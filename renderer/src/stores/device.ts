// SPDX-License-Identifier: MIT
import { defineStore, acceptHMRUpdate } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LabError } from '../../../common/errors.js';
import type { CountsDelta, DeviceVectors } from '../../../common/model/index.js';
import { lab } from '../api/lab.js';

/** The device on screen: its vector table, live counts and rates. */
export const useDeviceStore = defineStore('device', () => {
  const bdf = ref<string | null>(null);
  const table = shallowRef<DeviceVectors | null>(null);
  const error = shallowRef<LabError | null>(null);
  /** irq → counts per CPU, and rates per CPU (interrupts/s) from the last tick. */
  const counts = shallowRef<Record<number, number[]>>({});
  const rates = shallowRef<Record<number, number[]>>({});
  const lastTick = ref<number | null>(null);

  async function open(device: string): Promise<void> {
    bdf.value = device;
    const r = await lab().call('getVectors', { bdf: device });
    if (bdf.value !== device) return;
    if (r.ok) {
      table.value = r.value;
      error.value = null;
      const c: Record<number, number[]> = {};
      for (const v of r.value.vectors) if (v.irq !== null && v.counts.ok) c[v.irq] = v.counts.value;
      counts.value = c;
      rates.value = {};
    } else {
      table.value = null;
      error.value = r.error;
    }
    await lab().call('setLive', { intervalMs: 1000, paused: false, watch: device });
  }

  function applyDelta(d: CountsDelta): void {
    if (!table.value) return;
    const c = { ...counts.value };
    const r: Record<number, number[]> = {};
    for (const v of table.value.vectors) {
      if (v.irq === null) continue;
      const changed = d.changed[v.irq];
      if (changed) { c[v.irq] = changed; r[v.irq] = d.rates[v.irq] ?? []; }
    }
    counts.value = c;
    rates.value = r;
    lastTick.value = d.at;
  }

  return { bdf, table, error, counts, rates, lastTick, open, applyDelta };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useDeviceStore, import.meta.hot));
