// SPDX-License-Identifier: MIT
import { defineStore, acceptHMRUpdate } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { LabError } from '../../../common/errors.js';
import type { CpuInfo, DeviceSummary, IommuGroup, IommuUnit, LabInfo } from '../../../common/model/index.js';
import { lab } from '../api/lab.js';

/** The lab as a whole: which backend, the machine, groups and devices. */
export const useLabStore = defineStore('lab', () => {
  const info = shallowRef<LabInfo | null>(null);
  const cpus = shallowRef<CpuInfo | null>(null);
  const iommus = shallowRef<IommuUnit[]>([]);
  const groups = shallowRef<IommuGroup[]>([]);
  const devices = shallowRef<DeviceSummary[]>([]);
  const errors = ref<LabError[]>([]);
  const connected = ref(false);
  /** Set when the page will not reconnect by itself (serve restarted: its token is stale), with what to do. */
  const connectionLost = shallowRef<LabError | null>(null);
  const loading = ref(false);
  const loadedAt = ref<number | null>(null);
  /** The last failed counter read (the core keeps ticking; the status bar says what failed). */
  const sampleError = shallowRef<LabError | null>(null);
  const lastSampleAt = ref<number | null>(null);

  const title = computed(() => (info.value ? `Doorbell — ${info.value.title}` : 'Doorbell'));

  function note(e: LabError) {
    errors.value = [...errors.value.filter((x) => x.op !== e.op), e];
  }

  /*
   * A device page's first rows wait for the lab's first read (device.ts, open), which is answered
   * with them: drawn before it, the rows were drawn again when it came (the heat columns' NUMA
   * gaps, the device's name above them) — a second render and layout of the whole table before
   * its first frame reached the screen.
   */
  let firstLoad!: () => void;
  const firstLoaded = new Promise<void>((r) => { firstLoad = r; });
  /** Resolves once the lab's first read, if one is under way, has ended (or after `ms`). */
  function loadedOnce(ms: number): Promise<void> {
    if (loadedAt.value !== null || !loading.value) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      void firstLoaded.then(() => { clearTimeout(t); resolve(); });
    });
  }

  async function load(): Promise<void> {
    loading.value = true;
    const api = lab();
    const [i, c, u, g, d] = await Promise.all([
      api.call('getLab', {}), api.call('getCpus', {}), api.call('listIommus', {}), api.call('listGroups', {}), api.call('listDevices', {}),
    ]);
    errors.value = [];
    if (i.ok) info.value = i.value; else note(i.error);
    if (c.ok) cpus.value = c.value; else note(c.error);
    if (u.ok) iommus.value = u.value; else note(u.error);
    if (g.ok) groups.value = g.value; else note(g.error);
    if (d.ok) devices.value = d.value; else note(d.error);
    loadedAt.value = Date.now();
    loading.value = false;
    firstLoad();
  }

  function setConnected(c: boolean, why?: LabError) { connected.value = c; connectionLost.value = c ? null : why ?? connectionLost.value; }
  function noteSample(at: number) { lastSampleAt.value = at; sampleError.value = null; }
  function noteSampleError(e: LabError) { sampleError.value = e; }

  const groupOf = computed(() => new Map(groups.value.map((g) => [g.id, g])));

  return {
    info, cpus, iommus, groups, devices, errors, connected, connectionLost, loading, loadedAt, title, sampleError, lastSampleAt, groupOf,
    load, loadedOnce, setConnected, noteSample, noteSampleError,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useLabStore, import.meta.hot));
