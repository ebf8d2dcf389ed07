// SPDX-License-Identifier: MIT
import fs from 'node:fs';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { setCapture, useReportStore } from '../../renderer/src/stores/report.js';
import ReportDialog from '../../renderer/src/components/ReportDialog.vue';
import { settle, sim } from './helpers.js';
import { installEdit, type EditLab } from './edit-helpers.js';
import { setLabClient } from '../../renderer/src/api/lab.js';
import type { Result } from '../../common/errors.js';

let lab: EditLab | null = null;
afterEach(async () => { setCapture(null); await lab?.close(); lab = null; });

/** A real w×h greyscale PNG (happy-dom has no canvas to rasterise with). */
function png(w: number, h: number): string {
  const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
  const crc = (b: Buffer) => { let c = 0xffffffff; for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type: string, data: Buffer) => {
    const t = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(t));
    return Buffer.concat([len, t, c]);
  };
  const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 0;
  const raw = Buffer.alloc((w + 1) * h, 0x80);
  for (let y = 0; y < h; y++) raw[y * (w + 1)] = 0;
  const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
  return `data:image/png;base64,${bytes.toString('base64')}`;
}

describe('report dialog', () => {
  it('serve mode: rasterises, shows progress, then where it was written, the text report and downloads', async () => {
    lab = installEdit(sim('arm64-its-smmuv3'), { transport: 'websocket' });
    const bdf = (await lab.backend.devices()).find((d) => d.vectorCount > 0)!.bdf;
    let captured = 0;
    setCapture(async () => { captured++; return { dataUrl: png(40, 30), width: 40, height: 30, svgBytes: 0 }; });
    const rep = useReportStore();
    const w = mount(ReportDialog);
    const steps: string[] = [];
    lab.session.onEvent((e) => { if (e.type === 'progress') steps.push(e.step); });
    const seen: string[] = [];
    const stop = setInterval(() => seen.push(rep.state), 0);
    const p = rep.create(bdf);
    expect(rep.state).toBe('capturing');
    expect(w.find('[data-testid="report-dialog"]').exists()).toBe(false); // the picture must not show the dialog
    await p;
    clearInterval(stop);
    await settle();
    expect(captured).toBe(1);
    expect(steps.length).toBeGreaterThan(1);
    expect(rep.state).toBe('done');
    const reply = rep.reply!;
    expect(reply.png).toEqual({ source: 'page-rasteriser', width: 40, height: 30 });
    const d = w.find('[data-testid="report-dialog"]');
    expect(d.attributes('data-state')).toBe('done');
    expect(d.find('[data-testid="report-dir"]').text()).toBe(reply.dir);
    for (const f of reply.files) { expect(d.find('[data-testid="report-files"]').text()).toContain(f.path); expect(fs.existsSync(f.path)).toBe(true); }
    expect(reply.files.map((f) => f.name).some((n) => n.endsWith('.png'))).toBe(true);
    expect(d.find('[data-testid="report-text"]').text()).toBe(reply.text.trim());
    expect(reply.text).toContain(bdf);
    const links = d.findAll('.downloads a');
    expect(links.map((a) => a.attributes('download'))).toEqual([reply.files.find((f) => f.name.endsWith('.txt'))!.name, reply.snapshotName, reply.files.find((f) => f.name.endsWith('.png'))!.name]);
    await d.find('[data-testid="report-close"]').trigger('click');
    expect(w.find('[data-testid="report-dialog"]').exists()).toBe(false);
  });

  it('the progress state is shown while the core collects', async () => {
    lab = installEdit(sim('x86-noir'), { transport: 'electron' });
    const rep = useReportStore();
    const w = mount(ReportDialog);
    let sawProgress = false;
    const p = rep.create(null);
    // Registered after the store's own listener, so the store has seen the event first.
    lab.session.onEvent((e) => {
      if (e.type === 'progress' && e.done >= 1 && e.done < e.total) {
        // Synchronously after the event the store has left 'capturing'.
        sawProgress = rep.state === 'collecting' && rep.open && rep.step === e.step;
      }
    });
    await p;
    await settle();
    expect(sawProgress).toBe(true);
    expect(rep.state).toBe('done');
    // Electron: the window is captured by the main process; the page sends no PNG (none here: no window).
    expect(rep.reply!.png).toBeNull();
    expect(w.findAll('.downloads a')).toHaveLength(2);
  });

  it('a failed capture still writes the report without a picture; a failed write shows the error', async () => {
    lab = installEdit(sim('x86-noir'), { transport: 'websocket' });
    setCapture(async () => { throw new Error('no canvas'); });
    const rep = useReportStore();
    const w = mount(ReportDialog);
    await rep.create(null);
    await settle();
    expect(rep.state).toBe('done');
    expect(w.find('[data-testid="report-capture"]').text()).toContain('no canvas');
    expect(rep.reply!.png).toBeNull();
    await lab.close();
    // A state directory that is a file: the bundle cannot be written.
    const file = `${(await import('node:os')).tmpdir()}/doorbell-not-a-dir-${process.pid}`;
    fs.writeFileSync(file, 'x');
    try {
      lab = installEdit(sim('x86-noir'), { transport: 'electron', stateDir: file });
      const rep2 = useReportStore();
      const w2 = mount(ReportDialog);
      await rep2.create(null);
      await settle();
      expect(rep2.state).toBe('error');
      expect(w2.find('[data-testid="report-error"]').text()).toContain(rep2.error!.message);
    } finally { fs.rmSync(file, { force: true }); }
  });
});

describe('report dialog as a modal', () => {
  const key = (k: string, shiftKey = false) => document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey, bubbles: true, cancelable: true }));

  it('takes the keyboard when it opens, keeps Tab and Shift+Tab inside, Escape closes it and the keyboard goes back to the opener', async () => {
    lab = installEdit(sim('x86-noir'), { transport: 'websocket' });
    setCapture(async () => ({ dataUrl: png(4, 3), width: 4, height: 3, svgBytes: 0 }));
    const page = document.createElement('div');
    page.innerHTML = '<button id="opener">Report…</button><button id="behind">behind</button>';
    document.body.appendChild(page);
    const w = mount(ReportDialog, { attachTo: document.body });
    try {
      const opener = document.getElementById('opener')!;
      opener.focus();
      const rep = useReportStore();
      await rep.create(null);
      await settle();
      const dialog = document.querySelector('[data-testid="report-dialog"]')!;
      expect(dialog.contains(document.activeElement)).toBe(true);
      expect(document.activeElement!.getAttribute('data-testid')).toBe('report-close');
      const inside = Array.from(dialog.querySelectorAll<HTMLElement>('a[href], button, [tabindex="0"]'));
      const first = inside[0]!, last = inside[inside.length - 1]!;
      expect(first.getAttribute('data-testid')).toBe('report-close');
      expect(last.getAttribute('data-testid')).toBe('report-text');
      // Shift+Tab on the first goes round to the last, Tab on the last to the first.
      expect(key('Tab', true)).toBe(false);
      expect(document.activeElement).toBe(last);
      expect(key('Tab')).toBe(false);
      expect(document.activeElement).toBe(first);
      // Focus that lands behind the dialog (a click on the page) is brought back in.
      document.getElementById('behind')!.focus();
      await settle();
      expect(dialog.contains(document.activeElement)).toBe(true);
      key('Escape');
      await settle();
      expect(rep.state).toBe('idle');
      expect(w.find('[data-testid="report-dialog"]').exists()).toBe(false);
      expect(document.activeElement).toBe(opener);
    } finally { w.unmount(); page.remove(); }
  });

  it('while the core writes the report: the keyboard is on the dialog, Tab stays there, Escape says why it does not close', async () => {
    lab = installEdit(sim('x86-noir'), { transport: 'websocket' });
    setCapture(async () => ({ dataUrl: png(4, 3), width: 4, height: 3, svgBytes: 0 }));
    // A core that has not answered yet.
    let answer: ((r: Result<never>) => void) | null = null;
    const real = lab.session;
    setLabClient({
      transport: 'websocket',
      call: (m, req) => (m === 'createReport' ? new Promise<Result<never>>((r) => { answer = r; }) : real.dispatch(m, req) as Promise<Result<never>>),
      onEvent: (l) => real.onEvent(l),
      onConnection: (l) => { l(true); return () => {}; },
    });
    const opener = document.createElement('button');
    document.body.appendChild(opener);
    const w = mount(ReportDialog, { attachTo: document.body });
    try {
      opener.focus();
      const rep = useReportStore();
      const p = rep.create(null);
      await settle();
      expect(rep.state).toBe('collecting');
      const dialog = document.querySelector<HTMLElement>('[data-testid="report-dialog"]')!;
      expect(document.activeElement).toBe(dialog);
      expect(key('Tab')).toBe(false);
      expect(document.activeElement).toBe(dialog);
      key('Escape');
      await settle();
      expect(rep.state).toBe('collecting');
      expect(w.find('[data-testid="report-notice"]').text()).toBe('The report is still being written: Escape closes this dialog once it is done.');
      answer!({ ok: false, error: { op: 'write report', errno: 28, errnoName: 'ENOSPC', message: 'no space left on device', hint: 'Free some space.' } } as never);
      await p;
      await settle();
      expect(rep.state).toBe('error');
      expect(w.find('[data-testid="report-notice"]').exists()).toBe(false);
      expect(document.activeElement!.getAttribute('data-testid')).toBe('report-close');
      key('Escape');
      await settle();
      expect(rep.state).toBe('idle');
      expect(document.activeElement).toBe(opener);
    } finally { w.unmount(); opener.remove(); }
  });
});
