// SPDX-License-Identifier: MIT
import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import AddressMap from '../../../renderer/src/components/AddressMap.vue';
import { useDeviceStore } from '../../../renderer/src/stores/device.js';
import { install, sim, SCALE_SCENARIO, type Installed } from '../helpers.js';

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

  it('lists every faulting vector of a 2048-vector device on request: a page at a time, in its own scrolling box, and collapses again', async () => {
    const b = sim(SCALE_SCENARIO);
    lab = install(b);
    const [space] = await b.addressSpaces('0000:01:00.0');
    const bad = space!.vectors.filter((v) => !v.hits.ok);
    expect(bad.length).toBe(2048);
    const w = mount(AddressMap, { props: { space: space! } });
    const box = w.get('[data-testid="unmapped"]');
    const lines = () => box.findAll('[data-testid="unmapped-line"]').map((l) => l.text());
    const line = (v: (typeof bad)[number]) => `vector ${v.index} → ${v.address}: ${v.hits.ok ? '' : v.hits.why}`;
    expect(lines()).toEqual(bad.slice(0, 8).map(line));
    const toggle = box.get('[data-testid="unmapped-toggle"]');
    expect(toggle.element.tagName).toBe('BUTTON');
    expect(toggle.text()).toBe('… and 2040 more: show them');
    expect(toggle.attributes('aria-expanded')).toBe('false');

    await toggle.trigger('click');
    expect(toggle.attributes('aria-expanded')).toBe('true');
    const rest = box.get('[data-testid="unmapped-rest"]');
    expect(toggle.attributes('aria-controls')).toBe(rest.attributes('id'));
    // Its own keyboard-scrollable box (bounded in styles.css), outside the alert: opening it announces nothing.
    expect(rest.classes()).toContain('bad-rest');
    expect(rest.attributes('tabindex')).toBe('0');
    expect(box.get('[role="alert"]').findAll('[data-testid="unmapped-line"]')).toHaveLength(8);
    expect(rest.element.closest('[role="alert"]')).toBeNull();
    // Not 2040 lines at once: a page, then more on request, until every vector is listed.
    expect(lines()).toHaveLength(8 + 256);
    for (let i = 0; i < 20 && box.find('[data-testid="unmapped-more"]').exists(); i++) await box.get('[data-testid="unmapped-more"]').trigger('click');
    expect(lines()).toEqual(bad.map(line));

    expect(toggle.text()).toBe('Hide the other 2040');
    await toggle.trigger('click');
    expect(box.find('[data-testid="unmapped-rest"]').exists()).toBe(false);
    expect(lines()).toHaveLength(8);
    expect(toggle.attributes('aria-expanded')).toBe('false');
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
