// SPDX-License-Identifier: MIT
// Fail-nth sweep (iommufd_fail_nth.c): run a full bring-up, failing the 1st, 2nd, … internal step
// of the simulated kernel until a run passes with no injection; after each run the caller closes
// what it holds, and nothing may be left behind (IOAS, objects, areas, pinned pages, fds, eventfds,
// IRQs, vectors, IRTEs, IMSIC identities).
import { describe, expect, it } from 'vitest';
import type { DeviceHandle, EventfdHandle, IommufdHandle, KernelOps, OpResult } from '../../../lab/ops.js';
import { createSimLab } from '../../../lab/sim/index.js';

function bringUp(ops: KernelOps, bdf: string, extra: (h: IommufdHandle, dev: DeviceHandle, ioas: number, devId: number) => boolean): { failed: OpResult<unknown> | null; held: { h?: IommufdHandle; dev?: DeviceHandle; evs: EventfdHandle[] } } {
  const held: { h?: IommufdHandle; dev?: DeviceHandle; evs: EventfdHandle[] } = { evs: [] };
  const step = <T>(r: OpResult<T>): T | null => (r.ok ? r.value : null);
  const h = step(ops.openIommufd()); if (!h) return { failed: ops.openIommufd === undefined ? null : { ok: false } as never, held };
  held.h = h;
  const ioas = step(ops.ioasAlloc(h)); if (ioas === null) return { failed: { ok: false } as never, held };
  const dev = step(ops.openDevice(bdf)); if (!dev) return { failed: { ok: false } as never, held };
  held.dev = dev;
  const b = step(ops.bindIommufd(dev, h)); if (!b) return { failed: { ok: false } as never, held };
  if (!extra(h, dev, ioas, b.devId)) return { failed: { ok: false } as never, held };
  if (!step(ops.attachPt(dev, ioas))) return { failed: { ok: false } as never, held };
  if (!step(ops.ioasMap(h, { ioasId: ioas, iova: 0x40000000n, length: 0x10000n, readable: true, writeable: true }))) return { failed: { ok: false } as never, held };
  if (!step(ops.ioasMap(h, { ioasId: ioas, length: 0x2000n, readable: true, writeable: true }))) return { failed: { ok: false } as never, held };
  for (let i = 0; i < 4; i++) { const e = step(ops.eventfd()); if (!e) return { failed: { ok: false } as never, held }; held.evs.push(e); }
  if (!step(ops.setIrqs(dev, { index: 2, start: 0, count: 4, action: 'trigger', data: { kind: 'eventfd', fds: held.evs } }))) return { failed: { ok: false } as never, held };
  const irqs = ops.msiIrqs!(bdf);
  if (!irqs.ok || irqs.value.length !== 4) throw new Error('vectors missing after a successful SET_IRQS');
  if (!step(ops.writeAffinity(irqs.value[1]!, '1'))) return { failed: { ok: false } as never, held };
  if (!step(ops.setIrqs(dev, { index: 2, start: 4, count: 1, action: 'trigger', data: { kind: 'eventfd', fds: [held.evs[0]!] } }))) return { failed: { ok: false } as never, held };
  if (!step(ops.ioasUnmap(h, { ioasId: ioas, iova: 0x40000000n, length: 0x10000n }))) return { failed: { ok: false } as never, held };
  return { failed: null, held };
}

const CASES = [
  { scenario: 'arm64-its-smmuv3', profile: 'upstream', bdf: '0000:03:00.0' },
  { scenario: 'arm64-its-smmuv3', profile: 'per-vector-table', bdf: '0000:03:00.0' },
  { scenario: 'arm64-its-smmuv3', profile: 'sw-msi-option', bdf: '0000:03:00.0' },
  { scenario: 'x86-vtd-ir', profile: 'upstream', bdf: '0000:af:00.0' },
  { scenario: 'x86-noir', profile: 'upstream', bdf: '0000:af:00.0' },
  { scenario: 'riscv-aia-imsic', profile: 'rfc-v1', bdf: '0000:00:03.0' },
];

describe('fail-nth sweep over every internal step', () => {
  for (const c of CASES) {
    it(`${c.scenario}/${c.profile}: every injected failure unwinds and the teardown leaves nothing`, () => {
      const steps: string[] = [];
      let n = 1;
      for (; n < 500; n++) {
        const lab = createSimLab({ scenario: c.scenario, params: { profile: c.profile } });
        const ops = lab.ops;
        const k = lab.k;
        const baseline = k.census();
        k.fault.arm(n);
        const extra = (h: IommufdHandle, dev: DeviceHandle, ioas: number, devId: number): boolean => {
          const x = ops.experimental;
          if (c.profile === 'per-vector-table') {
            if (!x.ioasMapDoorbell(h, { ioasId: ioas, iova: 0x0a000000n, target: { kind: 'its' } }).ok) return false;
            if (!x.msiTableSet(dev, { index: 2, start: 0, entries: Array.from({ length: 5 }, () => ({ iova: 0x0a000000n })) }).ok) return false;
          }
          if (c.profile === 'sw-msi-option' && !x.swMsiSet(h, { devId, which: 'start', value: 0x0c000000n }).ok) return false;
          if (c.profile === 'rfc-v1' && !x.msiPrepare(dev, { index: 2, start: 0, iovas: [0x30000000n] }).ok) return false;
          return true;
        };
        const r = bringUp(ops, c.bdf, extra);
        const injected = k.fault.injected;
        k.fault.arm(null);
        if (injected) {
          steps.push(injected);
          expect(r.failed, `step ${n} (${injected}) was injected but the bring-up went on`).not.toBeNull();
          const last = lab.kernelLog().at(-1)!;
          expect(last.errnoName).toBe('ENOMEM');
        }
        // Teardown in the order a caller would: the device fd, eventfds, /dev/iommu.
        if (r.held.dev) expect(ops.closeDevice(r.held.dev).ok).toBe(true);
        for (const e of r.held.evs) expect(ops.closeEventfd(e).ok).toBe(true);
        if (r.held.h) expect(ops.closeIommufd(r.held.h).ok).toBe(true);
        expect(k.census(), `leak after failing step ${n} (${injected ?? 'none'})`).toEqual(baseline);
        if (!injected) break;
      }
      expect(n).toBeGreaterThan(10);
      expect(steps.length).toBe(n - 1);
      expect(new Set(steps).size).toBeGreaterThan(8);
    });
  }
});
