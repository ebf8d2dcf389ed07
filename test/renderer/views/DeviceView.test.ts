// SPDX-License-Identifier: MIT
// The device page: over a connection that drops and comes back (serve: a stalled tunnel, or the
// server dropping a page that stopped reading) the table is read again, not left as it was; the
// keyboard's way into a vector's details and back; the column chooser.
import { afterEach, describe, expect, it } from 'vitest';
import { mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
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

const ALL = ['#', 'IRQ', 'Chip', 'hwirq', 'Address', 'Data', 'Mask', 'Decoded target', 'Eventfd', 'Affinity', 'Effective', 'Count', 'Rate/s', 'CPUs', 'History'];
/** The vector table's headings, without the heatmap's "(n/cell)". */
const heads = (w: VueWrapper) => w.findAll('[data-testid="vectors"] thead th').map((th) => th.text().replace(/ \(.*/, ''));

describe('DeviceView: the vector table\'s columns', () => {
  afterEach(() => window.localStorage.clear());

  /** The page as a reload finds it: a new set of stores, reading what the last page stored. */
  async function reload(bdf = '0000:01:00.0') {
    setActivePinia(createPinia());
    const w = mount(DeviceView, { props: { bdf }, attachTo: document.body });
    await settle();
    return w;
  }

  it('Columns… hides and shows columns, for every device and across a reload; # stays; the label says what is hidden or off-screen; the copies keep every column', async () => {
    lab = install(sim());
    let w = await reload();
    const box = (id: string) => w.find(`[data-testid="column-${id}"] input`);
    const label = () => w.find('[data-testid="columns-toggle"]').text();
    const copyRow = async () => {
      await w.find('tr[data-index="0"]').trigger('click');
      await w.findAll('button').find((b) => b.text() === 'Copy row')!.trigger('click');
      await settle();
      return (w.find('[data-testid="copy-buffer"]').element as HTMLTextAreaElement).value;
    };
    expect(heads(w)).toEqual(ALL);
    // No column is hidden until asked; in this 1024 px window the table's last ones are past the edge, and the label says so.
    expect(window.innerWidth).toBe(1024);
    expect(label()).toMatch(/^Columns… \([2-9] off-screen\)$/);
    const copied = await copyRow();
    const v0 = (await lab.backend.vectors('0000:01:00.0')).vectors[0]!;
    expect(copied).toContain(`\t${v0.chip}\t`);
    // # cannot be hidden.
    expect(box('index').attributes('disabled')).toBeDefined();
    expect((box('index').element as HTMLInputElement).checked).toBe(true);
    const hide = ['chip', 'hwirq', 'address', 'data', 'mask', 'decoded'];
    for (const id of hide) await box(id).setValue(false);
    expect(heads(w)).toEqual(ALL.filter((h) => !['Chip', 'hwirq', 'Address', 'Data', 'Mask', 'Decoded target'].includes(h)));
    // Now the table fits: the label counts the hidden columns only.
    expect(label()).toBe('Columns… (6 hidden)');
    expect(JSON.parse(window.localStorage.getItem('doorbell.columns')!)).toEqual(hide);
    // A copied row is the whole row still, the chip of it too.
    expect(await copyRow()).toBe(copied);
    w.unmount();

    // Reloaded, and on another device: the same columns hidden.
    w = await reload('0000:02:00.0');
    expect(heads(w)).toEqual(ALL.filter((h) => !['Chip', 'hwirq', 'Address', 'Data', 'Mask', 'Decoded target'].includes(h)));
    expect(hide.map((id) => (box(id).element as HTMLInputElement).checked)).toEqual(hide.map(() => false));
    // The heatmap's rate/count choice does nothing while the CPUs column is hidden: it says so.
    const mode = () => w.find('[data-testid="heat-mode"]');
    expect(mode().attributes('disabled')).toBeUndefined();
    await box('heat').setValue(false);
    expect(mode().attributes('disabled')).toBeDefined();
    await w.find('[data-testid="columns-show-all"]').trigger('click');
    expect(heads(w)).toEqual(ALL);
    expect(mode().attributes('disabled')).toBeUndefined();
    expect(window.localStorage.getItem('doorbell.columns')).toBe('[]');
    expect(w.find('[data-testid="columns-show-all"]').attributes('disabled')).toBeDefined();
    w.unmount();
  });

  it('Escape closes the chooser and gives the keyboard back to its button', async () => {
    lab = install(sim());
    const w = await reload();
    const details = w.find('[data-testid="columns"]').element as HTMLDetailsElement;
    details.open = true;
    const irq = w.find('[data-testid="column-irq"] input');
    (irq.element as HTMLElement).focus();
    await irq.trigger('keydown', { key: 'Escape' });
    expect(details.open).toBe(false);
    expect(document.activeElement).toBe(w.find('[data-testid="columns-toggle"]').element);
    w.unmount();
  });

  it('ignores a stored choice it cannot read, names no column has, and #; keeps working where storage throws', async () => {
    lab = install(sim());
    const withStored = async (value: string) => {
      window.localStorage.setItem('doorbell.columns', value);
      const w = await reload();
      const h = heads(w);
      w.unmount();
      return h;
    };
    for (const bad of ['', '{"chip"', '"chip"', '{"chip":true}', 'null', '42']) expect(await withStored(bad), bad).toEqual(ALL);
    expect(await withStored('["chip", "bogus", 7, null, "index", "CPUs"]')).toEqual(ALL.filter((h) => h !== 'Chip'));
    // Storage disabled (reading window.localStorage throws): every column, and a choice holds for the page.
    const own = Object.getOwnPropertyDescriptor(window, 'localStorage');
    Object.defineProperty(window, 'localStorage', { configurable: true, get() { throw new DOMException('The operation is insecure.', 'SecurityError'); } });
    try {
      const w = await reload();
      expect(heads(w)).toEqual(ALL);
      await w.find('[data-testid="column-chip"] input').setValue(false);
      expect(heads(w)).toEqual(ALL.filter((h) => h !== 'Chip'));
      w.unmount();
    } finally {
      if (own) Object.defineProperty(window, 'localStorage', own); else delete (window as { localStorage?: Storage }).localStorage;
    }
    expect(window.localStorage.getItem('doorbell.columns')).toBe('["chip", "bogus", 7, null, "index", "CPUs"]');
  });
});
