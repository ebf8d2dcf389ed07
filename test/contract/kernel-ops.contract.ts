// SPDX-License-Identifier: MIT
// The KernelOps contract, written once in the style of tools/testing/selftests/iommu/iommufd.c:
// expected-success helpers (ok) and expected-errno helpers (errMap('EEXIST', …)), fixtures per
// variant. It runs against the simulator (test/lab/sim/contract.test.ts) and, inside a QEMU guest,
// against the real kernel through lab/linux/ops.ts. It needs only the BDF of a vfio-pci device
// with MSI-X, feature-probes everything else, and tags every test with the ops' name.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceHandle, EventfdHandle, IommufdHandle, KernelOps, OpResult } from '../../lab/ops.js';

export interface ContractVariant {
  /** Shown in test names: `arm64-its-smmuv3/upstream`, `qemu x86 intel-iommu`. */
  name: string;
  /** A vfio-pci device with MSI-X that nobody holds. */
  bdf: string;
  /** An offline CPU, if the machine has one (for the EINVAL no-online-CPU case). */
  offlineCpu?: number;
}

const VFIO_PCI_MSIX = 2;
const PAGE = 0x1000n;

/** Expected success: returns the value, fails the test with the kernel's own error otherwise. */
export function ok<T>(r: OpResult<T>): T {
  if (!r.ok) expect.fail(`expected success, got ${r.errno}: ${r.error.message}`);
  return r.value;
}

/** Expected errno. */
export function err<T>(errno: string, r: OpResult<T>): void {
  if (r.ok) expect.fail(`expected ${errno}, the operation succeeded`);
  expect(r.errno).toBe(errno);
  expect(r.error.errnoName).toBe(errno);
  expect(r.error.op.length).toBeGreaterThan(0);
}

export const errMap = (errno: string, ops: KernelOps, h: IommufdHandle, req: Parameters<KernelOps['ioasMap']>[1]) => err(errno, ops.ioasMap(h, req));
export const errUnmap = (errno: string, ops: KernelOps, h: IommufdHandle, req: Parameters<KernelOps['ioasUnmap']>[1]) => err(errno, ops.ioasUnmap(h, req));
export const errAffinity = (errno: string, ops: KernelOps, irq: number, list: string) => err(errno, ops.writeAffinity(irq, list));

/** One fixture: /dev/iommu, an IOAS, the device (bound if the platform allows), eventfds; teardown undoes all. */
class Fixture {
  h!: IommufdHandle;
  ioas!: number;
  dev: DeviceHandle | null = null;
  bound = false;
  bindErrno: string | null = null;
  devId = 0;
  evs: EventfdHandle[] = [];
  restore: { irq: number; list: string }[] = [];

  constructor(readonly ops: KernelOps, readonly v: ContractVariant) {}

  setup(): void {
    this.h = ok(this.ops.openIommufd());
    this.ioas = ok(this.ops.ioasAlloc(this.h));
    this.dev = ok(this.ops.openDevice(this.v.bdf));
    const b = this.ops.bindIommufd(this.dev, this.h);
    if (b.ok) { this.bound = true; this.devId = b.value.devId; } else this.bindErrno = b.errno;
  }

  attach(): number {
    return ok(this.ops.attachPt(this.dev!, this.ioas)).ptId;
  }

  enableMsix(n: number): EventfdHandle[] {
    const evs = Array.from({ length: n }, () => ok(this.ops.eventfd()));
    this.evs.push(...evs);
    ok(this.ops.setIrqs(this.dev!, { index: VFIO_PCI_MSIX, start: 0, count: n, action: 'trigger', data: { kind: 'eventfd', fds: evs } }));
    return evs;
  }

  teardown(): void {
    for (const r of this.restore.reverse()) this.ops.writeAffinity(r.irq, r.list);
    if (this.dev) {
      if (this.bound) this.ops.setIrqs(this.dev, { index: VFIO_PCI_MSIX, start: 0, count: 0, action: 'trigger', data: { kind: 'none' } });
      this.ops.closeDevice(this.dev);
    }
    for (const e of this.evs) this.ops.closeEventfd(e);
    this.ops.closeIommufd(this.h);
  }
}

export function runContractSuite(makeOps: () => KernelOps, variant: ContractVariant): void {
  const probeOps = makeOps();
  describe(`KernelOps contract [${probeOps.name}] ${variant.name}`, () => {
    let f: Fixture;
    let ops: KernelOps;
    beforeEach(() => {
      ops = makeOps();
      f = new Fixture(ops, variant);
      f.setup();
    });
    afterEach(() => f.teardown());

    /** Tests that need a bound device skip (with the reason) where bind is refused, as on a platform without MSI isolation. */
    const needsBind = () => {
      if (!f.bound) {
        // The only acceptable refusal: no MSI isolation without allow_unsafe_interrupts.
        expect(f.bindErrno).toBe('EPERM');
        return false;
      }
      return true;
    };

    it('IOMMU_DESTROY of an unknown id: ENOENT; of a fresh IOAS: success', () => {
      err('ENOENT', ops.destroy(f.h, 0xfffff));
      const id = ok(ops.ioasAlloc(f.h));
      ok(ops.destroy(f.h, id));
      err('ENOENT', ops.destroy(f.h, id));
    });

    it('IOMMU_IOAS_MAP: fixed overlap EEXIST, zero length EINVAL; UNMAP: split ENOENT, exact success, empty ENOENT, all-on-empty success', () => {
      const iova = 0x100000000n;
      ok(ops.ioasMap(f.h, { ioasId: f.ioas, iova, length: 4n * PAGE, readable: true, writeable: true }));
      errMap('EEXIST', ops, f.h, { ioasId: f.ioas, iova: iova + PAGE, length: PAGE, readable: true, writeable: true });
      errMap('EINVAL', ops, f.h, { ioasId: f.ioas, iova: iova + 0x10000n, length: 0n, readable: true, writeable: true });
      errUnmap('ENOENT', ops, f.h, { ioasId: f.ioas, iova, length: PAGE });
      expect(ok(ops.ioasUnmap(f.h, { ioasId: f.ioas, iova, length: 4n * PAGE })).unmapped).toBe(4n * PAGE);
      errUnmap('ENOENT', ops, f.h, { ioasId: f.ioas, iova, length: 4n * PAGE });
      ok(ops.ioasUnmap(f.h, { ioasId: f.ioas, iova: 0n, length: (1n << 64n) - 1n }));
    });

    it('IOMMU_IOAS_MAP without FIXED_IOVA returns an IOVA inside the allowed ranges', () => {
      const { iova } = ok(ops.ioasMap(f.h, { ioasId: f.ioas, length: 2n * PAGE, readable: true, writeable: false }));
      const { ranges } = ok(ops.ioasIovaRanges(f.h, f.ioas));
      expect(ranges.some((r) => iova >= BigInt(r.start) && iova + 2n * PAGE - 1n <= BigInt(r.last))).toBe(true);
    });

    it('IOMMU_IOAS_MAP/UNMAP on an unknown IOAS: ENOENT', () => {
      errMap('ENOENT', ops, f.h, { ioasId: 0xfffff, iova: 0x100000000n, length: PAGE, readable: true, writeable: true });
      errUnmap('ENOENT', ops, f.h, { ioasId: 0xfffff, iova: 0x100000000n, length: PAGE });
    });

    it('IOMMU_OPTION: RLIMIT_MODE reads back; an unknown option_id is EOPNOTSUPP', () => {
      expect(typeof ok(ops.option(f.h, { optionId: 0, op: 'get', objectId: 0 }))).toBe('bigint');
      err('EOPNOTSUPP', ops.option(f.h, { optionId: 0x7fff, op: 'get', objectId: 0 }));
    });

    it('VFIO_DEVICE_BIND_IOMMUFD: success, or EPERM where MSI is not isolated', () => {
      if (!f.bound) expect(f.bindErrno).toBe('EPERM');
      else expect(f.devId).toBeGreaterThan(0);
    });

    it('attach narrows the IOVA ranges by the reserved regions; detach restores them', () => {
      if (!needsBind()) return;
      const before = ok(ops.ioasIovaRanges(f.h, f.ioas)).ranges;
      f.attach();
      const after = ok(ops.ioasIovaRanges(f.h, f.ioas));
      expect(after.alignment).toBeGreaterThanOrEqual(1n);
      // Every range after attach lies inside a range from before.
      for (const r of after.ranges) expect(before.some((b) => BigInt(r.start) >= BigInt(b.start) && BigInt(r.last) <= BigInt(b.last))).toBe(true);
      // A hole (reserved region) rejects a fixed map with EINVAL.
      const hole = after.ranges.length > 1 ? BigInt(after.ranges[0]!.last) + 1n : null;
      if (hole !== null) errMap('EINVAL', ops, f.h, { ioasId: f.ioas, iova: hole, length: PAGE, readable: true, writeable: true });
      ok(ops.detachPt(f.dev!));
      const again = ok(ops.ioasIovaRanges(f.h, f.ioas)).ranges;
      expect(again).toEqual(before);
    });

    it('IOMMU_DESTROY of an IOAS with an attached device: EBUSY, then success after detach', () => {
      if (!needsBind()) return;
      f.attach();
      err('EBUSY', ops.destroy(f.h, f.ioas));
      ok(ops.detachPt(f.dev!));
      ok(ops.destroy(f.h, f.ioas));
      f.ioas = ok(ops.ioasAlloc(f.h));
    });

    it('VFIO_DEVICE_GET_IRQ_INFO: MSI-X has vectors and EVENTFD; an index past VFIO_PCI_NUM_IRQS is EINVAL', () => {
      if (!needsBind()) return;
      const info = ok(ops.irqInfo(f.dev!, VFIO_PCI_MSIX));
      expect(info.count).toBeGreaterThan(0);
      expect(info.flags & 1).toBe(1);
      err('EINVAL', ops.irqInfo(f.dev!, 5));
    });

    it('VFIO_DEVICE_SET_IRQS: eventfd trigger, loop-back signals, MASK on MSI-X ENOTTY, out-of-range EINVAL, closed eventfd EBADF, disable', () => {
      if (!needsBind()) return;
      f.attach();
      const count = ok(ops.irqInfo(f.dev!, VFIO_PCI_MSIX)).count;
      const n = Math.min(2, count);
      const evs = f.enableMsix(n);
      ok(ops.setIrqs(f.dev!, { index: VFIO_PCI_MSIX, start: 0, count: n, action: 'trigger', data: { kind: 'none' } }));
      for (const e of evs) expect(ok(ops.readEventfd(e))).toBe(1n);
      ok(ops.setIrqs(f.dev!, { index: VFIO_PCI_MSIX, start: 0, count: n, action: 'trigger', data: { kind: 'bool', values: [false, true].slice(0, n) } }));
      expect(ok(ops.readEventfd(evs[n - 1]!))).toBe(n === 2 ? 1n : 0n);
      err('ENOTTY', ops.setIrqs(f.dev!, { index: VFIO_PCI_MSIX, start: 0, count: 1, action: 'mask', data: { kind: 'none' } }));
      err('EINVAL', ops.setIrqs(f.dev!, { index: VFIO_PCI_MSIX, start: count, count: 1, action: 'trigger', data: { kind: 'none' } }));
      const dead = ok(ops.eventfd());
      ok(ops.closeEventfd(dead));
      err('EBADF', ops.setIrqs(f.dev!, { index: VFIO_PCI_MSIX, start: 0, count: 1, action: 'trigger', data: { kind: 'eventfd', fds: [dead] } }));
      ok(ops.setIrqs(f.dev!, { index: VFIO_PCI_MSIX, start: 0, count: 0, action: 'trigger', data: { kind: 'none' } }));
      if (ops.msiIrqs) expect(ok(ops.msiIrqs(variant.bdf))).toEqual([]);
    });

    it('/proc/irq affinity of a VFIO vector: settable (not managed); ERANGE past the last CPU; EINVAL for garbage; effective within requested', () => {
      if (!needsBind() || !ops.msiIrqs) return;
      f.attach();
      f.enableMsix(1);
      const irq = ok(ops.msiIrqs(variant.bdf))[0]!;
      const before = ok(ops.readAffinity(irq));
      f.restore.push({ irq, list: before.affinity.join(',') });
      errAffinity('ERANGE', ops, irq, '65535');
      errAffinity('EINVAL', ops, irq, 'not-a-cpu');
      if (variant.offlineCpu !== undefined) errAffinity('EINVAL', ops, irq, String(variant.offlineCpu));
      const target = before.effective[0]!;
      ok(ops.writeAffinity(irq, String(target)));
      const after = ok(ops.readAffinity(irq));
      expect(after.affinity).toEqual([target]);
      for (const c of after.effective) expect(after.affinity).toContain(c);
    });

    it('closing the device fd unbinds: the IOAS can be destroyed afterwards', () => {
      if (!needsBind()) return;
      f.attach();
      ok(ops.closeDevice(f.dev!));
      f.dev = null;
      ok(ops.destroy(f.h, f.ioas));
    });
  });
}
