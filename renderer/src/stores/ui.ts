// SPDX-License-Identifier: MIT
import { defineStore, acceptHMRUpdate } from 'pinia';
import { ref, watch } from 'vue';

export type ViewName = 'overview' | 'device' | 'log' | 'bringup';
export type Theme = 'dark' | 'light';

function stored(key: string): string | null {
  try { return window.localStorage.getItem(key); } catch { return null; }
}
function store(key: string, v: string): void {
  try { window.localStorage.setItem(key, v); } catch { /* storage may be disabled; the choice lasts for the page */ }
}

function initialTheme(): Theme {
  const s = stored('doorbell.theme');
  if (s === 'dark' || s === 'light') return s;
  return typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

/** Where the user is: the view and the selected device, mirrored in the URL hash. */
export const useUiStore = defineStore('ui', () => {
  const view = ref<ViewName>('overview');
  const bdf = ref<string | null>(null);
  const theme = ref<Theme>(initialTheme());
  const hex = ref(stored('doorbell.hex') !== 'dec');

  function open(v: ViewName, device: string | null = bdf.value) {
    view.value = v;
    bdf.value = device;
  }

  function fromHash(hash: string) {
    const m = /^#\/(overview|device|log|bringup)(?:\/([0-9a-f:.]+))?$/.exec(hash);
    if (m) open(m[1] as ViewName, m[2] ?? bdf.value);
  }

  function toHash(): string {
    return `#/${view.value}${(view.value === 'device' || view.value === 'bringup') && bdf.value ? `/${bdf.value}` : ''}`;
  }

  function toggleTheme() { theme.value = theme.value === 'dark' ? 'light' : 'dark'; }

  watch(theme, (t) => { document.documentElement.dataset.theme = t; store('doorbell.theme', t); }, { immediate: true });
  watch(hex, (h) => store('doorbell.hex', h ? 'hex' : 'dec'));

  return { view, bdf, theme, hex, open, fromHash, toHash, toggleTheme };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useUiStore, import.meta.hot));
