// SPDX-License-Identifier: MIT
import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { formatCpuList } from '../../common/cpulist.js';
import { judgeMove, type EditResult, type MoveObservation } from '../../common/verdict.js';
import { ERRNO } from '../../common/errno.js';
import { checkCpuList, useAffinityStore } from '../../renderer/src/stores/affinity.js';
import { useLabStore } from '../../renderer/src/stores/lab.js';
import { useDeviceStore } from '../../renderer/src/stores/device.js';
import CpuPicker from '../../renderer/src/components/CpuPicker.vue';
import AffinityEditor from '../../renderer/src/components/AffinityEditor.vue';
import VerdictCard from '../../renderer/src/components/VerdictCard.vue';
import RestoreOffer from '../../renderer/src/components/RestoreOffer.vue';
import { AffinityJournal, thisRun } from '../../lab/affinity/journal.js';
import { createPinia, setActivePinia } from 'pinia';
import { linuxTree, settle, sim, SCALE_SCENARIO, VTD_TREE } from './helpers.js';
import { installEdit, type EditLab } from './edit-helpers.js';

let lab: EditLab | null = null;
afterEach(async () => { await lab?.close(); lab = null; window.localStorage.clear(); });

/** The first device with an allocated vector, and that vector. */
async function firstVector(l: EditLab) {
  for (const d of await l.backend.devices()) {
    const v = (await l.backend.vectors(d.bdf)).vectors.find((x) => x.irq !== null && x.affinity.ok);
    if (v) return { bdf: d.bdf, v };
  }
  throw new Error('the scenario has no allocated vector');
}

describe('CPU list validation (before anything is sent)', () => {
  it('rejects malformed and out-of-range lists against the lab\'s possible CPUs, accepts kernel list syntax', async () => {
    lab = installEdit(sim('x86-noir'));
    const cpus = await lab.backend.cpus();
    const max = Math.max(...cpus.possible);
    for (const bad of ['', '0-', 'a', '3-1', '0:2', '-1']) {
      const r = checkCpuList(bad, cpus);
      expect(r.ok, bad).toBe(false);
    }
    // bitmap_parselist skips empty regions, so the kernel takes "0,,1" as 0-1.
    expect(checkCpuList('0,,1', cpus)).toMatchObject({ ok: true, list: '0-1' });
    const past = checkCpuList(`0,${max + 1}`, cpus);
    expect(past.ok).toBe(false);
    if (!past.ok) expect(past.message).toContain(`CPU ${max + 1}`);
    const good = checkCpuList(`${max},0-${Math.min(1, max)}`, cpus);
    expect(good).toMatchObject({ ok: true, list: formatCpuList([max, 0, Math.min(1, max)]) });
  });

  it('shows the error inline and sends nothing; a valid list is sent and its verdict shown', async () => {
    lab = installEdit(sim('x86-noir'));
    const { bdf, v } = await firstVector(lab);
    await useLabStore().load();
    await useDeviceStore().open(bdf);
    const w = mount(AffinityEditor, { props: { bdf, index: v.index } });
    await settle();
    const cpus = await lab.backend.cpus();
    const max = Math.max(...cpus.possible);
    await w.find('[data-testid="cpu-list"]').setValue(`0-${max + 1}`);
    expect(w.find('[data-testid="cpu-error"]').text()).toContain(`CPU ${max + 1} is past the last CPU`);
    expect(w.find('[data-testid="affinity-apply"]').attributes('disabled')).toBeDefined();
    await w.find('form').trigger('submit');
    await settle();
    expect(lab.calls).not.toContain('setAffinity');

    await w.find('[data-testid="cpu-list"]').setValue('0');
    expect(w.find('[data-testid="cpu-error"]').exists()).toBe(false);
    await w.find('form').trigger('submit');
    await settle(); await settle();
    expect(lab.calls).toContain('setAffinity');
    const rec = useAffinityStore().records[0]!;
    expect(rec.error).toBeNull();
    const r = rec.results[0]!;
    const card = w.find('[data-testid="verdict"]');
    expect(card.attributes('data-kind')).toBe(r.verdict.kind);
    expect(card.find('[data-testid="verdict-headline"]').text()).toBe(r.verdict.headline);
    if (r.verdict.errno) expect(card.find('[data-testid="verdict-errno"]').text()).toContain(r.verdict.errno);
  });

  it('groups 512 CPUs by NUMA node: node checkboxes select whole nodes, CPUs drawn only when expanded', async () => {
    lab = installEdit(sim(SCALE_SCENARIO));
    const cpus = await lab.backend.cpus();
    expect(cpus.possible.length).toBeGreaterThanOrEqual(512);
    const w = mount(CpuPicker, { props: { cpus, modelValue: '', 'onUpdate:modelValue': (x: string) => w.setProps({ modelValue: x }) } });
    expect(w.findAll('.nodes > li')).toHaveLength(cpus.nodes.length);
    expect(w.findAll('button.cpu')).toHaveLength(0);
    const n1 = cpus.nodes[1]!;
    await w.find(`[data-testid="node-${n1.id}"]`).trigger('change');
    expect(w.props('modelValue')).toBe(formatCpuList(n1.cpus));
    await w.find(`li[data-node="${n1.id}"] .linkish`).trigger('click');
    expect(w.findAll('button.cpu')).toHaveLength(n1.cpus.length);
    await w.findAll('button.cpu')[0]!.trigger('click');
    expect(w.props('modelValue')).toBe(formatCpuList(n1.cpus.slice(1)));
  });
});

describe('verdict card', () => {
  const side = { affinity: [0], effective: [0], message: { address: '0xfee00000', data: 0x41 }, cached: { address: '0xfee00000', data: 0x41 }, decoded: null };
  const base: MoveObservation = {
    controller: 'gic-its', irq: 40, requested: [2], write: { ok: true }, before: side,
    after: { ...side, affinity: [2], effective: [2], pending: false }, fire: { kind: 'unavailable', why: 'test' },
  };
  const cases: [string, MoveObservation][] = [
    ['verified', { ...base, fire: { kind: 'fired', delta: [0, 0, 3] } }],
    ['pending', { ...base, after: { ...base.after, effective: [0], pending: true } }],
    ['refused', { ...base, write: { ok: false, errno: 'EPERM' } }],
    ['wrong', { ...base, after: { ...base.after, message: { address: '0x8000000', data: 0x41 } } }],
    ['unconfirmed', base],
  ];
  it.each(cases)('renders %s in plain words with before/after and warnings', (kind, o) => {
    const verdict = judgeMove(o);
    expect(verdict.kind).toBe(kind);
    const r: EditResult = {
      changeId: 'c1', bdf: '0000:01:00.0', index: 3, irq: o.irq, requested: o.requested.join(','),
      before: { affinity: '0', effective: '0' },
      after: { affinity: o.write.ok ? '2' : '0', effective: formatCpuList(o.after.effective ?? []), pending: o.after.pending }, verdict,
      warnings: ['irqbalance is running (pid 7) and rebalances IRQs periodically: it may undo this change'],
    };
    const w = mount(VerdictCard, { props: { r } });
    expect(w.attributes('data-kind')).toBe(kind);
    expect(w.find('[data-testid="verdict-headline"]').text()).toBe(verdict.headline);
    expect(w.text()).toContain(verdict.explanation);
    expect(w.text()).toContain(verdict.hint);
    expect(w.find('.beforeafter').text()).toContain(r.after.effective!);
    for (const e of verdict.evidence) expect(w.find('.evidence').text()).toContain(e);
    expect(w.find('[data-testid="verdict-warning"]').text()).toContain('irqbalance');
    if (kind === 'refused') expect(w.find('[data-testid="verdict-errno"]').text()).toBe(`EPERM (${ERRNO.EPERM})`);
    else expect(w.find('[data-testid="verdict-errno"]').exists()).toBe(false);
    if (kind === 'pending') expect(w.find('.beforeafter').text()).toContain('move pending');
  });
});

describe('read-only labs', () => {
  it('a captured tree says why editing is unavailable and disables it', async () => {
    lab = installEdit(await linuxTree(VTD_TREE));
    const info = await lab.backend.info();
    expect(info.writable.ok).toBe(false);
    const { bdf, v } = await firstVector(lab);
    await useLabStore().load();
    await useDeviceStore().open(bdf);
    const w = mount(AffinityEditor, { props: { bdf, index: v.index } });
    await settle();
    expect(w.find('[data-testid="readonly-why"]').text()).toContain(info.writable.why);
    expect(w.find('[data-testid="affinity-apply"]').attributes('disabled')).toBeDefined();
    expect(w.find('[data-testid="cpu-list"]').attributes('disabled')).toBeDefined();
  });
});

/** A Doorbell process that is no longer running (its pid is above PID_MAX_LIMIT: none has it). */
const earlierRun = (dir: string) => new AffinityJournal(dir, { run: { pid: 4194305, start: 1, boot: thisRun().boot } });

describe('restore offer', () => {
  it('lists what an earlier run left outstanding, with the action and why; Restore all settles it, Dismiss hides it', async () => {
    lab = installEdit(sim('x86-noir'));
    const { bdf, v } = await firstVector(lab);
    const info = await lab.backend.info();
    // An earlier Doorbell died between writing its intent and its result.
    const j = earlierRun(lab.stateDir);
    j.intent({ lab: info.spec, bootId: 'an-earlier-boot', bdf, index: v.index, irq: v.irq!, old: '0', new: '1', why: 'set' });
    const store = useAffinityStore();
    await store.checkOffer();
    const expected = (await lab.session.api.getJournal({})) as { ok: true; value: { outstanding: { action: string; why: string }[] } };
    expect(expected.value.outstanding.length).toBeGreaterThan(0);
    const w = mount(RestoreOffer);
    const rows = w.findAll('[data-testid="restore-offer"] tbody tr');
    expect(rows).toHaveLength(expected.value.outstanding.length);
    expect(rows[0]!.attributes('data-action')).toBe(expected.value.outstanding[0]!.action);
    expect(rows[0]!.text()).toContain(expected.value.outstanding[0]!.why);
    expect(rows[0]!.text()).toContain('interrupted edit');
    await w.find('[data-testid="restore-all"]').trigger('click');
    await settle(); await settle();
    expect(w.find('[data-testid="restore-offer"]').exists()).toBe(false);
    expect(w.find('[data-testid="restore-done"]').exists()).toBe(true);
    await store.loadJournal();
    expect(store.outstanding).toHaveLength(0);

    // A second interrupted edit, dismissed: the offer goes, the journal keeps it.
    j.intent({ lab: info.spec, bootId: 'an-earlier-boot', bdf, index: v.index, irq: v.irq!, old: '0', new: '2', why: 'set' });
    await store.checkOffer();
    await settle();
    expect(w.find('[data-testid="restore-offer"]').exists()).toBe(true);
    await w.find('[data-testid="restore-dismiss"]').trigger('click');
    expect(w.find('[data-testid="restore-offer"]').exists()).toBe(false);
    expect(store.outstanding.length).toBeGreaterThan(0);
  });

  it('Dismiss is remembered across reloads for exactly the changes it hid: a run that ends later is offered, and Restore all leaves the dismissed ones', async () => {
    lab = installEdit(sim('x86-noir'));
    const { bdf, v } = await firstVector(lab);
    const info = await lab.backend.info();
    const KEY = 'doorbell.restoreOffer.dismissed';
    /** A reload: a new page (new stores) on the same core and the same localStorage. */
    const reload = async () => {
      setActivePinia(createPinia());
      await useLabStore().load();
      const store = useAffinityStore();
      await store.checkOffer();
      return { store, w: mount(RestoreOffer) };
    };
    const a = earlierRun(lab.stateDir).intent({ lab: info.spec, bootId: 'an-earlier-boot', bdf, index: v.index, irq: v.irq!, old: '0', new: '1', why: 'set' });
    let { store, w } = await reload();
    expect(store.offer.map((o) => o.changes)).toEqual([[a]]);
    expect(w.get('[data-testid="restore-dismiss-note"]').text().replace(/\s+/g, ' ')).toBe('Dismiss keeps the changes; the journal still lists them (Undo on the device page). This offer will not come back for these changes, only for changes a later run leaves.');
    await w.get('[data-testid="restore-dismiss"]').trigger('click');
    expect(w.find('[data-testid="restore-offer"]').exists()).toBe(false);
    expect(JSON.parse(window.localStorage.getItem(KEY)!)).toEqual({ [info.spec]: [a] });

    ({ store, w } = await reload());
    expect(store.outstanding.map((o) => o.changes)).toEqual([[a]]);
    expect(store.offer).toEqual([]);
    expect(w.find('[data-testid="restore-offer"]').exists()).toBe(false);

    // A run that ended later, on another IRQ: offered, and only it.
    const later = new AffinityJournal(lab.stateDir, { run: { pid: 4194306, start: 1, boot: thisRun().boot } });
    const b = later.intent({ lab: info.spec, bootId: 'an-earlier-boot', bdf, index: v.index + 1, irq: v.irq! + 1, old: '0', new: '1', why: 'set' });
    ({ store, w } = await reload());
    expect(store.offer.map((o) => o.changes)).toEqual([[b]]);
    expect(w.findAll('[data-testid="restore-offer"] tbody tr')).toHaveLength(1);
    // Restore all settles what the offer showed, not the dismissed change the journal still lists.
    await w.get('[data-testid="restore-all"]').trigger('click');
    await settle(); await settle();
    expect(store.offerResult?.map((o) => o.changes)).toEqual([[b]]);
    expect(store.outstanding.map((o) => o.changes)).toEqual([[a]]);

    // The stored list is rewritten with only what is still outstanding: a closed change drops out.
    earlierRun(lab.stateDir).close(a, 'gone', 'closed by hand in the test');
    const c = later.intent({ lab: info.spec, bootId: 'an-earlier-boot', bdf, index: v.index, irq: v.irq!, old: '0', new: '3', why: 'set' });
    ({ store, w } = await reload());
    expect(store.offer.map((o) => o.changes)).toEqual([[c]]);
    await w.get('[data-testid="restore-dismiss"]').trigger('click');
    expect(JSON.parse(window.localStorage.getItem(KEY)!)).toEqual({ [info.spec]: [c] });
  });

  it('Dismiss without storage (disabled, or it throws) still hides the offer for the page, and says it lasts only that long', async () => {
    lab = installEdit(sim('x86-noir'));
    const { bdf, v } = await firstVector(lab);
    const info = await lab.backend.info();
    earlierRun(lab.stateDir).intent({ lab: info.spec, bootId: 'an-earlier-boot', bdf, index: v.index, irq: v.irq!, old: '0', new: '1', why: 'set' });
    const real = Object.getOwnPropertyDescriptor(window, 'localStorage');
    Object.defineProperty(window, 'localStorage', { configurable: true, get() { throw new DOMException('storage is disabled', 'SecurityError'); } });
    try {
      setActivePinia(createPinia());
      const store = useAffinityStore();
      await store.checkOffer();
      expect(store.offer).toHaveLength(1);
      const w = mount(RestoreOffer);
      expect(w.get('[data-testid="restore-dismiss-note"]').text()).toContain('while this page is open');
      await w.get('[data-testid="restore-dismiss"]').trigger('click');
      await store.checkOffer();
      expect(store.offer).toEqual([]);
      expect(w.find('[data-testid="restore-offer"]').exists()).toBe(false);
    } finally {
      if (real) Object.defineProperty(window, 'localStorage', real);
    }
  });

  it('a page reload while the core that made the changes still runs offers nothing; Undo still has them', async () => {
    lab = installEdit(sim('x86-noir'));
    const { bdf } = await firstVector(lab);
    const spread = await useAffinityStore().setDevice(bdf, '0-1', 'spread');
    expect(spread.results.length).toBeGreaterThan(0);
    // The reload: a new page (new stores) on the same core.
    setActivePinia(createPinia());
    const store = useAffinityStore();
    await store.checkOffer();
    expect(store.outstanding.length).toBe(spread.results.length);
    expect(store.outstanding.every((o) => o.run === 'this')).toBe(true);
    expect(store.offer).toEqual([]);
    const w = mount(RestoreOffer);
    expect(w.find('[data-testid="restore-offer"]').exists()).toBe(false);
    expect(w.find('[data-testid="journal-damage"]').exists()).toBe(false);
  });

  it('with a run that ended: only its IRQs are offered, Restore all leaves this run\'s; a long offer scrolls under a summary, its buttons outside', async () => {
    lab = installEdit(sim('x86-noir'));
    const { bdf, v } = await firstVector(lab);
    const info = await lab.backend.info();
    const mine = await useAffinityStore().setVector(bdf, v.index, '1');
    expect(mine.results[0]!.changeId).toBeTruthy();
    const mask = async () => { const a = (await lab!.backend.vectors(bdf)).vectors.find((x) => x.index === v.index)!.affinity; return a.ok ? a.value : null; };
    expect(await mask()).toEqual([1]);
    const j = earlierRun(lab.stateDir);
    for (let i = 0; i < 62; i++) j.intent({ lab: info.spec, bootId: 'an-earlier-boot', bdf, index: i, irq: 1000 + i, old: '0', new: '1', why: 'spread' });
    setActivePinia(createPinia());
    const store = useAffinityStore();
    await store.checkOffer();
    expect(store.offer).toHaveLength(62);
    expect(store.offer.every((o) => o.run === 'ended')).toBe(true);
    const w = mount(RestoreOffer);
    const offer = w.find('[data-testid="restore-offer"]');
    expect(offer.find('[data-testid="restore-summary"]').text()).toBe('62 IRQs of 1 device: 62 gone (62 interrupted mid-edit).');
    const rows = offer.find('[data-testid="restore-rows"]');
    expect(rows.findAll('tbody tr')).toHaveLength(62);
    expect(rows.attributes('tabindex')).toBe('0');
    expect(rows.find('[data-testid="restore-all"]').exists()).toBe(false);
    expect(offer.find('[data-testid="restore-buttons"] [data-testid="restore-all"]').exists()).toBe(true);
    // Every IRQ is gone: the button promises no restore.
    expect(offer.find('[data-testid="restore-all"]').text()).toBe('Nothing to restore: clear from the journal');
    await offer.find('[data-testid="restore-all"]').trigger('click');
    await settle(); await settle();
    expect(store.offerResult).toHaveLength(62);
    expect(w.find('[data-testid="restore-done"]').text()).toMatch(/^Restored: 0 of 62; the other 62 needed no write or were refused \(each below\)\./);
    // This run's change is still in force and still Doorbell's to undo.
    expect(await mask()).toEqual([1]);
    expect(store.outstanding.map((o) => [o.index, o.run])).toEqual([[v.index, 'this']]);
  });

  it('a journal with unreadable lines says so, with the path, count, first line and what to do; what it could read is offered', async () => {
    lab = installEdit(sim('x86-noir'));
    const { bdf, v } = await firstVector(lab);
    const info = await lab.backend.info();
    const j = earlierRun(lab.stateDir);
    j.intent({ lab: info.spec, bootId: 'an-earlier-boot', bdf, index: v.index, irq: v.irq!, old: '0', new: '1', why: 'set' });
    const fs = await import('node:fs');
    fs.appendFileSync(j.file, '{"t":"intent","id":"torn\n');
    j.intent({ lab: info.spec, bootId: 'an-earlier-boot', bdf, index: v.index + 1, irq: v.irq! + 1, old: '0', new: '1', why: 'set' });
    const store = useAffinityStore();
    await store.checkOffer();
    expect(store.offer).toHaveLength(2);
    const w = mount(RestoreOffer);
    const d = w.find('[data-testid="journal-damage"]');
    expect(d.attributes('role')).toBe('alert');
    expect(d.find('[data-testid="journal-damage-message"]').text()).toMatch(new RegExp(`^The journal at ${j.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has 1 unreadable line \\(first at line 2: not JSON \\(.+\\)\\); Doorbell read the other 2 records\\.$`));
    expect(d.text()).toContain(`sed -n '2p' ${j.file}`);
    expect(w.findAll('[data-testid="restore-offer"] tbody tr')).toHaveLength(2);
    await d.find('[data-testid="journal-damage-hide"]').trigger('click');
    expect(w.find('[data-testid="journal-damage"]').exists()).toBe(false);

    // A file that is not a journal: no offer, but the warning.
    fs.writeFileSync(j.file, 'not a journal\n');
    setActivePinia(createPinia());
    const s2 = useAffinityStore();
    await s2.checkOffer();
    const w2 = mount(RestoreOffer);
    expect(w2.find('[data-testid="restore-offer"]').exists()).toBe(false);
    expect(w2.find('[data-testid="journal-damage-message"]').text()).toMatch(/is not an affinity journal: none of its 1 line is a Doorbell record \(first at line 1: not JSON/);
  });
});
