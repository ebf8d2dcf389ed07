// SPDX-License-Identifier: MIT
import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import type { CheckReport } from '../../common/checks/types.js';
import { useChecksStore } from '../../renderer/src/stores/checks.js';
import FindingsPanel from '../../renderer/src/components/FindingsPanel.vue';
import { settle, sim } from './helpers.js';
import { installEdit, type EditLab } from './edit-helpers.js';

let lab: EditLab | null = null;
afterEach(async () => { await lab?.close(); lab = null; });

async function coreReport(l: EditLab): Promise<CheckReport> {
  const r = await l.session.api.runChecks({});
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('findings panel', () => {
  it('an injected bug: every finding listed errors first, with explanation and fix; rules that cannot run say why', async () => {
    lab = installEdit(sim('arm64-its-smmuv3', { bug: 'unmapped-doorbell' }));
    const expected = await coreReport(lab);
    expect(expected.findings.length).toBeGreaterThan(0);
    await useChecksStore().run();
    const w = mount(FindingsPanel);
    await settle();
    const items = w.findAll('li.finding');
    expect(items).toHaveLength(expected.findings.length);
    const order = ['error', 'warning', 'info'];
    const sev = items.map((x) => x.attributes('data-severity')!);
    expect([...sev].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toEqual(sev);
    for (const f of expected.findings) {
      const li = items.find((x) => x.attributes('data-rule') === f.rule && x.text().includes(f.message));
      expect(li, f.rule).toBeDefined();
      expect(li!.text()).toContain(f.explanation);
      expect(li!.text()).toContain(f.hint);
    }
    expect(w.attributes('data-errors')).toBe(String(expected.findings.filter((f) => f.severity === 'error').length));
    const ne = expected.rules.filter((r) => r.state === 'not-evaluable');
    expect(w.findAll('[data-testid="not-evaluable"] li')).toHaveLength(ne.length);
    for (const r of ne) expect(w.find(`[data-testid="not-evaluable"] li[data-rule="${r.rule}"]`).text()).toContain(r.why!);
  });

  it('per device: only that device\'s findings; a clean lab says so; Re-check runs the engine again', async () => {
    lab = installEdit(sim('arm64-its-smmuv3', { bug: 'unmapped-doorbell' }));
    const expected = await coreReport(lab);
    const bdf = expected.findings.find((f) => f.subject.bdf)!.subject.bdf!;
    await useChecksStore().run();
    const w = mount(FindingsPanel, { props: { bdf } });
    await settle();
    expect(w.findAll('li.finding')).toHaveLength(expected.findings.filter((f) => f.subject.bdf === bdf).length);
    const before = lab.calls.filter((c) => c === 'runChecks').length;
    await w.find('[data-testid="findings-refresh"]').trigger('click');
    await settle();
    expect(lab.calls.filter((c) => c === 'runChecks').length).toBe(before + 1);

    await lab.close();
    lab = installEdit(sim('x86-noir'));
    const clean = await coreReport(lab);
    await useChecksStore().run();
    const w2 = mount(FindingsPanel);
    await settle();
    expect(w2.findAll('li.finding')).toHaveLength(clean.findings.length);
    if (clean.findings.length === 0) expect(w2.find('[data-testid="no-findings"]').exists()).toBe(true);
  });

  it('words stay apart: severity, title and subject of a finding, and the devices a check names, are separate words', async () => {
    // Vue drops the whitespace between tags on separate lines: the device page read
    // "…doorbell mapping0000:01:00.0 · vector 0" and the overview "on 1 device:0000:01:00.0 (64)".
    lab = installEdit(sim('arm64-its-smmuv3', { bug: 'unmapped-doorbell' }));
    const expected = await coreReport(lab);
    const f = expected.findings.find((x) => x.subject.bdf && x.subject.index !== undefined)!;
    const bdf = f.subject.bdf!;
    await useChecksStore().run();
    const w = mount(FindingsPanel, { props: { bdf } });
    await settle();
    const li = w.findAll('li.finding').find((x) => x.text().includes(f.message))!;
    const line = li.find('div').element.textContent!.replace(/\s+/g, ' ').trim();
    expect(line).toMatch(new RegExp(`^${f.severity} ${f.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ${bdf} · vector ${f.subject.index}\\b`));

    const g = mount(FindingsPanel, { props: { grouped: true } });
    await settle();
    const ofRule = expected.findings.filter((x) => x.rule === f.rule && x.severity === f.severity);
    const head = g.find(`[data-testid="finding-group"][data-rule="${f.rule}"][data-severity="${f.severity}"] .group-head`);
    const text = head.element.textContent!.replace(/\s+/g, ' ').trim();
    const devices = [...new Set(ofRule.map((x) => x.subject.bdf))];
    expect(devices.length).toBeGreaterThan(1);
    expect(text).toContain(`${f.severity} ${f.title} ${ofRule.length} findings on ${devices.length} devices: `);
    for (const d of devices) expect(text).toMatch(new RegExp(`[:,] ${d} \\(${ofRule.filter((x) => x.subject.bdf === d).length}\\)`));
  });
});
