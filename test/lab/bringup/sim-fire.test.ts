// SPDX-License-Identifier: MIT
// SimBackend.fire / kernelOps: the device raises a vector once and the simulated controllers
// route it — counted on the CPU the hardware targets, signalling the eventfd — or say why not.
import { describe, expect, it } from 'vitest';
import { createSimLab } from '../../../lab/sim/index.js';

describe('SimBackend fire() and kernelOps()', () => {
  it('fires enabled vectors: the count rises on the effective CPU and the eventfd is signalled', async () => {
    const b = createSimLab({ scenario: 'arm64-its-smmuv3', clock: () => 0 });
    const k = b.kernelOps();
    const h = k.openIommufd(); if (!h.ok) throw new Error(h.error.message);
    const d = k.openDevice('0000:03:00.0'); if (!d.ok) throw new Error(d.error.message);
    expect(k.bindIommufd(d.value, h.value).ok).toBe(true);
    const ioas = k.ioasAlloc(h.value); if (!ioas.ok) throw new Error(ioas.error.message);
    expect(k.attachPt(d.value, ioas.value).ok).toBe(true);
    const e = k.eventfd(); if (!e.ok) throw new Error(e.error.message);
    expect(k.setIrqs(d.value, { index: 2, start: 0, count: 1, action: 'trigger', data: { kind: 'eventfd', fds: [e.value] } }).ok).toBe(true);
    const v = (await b.vectors('0000:03:00.0')).vectors[0]!;
    const eff = v.effective.ok ? v.effective.value[0]! : -1;
    const s0 = await b.sample([v.irq!]);
    const r = await b.fire('0000:03:00.0', [0]);
    expect(r).toEqual({ ok: true, value: { fired: [0] } });
    const s1 = await b.sample([v.irq!]);
    const col = s1.cpus.indexOf(eff);
    expect(s1.irqs.get(v.irq!)![col]! - s0.irqs.get(v.irq!)![col]!).toBe(1);
    expect(k.readEventfd(e.value)).toEqual({ ok: true, value: 1n });
  });

  it('refuses an unknown device (ENODEV) and a vector that is not allocated (ENOENT)', async () => {
    const b = createSimLab({ scenario: 'x86-vtd-ir' });
    const a = await b.fire('0000:ff:00.0', [0]);
    expect(a.ok ? null : a.error.errnoName).toBe('ENODEV');
    const c = await b.fire('0000:af:00.0', [0]);
    expect(c.ok ? null : c.error.errnoName).toBe('ENOENT');
  });
});
