// SPDX-License-Identifier: MIT
import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import OverviewView from '../../../renderer/src/views/OverviewView.vue';
import { useLabStore } from '../../../renderer/src/stores/lab.js';
import { useUiStore } from '../../../renderer/src/stores/ui.js';
import { useChecksStore } from '../../../renderer/src/stores/checks.js';
import { install, linuxTree, SCALE_SCENARIO, settle, sim, VTD_TREE, type Installed } from '../helpers.js';

let lab: Installed | null = null;
afterEach(async () => { await lab?.close(); lab = null; });

describe('OverviewView', () => {
  it('on a captured VT-d tree: groups, a VMM-held vfio device shown passively, search and the vfio filter', async () => {
    const b = await linuxTree(VTD_TREE);
    lab = install(b);
    await useLabStore().load();
    const devices = await b.devices();
    const held = devices.filter((d) => d.holder.kind === 'process');
    expect(held.length).toBeGreaterThan(0);
    const w = mount(OverviewView);
    await settle();
    expect(w.findAll('[data-testid="devices"] tbody tr')).toHaveLength(devices.length);
    for (const d of held) {
      const row = w.find(`tr[data-bdf="${d.bdf}"]`);
      if (d.holder.kind === 'process') expect(row.text()).toContain(`${d.holder.comm} (pid ${d.holder.pid}) · passive`);
    }
    expect(w.findAll('[data-testid="groups"] tbody tr')).toHaveLength((await b.groups()).length);
    for (const f of (await b.info()).features) expect(w.find(`[data-feature="${f.id}"]`).text()).toContain(f.how);
    // The "bound to vfio-pci" chip keeps only vfio devices.
    const chip = w.findAll('.chips button').find((x) => x.text() === 'bound to vfio-pci')!;
    await chip.trigger('click');
    const vfio = devices.filter((d) => d.binding.kind === 'vfio-cdev' || d.binding.kind === 'vfio-group');
    expect(w.findAll('[data-testid="devices"] tbody tr')).toHaveLength(vfio.length);
    await w.findAll('.chips button')[0]!.trigger('click');
    // Search by BDF, then Enter opens the device page.
    await w.find('[data-testid="device-filter"]').setValue(held[0]!.bdf);
    const rows = w.findAll('[data-testid="devices"] tbody tr');
    expect(rows).toHaveLength(1);
    await rows[0]!.trigger('keydown', { key: 'Enter' });
    expect(useUiStore().view).toBe('device');
    expect(useUiStore().bdf).toBe(held[0]!.bdf);
  });

  it('on a lab with no vfio-bound device, tells a newcomer how to bind one', async () => {
    const b = sim('x86-noir');
    lab = install(b);
    await useLabStore().load();
    const devices = await b.devices();
    const w = mount(OverviewView);
    await settle();
    const hasVfio = devices.some((d) => d.binding.kind === 'vfio-cdev' || d.binding.kind === 'vfio-group');
    expect(w.find('[data-testid="no-vfio"]').exists()).toBe(!hasVfio);
    if (!hasVfio) expect(w.find('[data-testid="no-vfio"]').text()).toMatch(/driver_override[\s\S]*drivers_probe/);
  });

  it('thousands of findings (2048-vector devices): the device list comes first, the findings follow as one counted line per check', async () => {
    lab = install(sim(SCALE_SCENARIO));
    await useLabStore().load();
    const r = await lab.session.api.runChecks({});
    if (!r.ok) throw new Error(r.error.message);
    const all = r.value.findings;
    expect(all.length).toBeGreaterThan(1000);
    await useChecksStore().run();
    const w = mount(OverviewView, { attachTo: document.body });
    await settle();
    // The device list is the overview's first section, and no finding is drawn before it.
    const list = w.find('[data-testid="device-list"]').element;
    expect(w.find('.overview').element.firstElementChild).toBe(list);
    expect(list.compareDocumentPosition(w.find('[data-testid="findings"]').element) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(w.findAll('li.finding')).toHaveLength(0);

    // Every finding is counted: the list's heading, each device's row, one line per check.
    const sev = (s: string, of = all) => of.filter((f) => f.severity === s).length;
    expect(w.find('[data-testid="findings-jump"]').text()).toContain(`${sev('error')} errors`);
    const devs = await lab.backend.devices();
    for (const d of devs) {
      const mine = all.filter((f) => f.subject.bdf === d.bdf);
      const cell = w.find(`tr[data-bdf="${d.bdf}"] [data-col="findings"]`).text();
      expect(cell, d.bdf).toBe(mine.length ? `${sev('error', mine)} errors` : 'none');
    }
    const groups = w.findAll('[data-testid="finding-group"]');
    const checksRun = new Set(all.map((f) => `${f.severity} ${f.rule}`));
    expect(groups).toHaveLength(checksRun.size);
    expect(groups.reduce((n, g) => n + Number(g.attributes('data-count')), 0)).toBe(all.length);
    const big = groups[0]!;
    const rule = big.attributes('data-rule')!;
    const ofRule = all.filter((f) => f.rule === rule);
    expect(big.find('[data-testid="finding-group-count"]').text()).toBe(`${ofRule.length} findings`);
    for (const bdf of new Set(ofRule.map((f) => f.subject.bdf))) expect(big.text()).toContain(`${bdf} (${ofRule.filter((f) => f.subject.bdf === bdf).length})`);

    // Opened, the check lists its findings a page at a time, and says how many are still to show.
    await big.find('[data-testid="finding-group-toggle"]').trigger('click');
    expect(big.findAll('li.finding')).toHaveLength(500);
    expect(big.find('[data-testid="findings-more"]').text()).toContain(`(500 of ${ofRule.length} shown)`);
    // A device named on the check's line opens its page (which lists that device's findings).
    await big.find('.group-head button.linkish').trigger('click');
    expect(useUiStore().view).toBe('device');
    w.unmount();
  });

  it('a check with a handful of findings is open from the start', async () => {
    lab = install(sim('arm64-its-smmuv3', { bug: 'unmapped-doorbell' }));
    await useLabStore().load();
    await useChecksStore().run();
    const w = mount(OverviewView);
    await settle();
    const groups = w.findAll('[data-testid="finding-group"]');
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) {
      const n = Number(g.attributes('data-count'));
      expect(g.findAll('li.finding'), g.attributes('data-rule')).toHaveLength(n <= 5 ? n : 0);
      expect(g.find('[data-testid="finding-group-toggle"]').attributes('aria-expanded')).toBe(String(n <= 5));
    }
  });
});
