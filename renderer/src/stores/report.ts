// SPDX-License-Identifier: MIT
import { defineStore, acceptHMRUpdate } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { LabError } from '../../../common/errors.js';
import type { ReportReply } from '../../../common/ipc/contract.js';
import { lab } from '../api/lab.js';
import type { Raster } from '../capture/rasterise.js';

export type ReportState = 'idle' | 'capturing' | 'collecting' | 'done' | 'error';

export interface Download { name: string; url: string; bytes: number; what: string }

/**
 * How the page captures itself (replaceable in tests, where there is no canvas). The page's own
 * rasteriser is loaded with the first report (its own chunk).
 */
const rasterise = async (): Promise<Raster> => (await import('../capture/rasterise.js')).rasterisePage();
let capture: () => Promise<Raster> = rasterise;
export function setCapture(fn: (() => Promise<Raster>) | null): void { capture = fn ?? rasterise; }

function blobUrl(data: BlobPart, type: string): string {
  return typeof URL.createObjectURL === 'function' ? URL.createObjectURL(new Blob([data], { type })) : '';
}

function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The bug-report bundle: capture the page (serve mode), ask the core to write it, offer downloads. */
export const useReportStore = defineStore('report', () => {
  const state = ref<ReportState>('idle');
  const step = ref('');
  const done = ref(0);
  const total = ref(0);
  const reply = shallowRef<ReportReply | null>(null);
  const error = shallowRef<LabError | null>(null);
  const captureNote = ref<string | null>(null);
  const downloads = shallowRef<Download[]>([]);
  const redact = ref(false);
  let off: (() => void) | null = null;
  /** What had the keyboard when the report was asked for: it gets it back when the dialog closes. */
  let opener: HTMLElement | null = null;

  /** The dialog stays closed while the page is being captured, so the picture shows the page. */
  const open = computed(() => state.value === 'collecting' || state.value === 'done' || state.value === 'error');

  function revoke(): void {
    for (const d of downloads.value) if (d.url && typeof URL.revokeObjectURL === 'function') URL.revokeObjectURL(d.url);
    downloads.value = [];
  }

  async function create(bdf: string | null): Promise<void> {
    if (state.value === 'capturing' || state.value === 'collecting') return;
    // Taken now: the Report button is disabled while the core collects, which takes the focus off it.
    const a = typeof document !== 'undefined' ? document.activeElement : null;
    if (!open.value) opener = a instanceof HTMLElement && a !== document.body ? a : null;
    revoke();
    reply.value = null; error.value = null; captureNote.value = null;
    step.value = 'capturing the page'; done.value = 0; total.value = 0;
    state.value = 'capturing';
    const electron = lab().transport === 'electron';
    off?.();
    off = lab().onEvent((e) => {
      if (e.type !== 'progress' || e.op !== 'createReport') return;
      step.value = e.step; done.value = e.done; total.value = e.total;
      // Electron: the main process captures the window at step 0; show the dialog after it.
      if (state.value === 'capturing' && e.done >= 1) state.value = 'collecting';
    });
    let png: string | undefined;
    if (!electron) {
      try {
        const r = await capture();
        png = r.dataUrl;
        captureNote.value = `page rasterised in the browser: ${r.width}×${r.height} px`;
      } catch (e) {
        captureNote.value = `the page could not be captured (${e instanceof Error ? e.message : String(e)}); the report has no picture`;
      }
      state.value = 'collecting';
    }
    const r = await lab().call('createReport', { ...(bdf ? { bdf } : {}), ...(png ? { png } : {}), ...(redact.value ? { redact: true } : {}) });
    off?.(); off = null;
    if (!r.ok) { error.value = r.error; state.value = 'error'; return; }
    reply.value = r.value;
    const dl: Download[] = [];
    const size = (name: string) => r.value.files.find((f) => f.name === name)?.bytes ?? 0;
    const txt = r.value.files.find((f) => f.name.endsWith('.txt'))?.name ?? 'report.txt';
    dl.push({ name: txt, url: blobUrl(r.value.text, 'text/plain;charset=utf-8'), bytes: size(txt) || r.value.text.length, what: 'text report' });
    const snap = fromBase64(r.value.snapshotBase64);
    dl.push({ name: r.value.snapshotName, url: blobUrl(snap, 'application/octet-stream'), bytes: snap.length, what: 'snapshot' });
    const pngFile = r.value.files.find((f) => f.name.endsWith('.png'));
    if (png) {
      const bytes = fromBase64(png.slice(png.indexOf(',') + 1));
      dl.push({ name: pngFile?.name ?? 'window.png', url: blobUrl(bytes, 'image/png'), bytes: bytes.length, what: 'picture of the page' });
    }
    downloads.value = dl;
    if (electron && r.value.png) captureNote.value = `window captured by Electron: ${r.value.png.width}×${r.value.png.height} px`;
    state.value = 'done';
  }

  function close(): void { state.value = 'idle'; revoke(); }

  /** The element to give the keyboard back to (once). */
  function takeOpener(): HTMLElement | null { const o = opener; opener = null; return o; }

  return { state, step, done, total, reply, error, captureNote, downloads, redact, open, create, close, takeOpener };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useReportStore, import.meta.hot));
