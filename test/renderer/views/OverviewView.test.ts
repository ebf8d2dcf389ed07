// SPDX-License-Identifier: MIT
import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import OverviewView from '../../../renderer/src/views/OverviewView.vue';
import { useLabStore } from '../../../renderer/src/stores/lab.js';
import { useUiStore } from '../../../renderer/src/stores/ui.js';
import { install, linuxTree, settle, sim, VTD_TREE, type Installed } from '../helpers.js';

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
});
