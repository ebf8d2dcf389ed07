// SPDX-License-Identifier: MIT
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import VectorTable from '../../../renderer/src/components/VectorTable.vue';
import { FIRST_ROWS, useDeviceStore } from '../../../renderer/src/stores/device.js';
import { useLabStore } from '../../../renderer/src/stores/lab.js';
import { useUiStore } from '../../../renderer/src/stores/ui.js';
import { useColumnsStore } from '../../../renderer/src/stores/columns.js';
import { cpuBins } from '../../../renderer/src/components/cpubins.js';
import { rateText } from '../../../renderer/src/components/format.js';
import { maxIn, readFail, statsAt } from '../../../common/model/index.js';
import { install, SCALE_SCENARIO, settle, sim, type Installed } from '../helpers.js';

let lab: Installed | null = null;
afterEach(async () => { await lab?.close(); lab = null; window.localStorage.clear(); });

/** A simulated lab with the device at `bdf` open in the device store (its first rows read). */
async function openDevice(bdf: string, scenario?: string) {
  const b = sim(scenario);
  lab = install(b);
  await useLabStore().load();
  const dev = useDeviceStore();
  await dev.open(bdf);
  return { b, dev };
}

/** The scale scenario's 2048-vector device, its table mounted once the lab and the first rows are read. */
async function mountScale() {
  const { b, dev } = await openDevice('0000:01:00.0', SCALE_SCENARIO);
  const want = (await b.vectors('0000:01:00.0')).vectors;
  const w = mount(VectorTable, { attachTo: document.body });
  await settle();
  return { dev, want, w };
}

describe('VectorTable over a 2048-vector, 512-CPU simulated lab', () => {
  it('renders only the rows in view, follows the keyboard to the last vector, and fits 512 CPUs', async () => {
    const { dev, want, w } = await mountScale();
    const n = want.length;
    expect(w.find('[data-testid="vectors"]').attributes('data-rows')).toBe(String(n));
    const rows = w.findAll('tr[data-index]');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(n / 10);
    // Heatmap: 512 CPUs in at most 48 cells plus one gap per NUMA node boundary.
    const cpus = useLabStore().cpus!;
    expect(cpus.online.length).toBe(512);
    const bins = cpuBins(cpus, 512, 48);
    expect(bins.bins.flatMap((x) => x.cpus).sort((a, c) => a - c)).toEqual(cpus.possible);
    expect(bins.bins.length).toBeLessThanOrEqual(48);
    expect(new Set(bins.bins.map((x) => x.node)).size).toBe(cpus.nodes.length);
    // Keyboard: End selects the last vector and brings it into the DOM.
    await rows[0]!.trigger('click');
    await w.find('[data-testid="vector-scroll"]').trigger('keydown', { key: 'End' });
    await nextTick();
    expect(dev.selected).toBe(n - 1);
    const scroller = w.find('[data-testid="vector-scroll"]').element as HTMLElement;
    scroller.dispatchEvent(new Event('scroll'));
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    await nextTick();
    expect(w.find(`tr[data-index="${n - 1}"]`).exists()).toBe(true);
    expect(w.findAll('tr[data-index]').length).toBeLessThan(n / 10);
    await w.find('[data-testid="vector-scroll"]').trigger('keydown', { key: 'ArrowUp' });
    expect(dev.selected).toBe(n - 2);
    w.unmount();
  });

  it('shows each vector\'s decoded ITS target and toggles hex/decimal', async () => {
    const { b, dev } = await openDevice('0000:04:00.0');
    const want = (await b.vectors('0000:04:00.0')).vectors;
    const w = mount(VectorTable);
    await settle();
    const cells = () => w.findAll('[data-col="decoded"]').map((c) => c.text());
    expect(cells()).toHaveLength(want.length);
    for (const [i, v] of want.entries()) {
      expect(v.decoded.kind).toBe('its');
      if (v.decoded.kind === 'its') expect(cells()[i]).toBe(`ITS ${v.decoded.doorbell} EventID 0x${v.decoded.eventId.toString(16)}`);
    }
    useUiStore().hex = false;
    await nextTick();
    for (const [i, v] of want.entries()) if (v.decoded.kind === 'its') expect(cells()[i]).toBe(`ITS ${v.decoded.doorbell} EventID ${v.decoded.eventId}`);
    // Hovering a row marks it for the address map.
    await w.find('tr[data-index="1"]').trigger('mouseenter');
    expect(dev.hovered).toBe(1);
    w.unmount();
  });

  it('a tick redraws each row\'s live cells (count, rate, heat on the shared scale, history) and leaves the rest of the row as drawn', async () => {
    // The host-driven NVMe fires under seeded traffic.
    const { b, dev } = await openDevice('0000:02:00.0');
    lab.session.onEvent((e) => { if (e.type === 'counts') dev.applyDelta(e.delta); });
    // The once-a-second clock of the tooltips' ages stays still: only the ticks may redraw here.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const w = mount(VectorTable, { attachTo: document.body });
    vi.useRealTimers();
    await settle();
    const rows = () => w.findAll('tr[data-index]');
    const fixed = () => rows().map((r) => r.findAll('td').filter((td) => !td.attributes('data-col')?.match(/^(count|rate|heat|history)$/)).map((td) => td.html()));
    const before = fixed();
    await lab.session.tick();
    const maxima = new Set<number>();
    for (let t = 1; t <= 3; t++) {
      b.advance(700 * t);
      const d = (await lab.session.tick())!;
      await nextTick();
      const max = maxIn(dev.rates);
      maxima.add(max);
      let top = 0;
      for (const r of rows()) {
        const v = dev.table!.vectors[Number(r.attributes('data-index'))]!;
        const fired = v.irq !== null && v.irq in d.changed;
        expect(r.find('[data-col="count"]').text()).toBe(String(fired ? statsAt(d.changed, v.irq!).sum : dev.countStats(v).sum));
        expect(r.find('[data-col="rate"]').text()).toBe(rateText(fired ? statsAt(d.rates, v.irq!).sum : 0));
        // Every row's heat is drawn on this tick's scale: the hottest cell anywhere is fully opaque.
        for (const c of r.findAll('[data-col="heat"] rect.cellv')) top = Math.max(top, Number(c.attributes('fill-opacity')));
        // One point per tick since the table was opened (a line from the second on).
        const line = r.find('[data-col="history"] polyline');
        if (v.irq !== null) expect(line.exists() ? line.attributes('points')!.split(' ').length : 0).toBe(t > 1 ? t : 0);
      }
      expect(top).toBeCloseTo(1, 9);
    }
    expect(maxima.size).toBeGreaterThan(1);
    expect(fixed()).toEqual(before);
    w.unmount();
  });

  it('the ages in a row\'s tooltips are right whenever they can show: on hover, and once a second while hovered, with or without ticks', async () => {
    await openDevice('0000:02:00.0');
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    try {
      const w = mount(VectorTable, { attachTo: document.body });
      await settle();
      const affinity = (i: number) => w.find(`tr[data-index="${i}"]`).findAll('td.mono')[2]!.attributes('title') ?? '';
      const html = (i: number) => w.find(`tr[data-index="${i}"]`).html();
      expect(affinity(0)).toMatch(/\((just now|\d+ s ago)\)/);
      const quiet = html(1);
      // Hovered: the row's ages move on with the clock.
      await w.find('tr[data-index="0"]').trigger('mouseenter');
      vi.setSystemTime(Date.now() + 42_000);
      vi.advanceTimersByTime(1000);
      await nextTick();
      expect(affinity(0)).toMatch(/\(4[23] s ago\)/);
      // A row nobody points at is not redrawn by the clock (that cost every row in view a
      // re-render each second)…
      expect(html(1)).toBe(quiet);
      // …and is redrawn with the ages of now as soon as the pointer reaches it.
      await w.find('tr[data-index="0"]').trigger('mouseleave');
      await w.find('tr[data-index="1"]').trigger('mouseenter');
      expect(affinity(1)).toMatch(/\(4[23] s ago\)/);
      w.unmount();
    } finally {
      vi.useRealTimers();
    }
  });

  it('cuts long cells to their column in text, with the whole value in the tooltip (no clip per cell)', async () => {
    const { want, w } = await mountScale();
    const row = w.find('tr[data-index="0"]');
    const chip = row.findAll('td')[2]!;
    const v0 = want.find((v) => v.index === 0)!;
    // 104 px less padding at ~7.3 px a character: a per-device ITS chip name does not fit.
    expect(v0.chip!.length).toBeGreaterThan(13);
    expect(chip.text()).toBe(`${v0.chip!.slice(0, chip.text().length - 1)}…`);
    expect(chip.attributes('title')).toMatch(new RegExp(`^${v0.chip!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n\ndomain chain: `));
    // Cells that fit are shown whole, with no tooltip added.
    const irq = row.findAll('td')[1]!;
    expect(irq.text()).toBe(String(v0.irq));
    expect(irq.attributes('title')).toBeUndefined();
    w.unmount();
  });

  it('paints the first window of rows before the whole table is read, then fills in the rest', async () => {
    const b = sim(SCALE_SCENARIO);
    lab = install(b);
    await useLabStore().load();
    const dev = useDeviceStore();
    const asked: unknown[] = [];
    const dispatch = lab.session.dispatch.bind(lab.session);
    // The whole table is read only when the test lets it: the page must draw the window alone first.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    lab.session.dispatch = async (m, r, c) => {
      if (m === 'getVectors') { asked.push(r); if ((r as { count?: number }).count === undefined) await gate; }
      return dispatch(m, r, c);
    };
    const opened = dev.open('0000:01:00.0');
    // Until the first window arrives nothing is drawn; once it has, it is on screen alone.
    await new Promise<void>((resolve) => { const t = setInterval(() => { if (dev.table) { clearInterval(t); resolve(); } }, 1); });
    const n = (await b.vectors('0000:01:00.0')).vectors.length;
    expect(dev.table!.vectors).toHaveLength(FIRST_ROWS);
    expect(dev.table!.window).toEqual({ first: 0, total: n });
    expect(dev.rowCount).toBe(n);
    expect(dev.complete).toBe(false);
    const w = mount(VectorTable, { attachTo: document.body });
    await nextTick();
    const table = w.find('[data-testid="vectors"]');
    expect(table.attributes('data-rows')).toBe(String(n));
    expect(table.attributes('data-loaded')).toBe(String(FIRST_ROWS));
    // Scrolled past the window: a loading row stands where the unread rows go, the height is the whole table's.
    const scroller = w.find('[data-testid="vector-scroll"]').element as HTMLElement;
    scroller.scrollTop = 200 * 26;
    scroller.dispatchEvent(new Event('scroll'));
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    await nextTick();
    expect(w.find('[data-testid="rows-loading"]').text()).toContain(`reading the other ${n - FIRST_ROWS} vectors`);
    // End while the rest is still being read: the last vector is selected, and focused once it is read.
    await w.find('[data-testid="vector-scroll"]').trigger('keydown', { key: 'End' });
    expect(dev.selected).toBe(n - 1);
    release();
    await opened;
    await nextTick(); await nextTick();
    expect(document.activeElement?.getAttribute('data-index')).toBe(String(n - 1));
    expect(dev.complete).toBe(true);
    expect(dev.table!.vectors).toHaveLength(n);
    expect(dev.table!.window).toBeNull();
    await nextTick();
    expect(w.find('[data-testid="rows-loading"]').exists()).toBe(false);
    expect(table.attributes('data-loaded')).toBe(String(n));
    expect(asked.slice(0, 2)).toEqual([{ bdf: '0000:01:00.0', count: FIRST_ROWS }, { bdf: '0000:01:00.0' }]);
    w.unmount();
  });

  it('a device with fewer vectors than the first window is read once', async () => {
    const b = sim();
    lab = install(b);
    const dev = useDeviceStore();
    const asked: unknown[] = [];
    const dispatch = lab.session.dispatch.bind(lab.session);
    lab.session.dispatch = (m, r, c) => { if (m === 'getVectors') asked.push(r); return dispatch(m, r, c); };
    await dev.open('0000:04:00.0');
    expect(dev.complete).toBe(true);
    expect(dev.table!.vectors.length).toBe((await b.vectors('0000:04:00.0')).vectors.length);
    expect(asked).toEqual([{ bdf: '0000:04:00.0', count: FIRST_ROWS }]);
  });

  it('hiding columns takes their headings, widths and cells out of every row drawn (the unreadable message\'s span too), and narrows the table; Show all puts them back', async () => {
    const { dev, w } = await mountScale();
    // Vector 1's message is unreadable: one cell spans the Address and Data columns.
    const t = dev.table!;
    dev.table = { ...t, vectors: t.vectors.map((v) => (v.index === 1 ? { ...v, message: readFail('EIO'), cachedMessage: readFail('no debugfs') } : v)) };
    await nextTick();
    const table = w.find('[data-testid="vectors"]');
    const heads = () => table.findAll('thead th').map((th) => th.text().replace(/ \(.*/, ''));
    const width = () => parseFloat((table.element as HTMLElement).style.width);
    const rows = () => table.findAll('tr[data-index]');
    /** Columns a row covers: its cells and their spans. */
    const span = (r: ReturnType<typeof rows>[number]) => r.findAll('td').reduce((n, td) => n + Number(td.attributes('colspan') ?? 1), 0);
    const all = heads();
    expect(all).toEqual(['#', 'IRQ', 'Chip', 'hwirq', 'Address', 'Data', 'Mask', 'Decoded target', 'Eventfd', 'Affinity', 'Effective', 'Count', 'Rate/s', 'CPUs', 'History']);
    const wide = width();
    const chip = t.vectors[0]!.chip!;
    expect(rows().length).toBeGreaterThan(10);
    for (const r of rows()) expect(span(r)).toBe(15);
    expect(table.find('tr[data-index="1"] td.unread').attributes('colspan')).toBe('2');
    expect(table.find('tr.vt-pad td').attributes('colspan')).toBe('15');

    const cols = useColumnsStore();
    for (const id of ['chip', 'address', 'count', 'history'] as const) cols.show(id, false);
    await nextTick();
    expect(heads()).toEqual(all.filter((h) => !['Chip', 'Address', 'Count', 'History'].includes(h)));
    expect(table.findAll('col')).toHaveLength(11);
    expect(width()).toBe(wide - 104 - 148 - 80 - 92);
    // Every row in view, each drawn before the change and kept by its v-memo until the choice changed.
    for (const r of rows()) {
      expect(span(r)).toBe(11);
      expect(r.find('[data-col="count"]').exists()).toBe(false);
      expect(r.find('[data-col="history"]').exists()).toBe(false);
      expect(r.find('[data-col="rate"]').exists()).toBe(true);
      expect(r.text()).not.toContain(chip.slice(0, 8));
    }
    expect(table.find('tr[data-index="1"] td.unread').attributes('colspan')).toBe('1');
    expect(table.find('tr.vt-pad td').attributes('colspan')).toBe('11');
    // Neither message column: no cell stands for them.
    cols.show('data', false);
    await nextTick();
    expect(table.find('tr[data-index="1"] td.unread').exists()).toBe(false);
    for (const r of rows()) expect(span(r)).toBe(10);

    cols.showAll();
    await nextTick();
    expect(heads()).toEqual(all);
    expect(width()).toBe(wide);
    for (const r of rows()) expect(span(r)).toBe(15);
    expect(table.find('tr[data-index="1"] td.unread').attributes('colspan')).toBe('2');
    expect(rows()[0]!.findAll('td')[2]!.attributes('title')).toMatch(/domain chain: /);
    w.unmount();
  });
});
