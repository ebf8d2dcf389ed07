// SPDX-License-Identifier: MIT
// BringupView over the real simulator (a LabSession installed as the renderer's LabClient).
import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import BringupView from '../../renderer/src/views/BringupView.vue';
import { useUiStore } from '../../renderer/src/stores/ui.js';
import { install, settle, sim, type Installed } from './helpers.js';

let lab: Installed | null = null;
afterEach(async () => { await lab?.close(); lab = null; });

const states = (w: ReturnType<typeof mount>) => w.findAll('[data-step]').map((x) => `${x.attributes('data-step')}:${x.attributes('data-state')}`);

describe('BringupView', () => {
  it('lists the nine steps pending, Run all passes them all on arm64 ITS, evidence expands with the ioctls', async () => {
    lab = install(sim('arm64-its-smmuv3'));
    const w = mount(BringupView, { props: { bdf: '0000:03:00.0' } });
    await settle();
    expect(states(w)).toEqual(['iommu', 'bound', 'iommufd', 'ioas', 'vectors', 'doorbells', 'delivery', 'affinity', 'rollback'].map((s) => `${s}:pending`));
    await w.find('[data-testid="run-all"]').trigger('click');
    await settle();
    expect(states(w).every((s) => s.endsWith(':passed'))).toBe(true);
    const ioas = w.find('[data-step="ioas"]');
    await ioas.find('[data-testid="toggle"]').trigger('click');
    expect(ioas.find('[data-testid="evidence"]').text()).toMatch(/IOMMU_IOAS_MAP[\s\S]*FIXED_IOVA/);
    expect(w.find('[data-testid="holding"]').exists()).toBe(false);
  });

  it('an injected unmapped doorbell: the doorbell step fails with its explanation and hint, later steps are skipped', async () => {
    lab = install(sim('arm64-its-smmuv3', { bug: 'unmapped-doorbell' }));
    const w = mount(BringupView, { props: { bdf: '0000:03:00.0' } });
    await settle();
    await w.find('[data-testid="run-all"]').trigger('click');
    await settle();
    const step = w.find('[data-step="doorbells"]');
    expect(step.attributes('data-state')).toBe('failed');
    const f = step.find('[data-testid="failure"]').text();
    expect(f).toMatch(/EFAULT/);
    expect(f).toMatch(/IOMMU fault/);
    expect(f).toMatch(/What to do: Map the doorbell page/);
    // A failed step shows its evidence without a click.
    expect(step.find('[data-testid="evidence"]').text()).toMatch(/hits no mapped doorbell/);
    expect(w.find('[data-step="delivery"]').attributes('data-state')).toBe('skipped');
    expect(w.find('[data-step="rollback"]').attributes('data-state')).toBe('passed');
  });

  it('Run step runs up to it and shows what Doorbell holds; Roll back releases it', async () => {
    lab = install(sim('x86-vtd-ir'));
    const w = mount(BringupView, { props: { bdf: '0000:af:00.0' } });
    await settle();
    await w.find('[data-step="vectors"] [data-testid="run-step"]').trigger('click');
    await settle();
    expect(w.find('[data-step="vectors"]').attributes('data-state')).toBe('passed');
    expect(w.find('[data-testid="holding"]').text()).toMatch(/4 MSI-X vectors enabled/);
    await w.find('[data-testid="roll-back"]').trigger('click');
    await settle();
    expect(w.find('[data-step="rollback"]').attributes('data-state')).toBe('passed');
    expect(w.find('[data-testid="holding"]').exists()).toBe(false);
  });

  it('a device a VMM holds is named up front, and the run stops at "iommufd opened"', async () => {
    lab = install(sim('arm64-its-smmuv3'));
    const w = mount(BringupView, { props: { bdf: '0000:01:00.0' } });
    await settle();
    expect(w.find('[data-testid="bringup-passive"]').text()).toMatch(/qemu-system-aarch64 \(pid 4242\)/);
    await w.find('[data-testid="run-all"]').trigger('click');
    await settle();
    expect(w.find('[data-step="iommufd"]').attributes('data-state')).toBe('failed');
    expect(w.find('[data-step="iommufd"] [data-testid="failure"]').text()).toMatch(/EBUSY/);
  });

  it('each step\'s one-line text, cut to fit, can be read whole: a title with all of it, and wrapped while it has the keyboard', async () => {
    lab = install(sim('arm64-its-smmuv3', { bug: 'unmapped-doorbell' }));
    const w = mount(BringupView, { props: { bdf: '0000:03:00.0' }, attachTo: document.body });
    try {
      await settle();
      await w.find('[data-testid="run-all"]').trigger('click');
      await settle();
      const list = await lab.session.api.getBringup({ bdf: '0000:03:00.0' });
      const steps = list.ok ? list.value.steps : [];
      expect(steps.length).toBe(9);
      for (const s of steps) {
        const el = w.find(`[data-step="${s.id}"] .summary`);
        const text = s.summary ?? s.does;
        expect(el.text()).toBe(text);
        expect(el.attributes('title')).toBe(text);
        expect(el.attributes('tabindex')).toBe('0');
      }
      const el = w.find('[data-step="doorbells"] .summary');
      expect(el.classes()).not.toContain('whole');
      (el.element as HTMLElement).focus();
      await settle();
      expect(document.activeElement).toBe(el.element);
      expect(el.classes()).toContain('whole');
      (el.element as HTMLElement).blur();
      await settle();
      expect(el.classes()).not.toContain('whole');
    } finally { w.unmount(); }
  });

  it('is reachable from the device (hash route #/bringup/BDF)', () => {
    lab = install(sim('arm64-its-smmuv3'));
    const ui = useUiStore();
    ui.fromHash('#/bringup/0000:03:00.0');
    expect(ui.view).toBe('bringup');
    expect(ui.bdf).toBe('0000:03:00.0');
    expect(ui.toHash()).toBe('#/bringup/0000:03:00.0');
  });
});
