// SPDX-License-Identifier: MIT
import { defineStore, acceptHMRUpdate } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LabError } from '../../../common/errors.js';
import type { CheckReport, Finding, Severity } from '../../../common/checks/types.js';
import { lab } from '../api/lab.js';

export const SEVERITY_ORDER: Severity[] = ['error', 'warning', 'info'];

/** The checks engine's report for the whole lab: run on load, after every edit, and on request. */
export const useChecksStore = defineStore('checks', () => {
  const report = shallowRef<(CheckReport & { notes: string[] }) | null>(null);
  const error = shallowRef<LabError | null>(null);
  const running = ref(false);
  const ranAt = ref<number | null>(null);
  let again = false;

  async function run(): Promise<void> {
    // One run at a time; a request during a run schedules exactly one more (edits arrive in bursts).
    if (running.value) { again = true; return; }
    running.value = true;
    try {
      do {
        again = false;
        const r = await lab().call('runChecks', {});
        if (r.ok) { report.value = r.value; error.value = null; } else error.value = r.error;
        ranAt.value = Date.now();
      } while (again);
    } finally { running.value = false; }
  }

  /** Findings, errors first, optionally only those about one device. */
  function findings(bdf: string | null = null): Finding[] {
    const all = report.value?.findings ?? [];
    const mine = bdf === null ? all : all.filter((f) => f.subject.bdf === bdf);
    return [...mine].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity)
      || (a.subject.bdf ?? '').localeCompare(b.subject.bdf ?? '') || (a.subject.index ?? -1) - (b.subject.index ?? -1));
  }

  return { report, error, running, ranAt, run, findings };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useChecksStore, import.meta.hot));
