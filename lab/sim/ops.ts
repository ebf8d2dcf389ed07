// SPDX-License-Identifier: MIT
// KernelOps on the simulated kernel. Each call is logged in the same KernelOp form the linux
// backend uses, with the ioctl name the real kernel would see; refusals come back as the errno
// the real code returns, and injected internal failures (fail-nth) as ENOMEM.
import { ERRNO, type ErrnoName } from '../../common/errno.js';
import { errnoError } from '../../common/errors.js';
import { hex, type IovaRange } from '../../common/model/index.js';
import type { IrqMoveFacts } from '../../common/verdict.js';
import type { KernelLog } from '../kernel-log.js';
import type { DeviceHandle, EventfdHandle, IommufdHandle, KernelOps, OpResult, RegionInfo, SetIrqsData } from '../ops.js';
import { InjectedFault } from './fault.js';
import { KernelError, VFIO_PCI_MSIX, type SimKernel, type TableEntry } from './kernel.js';

type Args = Record<string, string | number | boolean>;

const HINTS: Partial<Record<ErrnoName, string>> = {
  EPERM: 'The kernel refused: a managed IRQ, or no MSI isolation without allow_unsafe_interrupts.',
  EEXIST: 'Unmap the overlapping range first, or let the kernel pick the IOVA.',
  ENOENT: 'Check the object id, or that the range matches whole earlier mappings.',
  EBUSY: 'Something still uses it: detach devices first, or wait for the interrupt move to complete.',
  EINVAL: 'Check the arguments against the kernel rules (alignment, ranges, index, state).',
  ENOTTY: 'This kernel does not have that operation.',
  EOPNOTSUPP: 'This kernel or platform does not support that option or value.',
  ENOMEM: 'Out of memory (injected); the operation must have left nothing behind.',
  ERANGE: 'A CPU in the list is past the last CPU of the machine.',
  EADDRINUSE: 'A mapping or allowed range sits inside a reserved region of the device.',
  EBADF: 'The handle was closed.',
};

/** Operations no released kernel has (docs/sim-profiles.md); the linux backend never issues them. */
export interface ExperimentalOps {
  /** rfc-v1: VFIO_IRQ_SET with ACTION_PREPARE|DATA_MSI_IOVA; null clears. */
  msiPrepare(dev: DeviceHandle, req: { index: number; start: number; iovas: bigint[] | null }): OpResult<void>;
  /** per-vector-table: fill the per-device, per-index table (an IOVA, or a per-hart window on IMSIC). */
  msiTableSet(dev: DeviceHandle, req: { index: number; start: number; entries: (TableEntry | null)[] }): OpResult<void>;
  /** per-vector-table: create the IOAS area for a doorbell page (ITS translater page, IMSIC hart pages). */
  ioasMapDoorbell(h: IommufdHandle, req: { ioasId: number; iova: bigint; target: { kind: 'its' } | { kind: 'imsic'; firstHart: number; harts: number } }): OpResult<{ iova: bigint }>;
  /** sw-msi-option: per-device SW_MSI start (bytes, 1 MB aligned) / size (MB), before attach. */
  swMsiSet(h: IommufdHandle, req: { devId: number; which: 'start' | 'size'; value: bigint }): OpResult<void>;
}

export class SimOps implements KernelOps {
  readonly name: string;
  readonly experimental: ExperimentalOps;

  constructor(readonly k: SimKernel, readonly log: KernelLog) {
    this.name = `sim ${k.sc.name}/${k.params.profile}${k.params.bugs.size ? `+${[...k.params.bugs].join('+')}` : ''}`;
    this.experimental = {
      msiPrepare: (dev, req) => this.run('x-VFIO_IRQ_SET_ACTION_PREPARE', 'ioctl', dev.bdf, { fd: dev.id, index: req.index, start: req.start, count: req.iovas?.length ?? 0 }, () => k.msiPrepare(dev.id, req.index, req.start, req.iovas)),
      msiTableSet: (dev, req) => this.run('x-VFIO_DEVICE_MSI_TABLE_SET', 'ioctl', dev.bdf, { fd: dev.id, index: req.index, start: req.start, count: req.entries.length }, () => k.msiTableSet(dev.id, req.index, req.start, req.entries)),
      ioasMapDoorbell: (h, req) => this.run('x-IOMMU_IOAS_MAP_DOORBELL', 'ioctl', null, { fd: h.id, ioas_id: req.ioasId, iova: hex(req.iova), target: req.target.kind }, () => ({ iova: k.ioasMapDoorbell(h.id, req) })),
      swMsiSet: (h, req) => this.run(`x-IOMMU_OPTION_SW_MSI_${req.which.toUpperCase()}`, 'ioctl', null, { fd: h.id, object_id: req.devId, val64: hex(req.value) }, () => k.swMsiSet(h.id, req)),
    };
  }

  /** Run one kernel operation: log it, turn refusals and injected faults into errno results. */
  run<T>(op: string, kind: 'ioctl' | 'write' | 'open', bdf: string | null, args: Args, fn: () => T): OpResult<T> {
    const at = Date.now();
    try {
      const value = fn();
      this.log.record({ at, kind, op, bdf, args, ok: true, ret: 0, errno: null, errnoName: null, durationUs: 0 });
      return { ok: true, value };
    } catch (e) {
      let errno: ErrnoName;
      let why: string;
      if (e instanceof KernelError) { errno = e.errno; why = e.why; }
      else if (e instanceof InjectedFault) { errno = e.errno; why = `injected failure at internal step ${e.step}`; }
      else throw e;
      this.log.record({ at, kind, op, bdf, args: { ...args, why }, ok: false, ret: -1, errno: ERRNO[errno], errnoName: errno, durationUs: 0 });
      const path = kind === 'write' ? op.replace(/^write /, '') : undefined;
      const error = errnoError(op, errno, HINTS[errno] ?? 'See the kernel interaction log.', {
        message: `${op} failed: ${errno} (${ERRNO[errno]}): ${why}`,
        ...(path ? { path } : {}),
        detail: { ...args, ...(bdf ? { bdf } : {}) },
      });
      return { ok: false, errno, errnoValue: ERRNO[errno], error };
    }
  }

  openIommufd(): OpResult<IommufdHandle> {
    return this.run('open /dev/iommu', 'open', null, {}, () => ({ kind: 'iommufd' as const, id: this.k.openIommufd().fd! }));
  }
  ioasAlloc(h: IommufdHandle): OpResult<number> {
    return this.run('IOMMU_IOAS_ALLOC', 'ioctl', null, { fd: h.id }, () => this.k.ioasAlloc(this.k.iommufdOf(h.id)));
  }
  destroy(h: IommufdHandle, id: number): OpResult<void> {
    return this.run('IOMMU_DESTROY', 'ioctl', null, { fd: h.id, id }, () => this.k.destroy(this.k.iommufdOf(h.id), id));
  }
  ioasIovaRanges(h: IommufdHandle, ioasId: number): OpResult<{ ranges: IovaRange[]; alignment: bigint }> {
    // The two-pass EMSGSIZE protocol, as QEMU does it: num_iovas=0 first; the kernel answers
    // EMSGSIZE and writes the count it needs back into num_iovas, which the second pass passes.
    let needed = 0;
    const first = this.run('IOMMU_IOAS_IOVA_RANGES', 'ioctl', null, { fd: h.id, ioas_id: ioasId, num_iovas: 0 }, () => {
      const io = this.k.ioasOf(this.k.iommufdOf(h.id), ioasId);
      needed = io.ranges().length;
      if (needed > 0) throw new KernelError('EMSGSIZE', `num_iovas 0 is too small; the kernel needs ${needed}`);
      return { ranges: [] as IovaRange[], alignment: io.alignment };
    });
    if (first.ok || first.errno !== 'EMSGSIZE') return first;
    return this.run('IOMMU_IOAS_IOVA_RANGES', 'ioctl', null, { fd: h.id, ioas_id: ioasId, num_iovas: needed }, () => {
      const io = this.k.ioasOf(this.k.iommufdOf(h.id), ioasId);
      return { ranges: io.ranges().map((r) => ({ start: hex(r.start), last: hex(r.last) })), alignment: io.alignment };
    });
  }
  ioasAllowIovas(h: IommufdHandle, ioasId: number, ranges: IovaRange[]): OpResult<void> {
    return this.run('IOMMU_IOAS_ALLOW_IOVAS', 'ioctl', null, { fd: h.id, ioas_id: ioasId, num_iovas: ranges.length }, () =>
      this.k.ioasAllowIovas(this.k.iommufdOf(h.id), ioasId, ranges.map((r) => ({ start: BigInt(r.start), last: BigInt(r.last) }))));
  }
  ioasMap(h: IommufdHandle, req: { ioasId: number; length: bigint; iova?: bigint; readable: boolean; writeable: boolean }): OpResult<{ iova: bigint }> {
    const flags = [...(req.iova !== undefined ? ['FIXED_IOVA'] : []), ...(req.readable ? ['READABLE'] : []), ...(req.writeable ? ['WRITEABLE'] : [])];
    return this.run('IOMMU_IOAS_MAP', 'ioctl', null, { fd: h.id, ioas_id: req.ioasId, length: hex(req.length), iova: req.iova === undefined ? 'auto' : hex(req.iova), flags: flags.join('|') }, () =>
      ({ iova: this.k.ioasMap(this.k.iommufdOf(h.id), { ioasId: req.ioasId, length: req.length, ...(req.iova !== undefined ? { iova: req.iova } : {}), flags }) }));
  }
  ioasUnmap(h: IommufdHandle, req: { ioasId: number; iova: bigint; length: bigint }): OpResult<{ unmapped: bigint }> {
    return this.run('IOMMU_IOAS_UNMAP', 'ioctl', null, { fd: h.id, ioas_id: req.ioasId, iova: hex(req.iova), length: hex(req.length) }, () =>
      ({ unmapped: this.k.ioasUnmap(this.k.iommufdOf(h.id), req) }));
  }
  option(h: IommufdHandle, req: { optionId: number; op: 'get' | 'set'; objectId: number; val?: bigint }): OpResult<bigint> {
    return this.run('IOMMU_OPTION', 'ioctl', null, { fd: h.id, option_id: req.optionId, op: req.op, object_id: req.objectId }, () => {
      const ctx = this.k.iommufdOf(h.id);
      // 7.3: enum iommufd_option has RLIMIT_MODE=0 and HUGE_PAGES=1 only.
      if (req.optionId === 0) {
        if (req.objectId !== 0) throw new KernelError('EINVAL', 'RLIMIT_MODE is global: object_id must be 0');
        if (req.op === 'set' && req.val !== 0n && req.val !== 1n) throw new KernelError('EINVAL', 'RLIMIT_MODE is 0 or 1');
        return req.op === 'get' ? 0n : (req.val ?? 0n);
      }
      if (req.optionId === 1) {
        this.k.ioasOf(ctx, req.objectId);
        if (req.op === 'set' && req.val !== 0n && req.val !== 1n) throw new KernelError('EINVAL', 'HUGE_PAGES is 0 or 1');
        return req.op === 'get' ? 1n : (req.val ?? 1n);
      }
      throw new KernelError('EOPNOTSUPP', `option_id ${req.optionId} is unknown to this kernel`);
    });
  }
  getHwInfo(h: IommufdHandle, devId: number): OpResult<{ type: number; capabilities: bigint; data: Uint8Array }> {
    return this.run('IOMMU_GET_HW_INFO', 'ioctl', null, { fd: h.id, dev_id: devId }, () => {
      const o = this.k.iommufdOf(h.id).objects.get(devId);
      if (!o || o.type !== 'device') throw new KernelError('ENOENT', `no device object ${devId}`);
      const kind = this.k.sc.iommu.kind;
      const [type, len] = kind === 'arm-smmuv3' ? [2, 40] : kind === 'intel-vtd' ? [1, 24] : kind === 'amd-vi' ? [4, 16] : [0, 0];
      return { type, capabilities: 0n, data: new Uint8Array(len) };
    });
  }
  hwptAlloc(h: IommufdHandle, req: { devId: number; ptId: number; flags: number; dataType?: number; data?: Uint8Array }): OpResult<number> {
    return this.run('IOMMU_HWPT_ALLOC', 'ioctl', null, { fd: h.id, dev_id: req.devId, pt_id: req.ptId, flags: req.flags, data_type: req.dataType ?? 0 }, () => {
      const ctx = this.k.iommufdOf(h.id);
      if (req.flags & ~0xf) throw new KernelError('EOPNOTSUPP', 'unknown HWPT flags');
      const dev = ctx.objects.get(req.devId);
      if (!dev || dev.type !== 'device') throw new KernelError('ENOENT', `no device object ${req.devId}`);
      if ((req.dataType ?? 0) !== 0) throw new KernelError('EOPNOTSUPP', 'nested HWPT data is not simulated for a user allocation');
      const io = this.k.ioasOf(ctx, req.ptId);
      this.k.fault.hit('iommufd_hwpt_paging_alloc');
      const id = ctx.nextId++;
      ctx.objects.set(id, { type: 'hwpt', id, ioasId: req.ptId, devs: new Set(), auto: false, nestParent: (req.flags & 1) !== 0, swMsi: new Map() });
      io.users.add(id);
      return id;
    });
  }
  closeIommufd(h: IommufdHandle): OpResult<void> {
    return this.run('close /dev/iommu', 'ioctl', null, { fd: h.id }, () => this.k.closeIommufd(h.id));
  }

  openDevice(bdf: string): OpResult<DeviceHandle> {
    return this.run(`open /dev/vfio/devices (${bdf})`, 'open', bdf, {}, () => ({ kind: 'vfio-device' as const, id: this.k.openDevice(bdf), bdf }));
  }
  bindIommufd(dev: DeviceHandle, h: IommufdHandle): OpResult<{ devId: number }> {
    return this.run('VFIO_DEVICE_BIND_IOMMUFD', 'ioctl', dev.bdf, { fd: dev.id, iommufd: h.id }, () => ({ devId: this.k.bind(dev.id, h.id) }));
  }
  attachPt(dev: DeviceHandle, ptId: number): OpResult<{ ptId: number }> {
    return this.run('VFIO_DEVICE_ATTACH_IOMMUFD_PT', 'ioctl', dev.bdf, { fd: dev.id, pt_id: ptId }, () => ({ ptId: this.k.attach(dev.id, ptId) }));
  }
  detachPt(dev: DeviceHandle): OpResult<void> {
    return this.run('VFIO_DEVICE_DETACH_IOMMUFD_PT', 'ioctl', dev.bdf, { fd: dev.id }, () => this.k.detach(dev.id));
  }
  deviceInfo(dev: DeviceHandle): OpResult<{ flags: number; numRegions: number; numIrqs: number }> {
    return this.run('VFIO_DEVICE_GET_INFO', 'ioctl', dev.bdf, { fd: dev.id }, () => {
      this.k.requireBound(dev.id);
      return { flags: 0x3, numRegions: 9, numIrqs: 5 };   // RESET|PCI; 9 PCI regions; 5 IRQ indexes
    });
  }
  regionInfo(dev: DeviceHandle, index: number): OpResult<RegionInfo> {
    return this.run('VFIO_DEVICE_GET_REGION_INFO', 'ioctl', dev.bdf, { fd: dev.id, index }, () => {
      const d = this.k.requireBound(dev.id);
      if (index < 0 || index >= 9) throw new KernelError('EINVAL', `region index ${index} is past VFIO_PCI_NUM_REGIONS`);
      const offset = BigInt(index) << 40n;
      if (index === 7) return { index, flags: 0x3, size: 4096n, offset, caps: [] };
      if (index === 0) return { index, flags: 0x7 | 0x8, size: 0x4000n, offset, caps: d.spec.msix > 0 ? [{ id: 3, version: 1 }] : [] };
      return { index, flags: 0, size: 0n, offset, caps: [] };
    });
  }
  irqInfo(dev: DeviceHandle, index: number): OpResult<{ flags: number; count: number }> {
    return this.run('VFIO_DEVICE_GET_IRQ_INFO', 'ioctl', dev.bdf, { fd: dev.id, index }, () => this.k.irqInfo(dev.id, index));
  }
  setIrqs(dev: DeviceHandle, req: { index: number; start: number; count: number; action: 'trigger' | 'mask' | 'unmask'; data: SetIrqsData }): OpResult<void> {
    const data = req.data.kind === 'eventfd' ? { kind: 'eventfd' as const, fds: req.data.fds.map((e) => (e ? e.id : null)) } : req.data;
    return this.run('VFIO_DEVICE_SET_IRQS', 'ioctl', dev.bdf, { fd: dev.id, index: req.index, start: req.start, count: req.count, flags: `DATA_${req.data.kind.toUpperCase()}|ACTION_${req.action.toUpperCase()}` }, () =>
      this.k.setIrqs(dev.id, { ...req, data }));
  }
  reset(dev: DeviceHandle): OpResult<void> {
    return this.run('VFIO_DEVICE_RESET', 'ioctl', dev.bdf, { fd: dev.id }, () => { this.k.requireBound(dev.id); });
  }
  closeDevice(dev: DeviceHandle): OpResult<void> {
    return this.run('close /dev/vfio/devices', 'ioctl', dev.bdf, { fd: dev.id }, () => this.k.closeDevice(dev.id));
  }

  eventfd(): OpResult<EventfdHandle> {
    return this.run('eventfd', 'open', null, {}, () => ({ kind: 'eventfd' as const, id: this.k.eventfd() }));
  }
  readEventfd(e: EventfdHandle): OpResult<bigint> {
    // Reads are not kernel-state changes: not logged, like the linux backend's reads.
    try { return { ok: true, value: this.k.readEventfd(e.id) }; } catch (err) {
      if (!(err instanceof KernelError)) throw err;
      return { ok: false, errno: err.errno, errnoValue: ERRNO[err.errno], error: errnoError('read eventfd', err.errno, HINTS[err.errno] ?? '') };
    }
  }
  closeEventfd(e: EventfdHandle): OpResult<void> {
    return this.run('close eventfd', 'ioctl', null, { fd: e.id }, () => this.k.closeEventfd(e.id));
  }

  msiIrqs(bdf: string): OpResult<number[]> {
    const d = this.k.devs.get(bdf);
    if (!d) return { ok: false, errno: 'ENOENT', errnoValue: ERRNO.ENOENT, error: errnoError(`read /sys/bus/pci/devices/${bdf}/msi_irqs`, 'ENOENT', 'Check the BDF.') };
    const irqs = d.driver === 'vfio-pci' ? [...d.vecs.values()].map((v) => v.irq) : d.hostIrqs;
    return { ok: true, value: irqs.sort((a, b) => a.index - b.index).map((i) => i.irq) };
  }

  readAffinity(irq: number): OpResult<{ affinity: number[]; effective: number[] }> {
    try { return { ok: true, value: this.k.readAffinity(irq) }; } catch (err) {
      if (!(err instanceof KernelError)) throw err;
      return { ok: false, errno: err.errno, errnoValue: ERRNO[err.errno], error: errnoError(`read /proc/irq/${irq}/smp_affinity_list`, err.errno, 'Is the IRQ allocated with a handler?', { path: `/proc/irq/${irq}/smp_affinity_list` }) };
    }
  }
  /** The simulated debugfs dstate; the profiles are 6.12+ kernels, so a managed IRQ's files are 0444. */
  irqFacts(irq: number): IrqMoveFacts | null {
    const f = this.k.irqFlags(irq);
    if (!f) return null;
    const on = [f.managed ? 'IRQD_AFFINITY_MANAGED' : null, f.forwardedToVcpu ? 'IRQD_FORWARDED_TO_VCPU' : null].filter((x): x is string => x !== null);
    return {
      managed: f.managed, noBalancing: false, forwardedToVcpu: f.forwardedToVcpu, readOnly: f.managed,
      evidence: [`/sys/kernel/debug/irq/irqs/${irq} (simulated): dstate ${on.length > 0 ? `lists ${on.join(', ')}` : 'lists none of IRQD_AFFINITY_MANAGED, IRQD_PER_CPU, IRQD_NO_BALANCING, IRQD_FORWARDED_TO_VCPU'}`],
    };
  }

  writeAffinity(irq: number, cpuList: string): OpResult<void> {
    const irqObj = this.k.irqs.get(irq);
    return this.run(`write /proc/irq/${irq}/smp_affinity_list`, 'write', irqObj?.bdf ?? null, { value: cpuList }, () => this.k.writeAffinity(irq, cpuList));
  }
}

export { VFIO_PCI_MSIX };
