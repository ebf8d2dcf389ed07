// SPDX-License-Identifier: MIT
import { defineStore, acceptHMRUpdate } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LabError } from '../../../common/errors.js';
import type { BringupChecklist, BringupStepId } from '../../../common/model/index.js';
import { lab } from '../api/lab.js';

/** The guided bring-up of the selected device: the checklist as the core last reported it. */
export const useBringupStore = defineStore('bringup', () => {
  const bdf = ref<string | null>(null);
  const list = shallowRef<BringupChecklist | null>(null);
  const error = shallowRef<LabError | null>(null);
  /** What is running now: a step id, 'all', or null. */
  const busy = ref<BringupStepId | 'all' | null>(null);
  /** The step the core reports as running (progress events). */
  const running = ref<string | null>(null);
  let off: (() => void) | null = null;

  function take(r: { ok: true; value: BringupChecklist } | { ok: false; error: LabError }): void {
    if (r.ok) { list.value = r.value; error.value = null; } else error.value = r.error;
  }

  async function open(device: string): Promise<void> {
    bdf.value = device;
    list.value = null;
    off ??= lab().onEvent((e) => {
      if (e.type === 'progress' && e.op === 'bringup' && bdf.value && e.step.startsWith(`${bdf.value} `)) {
        const [, id, state] = e.step.split(' ');
        running.value = state === 'running' ? id ?? null : null;
      }
    });
    take(await lab().call('getBringup', { bdf: device }));
  }

  async function run(step: BringupStepId | 'all'): Promise<void> {
    if (!bdf.value || busy.value) return;
    busy.value = step;
    try {
      take(step === 'all' ? await lab().call('runBringup', { bdf: bdf.value }) : await lab().call('runBringupStep', { bdf: bdf.value, step }));
    } finally {
      busy.value = null;
      running.value = null;
    }
  }

  function close(): void { off?.(); off = null; }

  return { bdf, list, error, busy, running, open, run, close };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useBringupStore, import.meta.hot));
