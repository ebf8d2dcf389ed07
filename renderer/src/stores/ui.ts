// SPDX-License-Identifier: MIT
import { defineStore, acceptHMRUpdate } from 'pinia';
import { ref, watch } from 'vue';

export type ViewName = 'overview' | 'device' | 'log';

/** Where the user is: the view and the selected device, mirrored in the URL hash. */
export const useUiStore = defineStore('ui', () => {
  const view = ref<ViewName>('overview');
  const bdf = ref<string | null>(null);
  const theme = ref<'dark' | 'light'>('dark');
  const hex = ref(true);

  function open(v: ViewName, device: string | null = bdf.value) {
    view.value = v;
    bdf.value = device;
  }

  function fromHash(hash: string) {
    const m = /^#\/(overview|device|log)(?:\/([0-9a-f:.]+))?$/.exec(hash);
    if (m) open(m[1] as ViewName, m[2] ?? null);
  }

  function toHash(): string {
    return `#/${view.value}${view.value === 'device' && bdf.value ? `/${bdf.value}` : ''}`;
  }

  watch(theme, (t) => { document.documentElement.dataset.theme = t; }, { immediate: true });

  return { view, bdf, theme, hex, open, fromHash, toHash };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useUiStore, import.meta.hot));
