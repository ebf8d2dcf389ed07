// SPDX-License-Identifier: MIT
// The URL hash as the page's address: views and devices are history entries (Back and Forward
// walk them), and a hash that names nothing, or a device this lab has not, says so in the page.
import { afterEach, describe, expect, it } from 'vitest';
import { mount, type VueWrapper } from '@vue/test-utils';
import App from '../../renderer/src/App.vue';
import { useLabStore } from '../../renderer/src/stores/lab.js';
import { route, useUiStore } from '../../renderer/src/stores/ui.js';
import { install, settle, sim, type Installed } from './helpers.js';

let lab: Installed | null = null;
let w: VueWrapper | null = null;
afterEach(async () => { w?.unmount(); w = null; await lab?.close(); lab = null; });

/** Back or Forward, once the page has handled the entry it lands on. */
async function traverse(go: () => void): Promise<void> {
  const popped = new Promise((r) => window.addEventListener('popstate', r, { once: true }));
  go();
  await popped;
  await settle();
}
async function load(hash: string): Promise<VueWrapper> {
  window.history.replaceState(null, '', hash);
  w = mount(App, { attachTo: document.body });
  await settle();
  return w;
}
const tab = (page: VueWrapper, name: string) => page.findAll('nav.tabs button').find((b) => b.text().startsWith(name))!;

describe('navigation', () => {
  it('views and devices are history entries: Back and Forward restore them; the entry loaded is rewritten, not pushed', async () => {
    lab = install(sim());
    const before = window.history.length;
    // lspci's form of the address; the page writes the kernel's.
    const page = await load('#/device/01:00.0');
    const ui = useUiStore();
    expect(window.location.hash).toBe('#/device/0000:01:00.0');
    expect(window.history.length).toBe(before);
    expect([ui.view, ui.bdf]).toEqual(['device', '0000:01:00.0']);

    await tab(page, 'Overview').trigger('click');
    await settle();
    expect(window.location.hash).toBe('#/overview');
    expect(window.history.length).toBe(before + 1);
    // Where the page already is: no second entry.
    await tab(page, 'Overview').trigger('click');
    await settle();
    expect(window.history.length).toBe(before + 1);

    await page.find('tr[data-bdf="0000:02:00.0"]').trigger('click');
    await settle();
    expect(window.location.hash).toBe('#/device/0000:02:00.0');
    await page.find('[data-testid="tab-bringup"]').trigger('click');
    await settle();
    expect(window.location.hash).toBe('#/bringup/0000:02:00.0');
    expect(window.history.length).toBe(before + 3);

    await traverse(() => window.history.back());
    expect([ui.view, ui.bdf, window.location.hash]).toEqual(['device', '0000:02:00.0', '#/device/0000:02:00.0']);
    await traverse(() => window.history.back());
    expect(ui.view).toBe('overview');
    expect(page.find('[data-testid="devices"]').exists()).toBe(true);
    await traverse(() => window.history.back());
    expect([ui.view, ui.bdf, window.location.hash]).toEqual(['device', '0000:01:00.0', '#/device/0000:01:00.0']);
    await traverse(() => window.history.forward());
    expect([ui.view, window.location.hash]).toEqual(['overview', '#/overview']);
    // Walking the entries added none.
    expect(window.history.length).toBe(before + 3);
  });

  it('a hash that names no page, or a device page with no or a malformed address, says what was asked and leads back', async () => {
    const cases: [string, string, RegExp][] = [
      ['#/device', 'no-bdf', /The device page needs the PCI address of a device after it, as in #\/device\/[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]\./],
      ['#/bringup', 'no-bdf', /The bring-up page needs the PCI address of a device after it/],
      ['#/device/xyz', 'bad-bdf', /xyz is not a PCI address: the device page takes one as sysfs writes it, domain:bus:device\.function/],
      ['#/nonsense', 'unknown', /The console has no such page\. Its pages are #\/overview, #\/device\/BDF, #\/bringup\/BDF and #\/log/],
      ['#/log/0000:01:00.0', 'unknown', /no such page/],
    ];
    for (const [hash, why, text] of cases) {
      lab = install(sim());
      const page = await load(hash);
      const nf = page.find('[data-testid="not-found"]');
      expect(nf.exists(), hash).toBe(true);
      expect(nf.attributes('data-why')).toBe(why);
      expect(nf.text()).toContain(`Nothing to show at ${hash}`);
      expect(nf.text()).toMatch(text);
      // The address stays as typed, so the message and the URL agree.
      expect(window.location.hash).toBe(hash);
      expect(page.findAll('nav.tabs [aria-current]')).toHaveLength(0);
      await page.find('[data-testid="to-overview"]').trigger('click');
      await settle();
      expect(page.find('[data-testid="not-found"]').exists()).toBe(false);
      expect(page.find('[data-testid="devices"]').exists()).toBe(true);
      expect(window.location.hash).toBe('#/overview');
      // Back returns to the address that named nothing, and the page says so again.
      await traverse(() => window.history.back());
      expect(window.location.hash).toBe(hash);
      expect(page.find('[data-testid="not-found"]').attributes('data-why')).toBe(why);
      w!.unmount(); w = null;
      await lab.close(); lab = null;
    }
  });

  it('a device this lab does not have: named with the lab, once the device list is in (never while it loads)', async () => {
    lab = install(sim());
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const dispatch = lab.session.dispatch.bind(lab.session);
    lab.session.dispatch = async (m, r, c) => { if (m === 'listDevices') await gate; return dispatch(m, r, c); };
    const page = await load('#/device/0000:99:00.0');
    expect(useLabStore().loadedAt).toBeNull();
    expect(page.find('[data-testid="not-found"]').exists()).toBe(false);
    release();
    await settle();
    const nf = page.find('[data-testid="not-found"]');
    expect(nf.attributes('data-why')).toBe('no-device');
    const info = await lab.backend.info();
    const n = (await lab.backend.devices()).length;
    expect(nf.text()).toContain(`No device 0000:99:00.0 in this lab (${info.title})`);
    expect(nf.text()).toContain(`The lab lists ${n} PCI devices, and 0000:99:00.0 is not one of them`);
    expect(page.find('[data-testid="vectors"]').exists()).toBe(false);
    await page.find('[data-testid="to-overview"]').trigger('click');
    await settle();
    expect(page.find('[data-testid="devices"]').exists()).toBe(true);

    // A device the lab has is shown, not refused.
    await page.find('tr[data-bdf="0000:01:00.0"]').trigger('click');
    await settle();
    expect(page.find('[data-testid="not-found"]').exists()).toBe(false);
    expect(useUiStore().bdf).toBe('0000:01:00.0');
  });

  it('route: the empty hash is the overview; addresses in lspci\'s form or upper case read as the kernel writes them', () => {
    expect(route('')).toEqual({ ok: true, view: 'overview', bdf: null });
    expect(route('#/')).toEqual({ ok: true, view: 'overview', bdf: null });
    expect(route('#/device/0000:AF:00.1')).toEqual({ ok: true, view: 'device', bdf: '0000:af:00.1' });
    expect(route('#/bringup/03:00.0')).toEqual({ ok: true, view: 'bringup', bdf: '0000:03:00.0' });
    expect(route('#/device/0000:00:20.0')).toMatchObject({ ok: false, why: 'bad-bdf', text: '0000:00:20.0' });
    expect(route('#/device/')).toMatchObject({ ok: false, why: 'no-bdf', view: 'device' });
    expect(route('#/overview/x')).toMatchObject({ ok: false, why: 'unknown' });
  });
});
