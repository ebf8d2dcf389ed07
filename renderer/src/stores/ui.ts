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

/** The view and device a URL hash names (#/device/0000:01:00.0), or null. */
export function parseHash(hash: string): { view: ViewName; bdf: string | null } | null {
  const m = /^#\/(overview|device|log|bringup)(?:\/([0-9a-f:.]+))?$/.exec(hash);
  return m ? { view: m[1] as ViewName, bdf: m[2] ?? null } : null;
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
    const at = parseHash(hash);
    if (at) open(at.view, at.bdf ?? bdf.value);
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
