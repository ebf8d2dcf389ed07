// SPDX-License-Identifier: MIT
// The device page: over a connection that drops and comes back (serve: a stalled tunnel, or the
// server dropping a page that stopped reading) the table is read again, not left as it was; the
// keyboard's way into a vector's details and back.
import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import DeviceView from '../../../renderer/src/views/DeviceView.vue';
import { lab as client, setLabClient, type LabClient } from '../../../renderer/src/api/lab.js';
import { install, settle, sim, type Installed } from '../helpers.js';
import type { LabMethod } from '../../../common/ipc/contract.js';

let lab: Installed | null = null;
afterEach(async () => { await lab?.close(); lab = null; });

/** The page's real client, with a connection the test drops and restores, and the calls it made. */
function flaky(): { calls: { method: LabMethod; req: unknown }[]; drop(): void; restore(): void } {
  const base = client();
  const listeners = new Set<(up: boolean) => void>();
  const calls: { method: LabMethod; req: unknown }[] = [];
  const c: LabClient = {
    ...base,
    call: (method, req) => { calls.push({ method, req }); return base.call(method, req); },
    onConnection: (l) => { listeners.add(l); l(true); return () => listeners.delete(l); },
  };
  setLabClient(c);
  return { calls, drop: () => listeners.forEach((l) => l(false)), restore: () => listeners.forEach((l) => l(true)) };
}

describe('DeviceView', () => {
  it('reads the table again when the connection comes back, and only then', async () => {
    const b = sim();
    lab = install(b);
    const conn = flaky();
    const bdf = '0000:01:00.0';
    const w = mount(DeviceView, { props: { bdf }, attachTo: document.body });
    await settle();
    const reads = () => conn.calls.filter((c) => c.method === 'getVectors').length;
    const opened = reads();
    expect(opened).toBe(1);
    const v = (await b.vectors(bdf)).vectors.find((x) => x.irq !== null && x.effective.ok)!;
    const cell = () => w.find(`tr[data-index="${v.index}"]`).findAll('td')[10]!.text();
    const before = cell();
    // While the page is cut off, the vector moves; no event reaches it.
    conn.drop();
    const target = v.effective.ok && v.effective.value[0] === 3 ? '2' : '3';
    const moved = b.kernelOps!()!.writeAffinity(v.irq!, target);
    expect(moved.ok).toBe(true);
    await settle();
    expect(reads()).toBe(opened);
    expect(cell()).toBe(before);
    conn.restore();
    await settle();
    expect(reads()).toBe(opened + 1);
    expect(cell()).toBe(target);
    w.unmount();
  });

  it('Enter on a row brings its details into view; Close puts the keyboard back on that row', async () => {
    lab = install(sim());
    const shown: Element[] = [];
    const real = Element.prototype.scrollIntoView;
    Element.prototype.scrollIntoView = function (this: Element) { shown.push(this); };
    try {
      const w = mount(DeviceView, { props: { bdf: '0000:01:00.0' }, attachTo: document.body });
      await settle();
      await w.find('tr[data-index="1"]').trigger('click');
      await w.find('[data-testid="vector-scroll"]').trigger('keydown', { key: 'Enter' });
      await settle();
      const detail = w.find('[data-testid="vector-detail"]');
      expect(detail.text()).toMatch(/Vector 1/);
      // The details open below the table, out of sight in a short window.
      expect(shown).toContain(detail.element);
      await detail.findAll('button').find((b) => b.text() === 'Close')!.trigger('click');
      await settle();
      expect(w.find('[data-testid="vector-detail"]').exists()).toBe(false);
      expect(document.activeElement).toBe(w.find('tr[data-index="1"]').element);
      w.unmount();
    } finally {
      Element.prototype.scrollIntoView = real;
    }
  });
});
