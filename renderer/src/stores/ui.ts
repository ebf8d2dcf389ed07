// SPDX-License-Identifier: MIT
import { defineStore, acceptHMRUpdate } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import { BDF_RE } from '../../../common/ipc/schema.js';

export type ViewName = 'overview' | 'device' | 'log' | 'bringup';
export type Theme = 'dark' | 'light';

/** A stored preference, or null where storage is unavailable (disabled, or it throws). */
export function stored(key: string): string | null {
  try { return window.localStorage.getItem(key); } catch { return null; }
}
export function store(key: string, v: string): void {
  try { window.localStorage.setItem(key, v); } catch { /* storage may be disabled; the choice lasts for the page */ }
}

function initialTheme(): Theme {
  const s = stored('doorbell.theme');
  if (s === 'dark' || s === 'light') return s;
  return typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

/** Where a URL hash points: a view (with its device), or why it points nowhere. */
export type Route =
  | { ok: true; view: ViewName; bdf: string | null }
  | { ok: false; hash: string; why: 'unknown' | 'no-bdf' | 'bad-bdf'; view?: ViewName; text?: string };

/** Views that show one device: their hash must name it (#/device/0000:01:00.0). */
export function needsDevice(v: ViewName): boolean { return v === 'device' || v === 'bringup'; }

/**
 * Reads a URL hash. The empty hash is the overview; a device is named by its PCI address as
 * sysfs spells it, accepted also as lspci prints it by default (no domain: 01:00.0) or in upper
 * case, and returned in the kernel's form (0000:01:00.0), which is what every request checks.
 */
export function route(hash: string): Route {
  if (hash === '' || hash === '#' || hash === '#/') return { ok: true, view: 'overview', bdf: null };
  const m = /^#\/(overview|device|log|bringup)(?:\/([^/]*))?\/?$/.exec(hash);
  if (!m) return { ok: false, hash, why: 'unknown' };
  const view = m[1] as ViewName;
  let text = m[2] ?? '';
  try { text = decodeURIComponent(text); } catch { /* shown as typed */ }
  if (!needsDevice(view)) return text ? { ok: false, hash, why: 'unknown' } : { ok: true, view, bdf: null };
  if (!text) return { ok: false, hash, why: 'no-bdf', view };
  const bdf = (/^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(text) ? `0000:${text}` : text).toLowerCase();
  return BDF_RE.test(bdf) ? { ok: true, view, bdf } : { ok: false, hash, why: 'bad-bdf', view, text };
}

/** The view and device a URL hash names (#/device/0000:01:00.0), or null. */
export function parseHash(hash: string): { view: ViewName; bdf: string | null } | null {
  const r = route(hash);
  return r.ok ? { view: r.view, bdf: r.bdf } : null;
}

/**
 * Where the user is: the view and the selected device, mirrored in the URL hash; or a hash that
 * names no view (App says why, in the page, until the user goes somewhere).
 */
export const useUiStore = defineStore('ui', () => {
  const view = ref<ViewName>('overview');
  const bdf = ref<string | null>(null);
  const bad = shallowRef<Extract<Route, { ok: false }> | null>(null);
  const theme = ref<Theme>(initialTheme());
  const hex = ref(stored('doorbell.hex') !== 'dec');

  function open(v: ViewName, device: string | null = bdf.value) {
    view.value = v;
    bdf.value = device;
    bad.value = null;
  }

  function fromHash(hash: string) {
    const at = route(hash);
    if (at.ok) open(at.view, at.bdf ?? bdf.value);
    else bad.value = at;
  }

  /** The hash of what is shown: a bad hash stays as typed, so the message and the URL agree. */
  function toHash(): string {
    if (bad.value) return bad.value.hash;
    return `#/${view.value}${needsDevice(view.value) && bdf.value ? `/${bdf.value}` : ''}`;
  }

  function toggleTheme() { theme.value = theme.value === 'dark' ? 'light' : 'dark'; }

  watch(theme, (t) => { document.documentElement.dataset.theme = t; store('doorbell.theme', t); }, { immediate: true });
  watch(hex, (h) => store('doorbell.hex', h ? 'hex' : 'dec'));

  return { view, bdf, bad, theme, hex, open, fromHash, toHash, toggleTheme };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useUiStore, import.meta.hot));
