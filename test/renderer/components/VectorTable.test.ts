// SPDX-License-Identifier: MIT
import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import VectorTable from '../../../renderer/src/components/VectorTable.vue';
import { useDeviceStore } from '../../../renderer/src/stores/device.js';
import { useLabStore } from '../../../renderer/src/stores/lab.js';
import { useUiStore } from '../../../renderer/src/stores/ui.js';
import { cpuBins } from '../../../renderer/src/components/cpubins.js';
import { install, SCALE_SCENARIO, settle, sim, type Installed } from '../helpers.js';

let lab: Installed | null = null;
afterEach(async () => { await lab?.close(); lab = null; });

describe('VectorTable over a 2048-vector, 512-CPU simulated lab', () => {
  it('renders only the rows in view, follows the keyboard to the last vector, and fits 512 CPUs', async () => {
    const b = sim(SCALE_SCENARIO);
    lab = install(b);
    await useLabStore().load();
    const dev = useDeviceStore();
    await dev.open('0000:01:00.0');
    const n = (await b.vectors('0000:01:00.0')).vectors.length;
    const w = mount(VectorTable, { attachTo: document.body });
    await settle();
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
    const b = sim();
    lab = install(b);
    await useLabStore().load();
    const dev = useDeviceStore();
    await dev.open('0000:04:00.0');
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
});
