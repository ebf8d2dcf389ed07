// SPDX-License-Identifier: MIT
import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import AddressMap from '../../../renderer/src/components/AddressMap.vue';
import { useDeviceStore } from '../../../renderer/src/stores/device.js';
import { install, sim, type Installed } from '../helpers.js';

let lab: Installed | null = null;
afterEach(async () => { await lab?.close(); lab = null; });

describe('AddressMap over the simulator\'s address spaces', () => {
  it('labels the doorbell page and draws vectors inside it in the ok colour', async () => {
    const b = sim();
    lab = install(b);
    const [space] = await b.addressSpaces('0000:04:00.0');
    expect(space!.vectors.every((v) => v.hits.ok)).toBe(true);
    const w = mount(AddressMap, { props: { space: space! } });
    expect(w.findAll('[data-testid="doorbell"]')).toHaveLength(space!.doorbells.length);
    expect(w.text()).toContain(space!.doorbells[0]!.label);
    expect(w.findAll('[data-testid="marker"]').length).toBeGreaterThan(0);
    expect(w.findAll('[data-testid="marker-bad"]')).toHaveLength(0);
    expect(w.find('[data-testid="unmapped"]').exists()).toBe(false);
  });

  it('draws a vector outside every doorbell mapping red, with the backend\'s reason', async () => {
    const b = sim();
    lab = install(b);
    const [space] = await b.addressSpaces('0000:01:00.0');
    const bad = space!.vectors.filter((v) => !v.hits.ok);
    expect(bad.length).toBeGreaterThan(0);
    const w = mount(AddressMap, { props: { space: space! } });
    expect(w.findAll('[data-testid="marker-bad"]').length).toBeGreaterThan(0);
    const box = w.find('[data-testid="unmapped"]').text();
    expect(box).toContain(`${bad.length} vectors outside every doorbell mapping`);
    const why = bad[0]!.hits;
    expect(why.ok).toBe(false);
    if (!why.ok) expect(box).toContain(why.why);
  });

  it('zooms with the keyboard from the whole 64-bit space down to one page, and hover links to the table', async () => {
    const b = sim();
    lab = install(b);
    const dev = useDeviceStore();
    const [space] = await b.addressSpaces('0000:04:00.0');
    const w = mount(AddressMap, { props: { space: space! } });
    const svg = w.find('[data-testid="amap"]');
    await svg.trigger('keydown', { key: '0' });
    expect(w.find('[data-testid="amap-range"]').text()).toBe('0x0 – 0xffffffffffffffff (16 EiB)');
    for (let i = 0; i < 70; i++) await svg.trigger('keydown', { key: '+' });
    expect(w.find('[data-testid="amap-range"]').text()).toMatch(/\(4 KiB\)$/);
    await svg.trigger('keydown', { key: 'f' });
    const marker = w.find('[data-testid="marker"]');
    await marker.trigger('mouseenter');
    expect(dev.hovered).toBe(space!.vectors[0]!.index);
    dev.hovered = space!.vectors[0]!.index;
    await w.vm.$nextTick();
    expect(w.find('.marker.hot').exists()).toBe(true);
  });
});
