// SPDX-License-Identifier: MIT
// The simulated kernel: iommufd contexts and objects, VFIO cdev devices, IRQ descriptors and the
// three interrupt controllers, with the errno rules of the real code (domain.md §2, §3.5, §5).
// Refusals throw KernelError (an errno and why); injected faults throw InjectedFault. lab/sim/ops.ts
// turns both into OpResults and logs every call.
import type { ErrnoName } from '../../common/errno.js';
import { parseCpuList } from '../../common/cpulist.js';
import {
  composeAmdRemap, composeImsic, composeIntelRemap, composeIts, composeX86Compat, ITS_TRANSLATER_OFFSET, ITS_TRANSLATER_PAGE, pageOf, type Msg,
} from './compose.js';
import { FaultPlan, Undo } from './fault.js';
import { Ioas, type Area, U64_MAX } from './ioas.js';
import { userAddressProfile, type SimParams } from './profiles.js';
import { DEFAULT_RATE, raised, vectorRate } from './traffic.js';
import type { DeviceSpec, Scenario } from './scenario.js';

export class KernelError extends Error {
  constructor(readonly errno: ErrnoName, readonly why: string) {
    super(`${errno}: ${why}`);
  }
}
const kerr = (errno: ErrnoName, why: string) => new KernelError(errno, why);

export const PAGE = 0x1000n;
export const VFIO_PCI_INTX = 0, VFIO_PCI_MSI = 1, VFIO_PCI_MSIX = 2, VFIO_PCI_ERR = 3, VFIO_PCI_REQ = 4, VFIO_PCI_NUM_IRQS = 5;
export const DOORBELL_OWNER = 'doorbell';

export interface EventfdObj { id: number; fd: number | null; count: bigint; refs: number }

export interface HwptObj {
  type: 'hwpt'; id: number; ioasId: number; devs: Set<string>; auto: boolean; nestParent: boolean;
  /** iommufd_sw_msi mappings installed in this domain: IOVA page → PA page (present_sw_msi). */
  swMsi: Map<bigint, bigint>;
}
export type Obj = { type: 'ioas'; id: number; ioas: Ioas } | HwptObj | { type: 'device'; id: number; bdf: string };

export interface Ctx { fd: number | null; owner: string; objects: Map<number, Obj>; nextId: number; }

export interface ItsState { eventId: number; lpi: number; colCpu: number }
export interface ImsicState { hart: number; id: number; old: { hart: number; id: number } | null }
export interface X86State { cpu: number; vector: number; prev: { cpu: number; vector: number } | null; irte: { handle: number; cpu: number; vector: number } | null }

export interface Irq {
  irq: number;
  bdf: string;
  index: number;
  kind: 'msi' | 'msix';
  chip: string;
  chain: string[];
  actions: string[];
  managed: boolean;
  affinity: number[];
  eff: number;
  /** A move the hardware has not finished (x86 move_in_progress, IMSIC vector move). */
  moving: boolean;
  counts: Float64Array;
  posted: boolean;
  masked: boolean;
  /** What the device's MSI-X table holds, and what the kernel composed (debugfs). */
  hw: Msg;
  cached: Msg;
  procCreated: boolean;
  /** Interrupts per second the device raises on this vector (traffic.ts); `acc` carries the fraction. */
  rate: number;
  acc: number;
  /** Bumped whenever `counts` changes, so a sample copies only IRQs that moved. */
  ver: number;
  its: ItsState | null;
  imsic: ImsicState | null;
  x86: X86State | null;
}

export type TableEntry = { iova: bigint } | { window: bigint };

export interface Vec { irq: Irq; trigger: EventfdObj | null }

export interface Dev {
  spec: DeviceSpec;
  driver: string | null;
  holder: { kind: 'process'; pid: number; comm: string } | { kind: 'free' } | { kind: 'doorbell' };
  fds: Set<number>;
  bound: { ctx: Ctx; fd: number; devId: number } | null;
  hwptId: number | null;
  irqType: 'none' | 'msi' | 'msix';
  vecs: Map<number, Vec>;
  hostIrqs: Irq[];
  /** per-vector-table: `${irqIndex}:${vector}` → entry. rfc-v1: the prepared IOVAs. */
  table: Map<string, TableEntry>;
  prepared: Map<string, bigint>;
  swMsiOpt: { start: bigint | null; sizeMb: bigint | null };
  nested: boolean;
  faults: { count: number; last: string | null };
}

const overlap = (a0: bigint, a1: bigint, b0: bigint, b1: bigint) => a0 <= b1 && b0 <= a1;

/** mulberry32: the seeded generator behind the traffic, so runs repeat. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SimKernel {
  readonly fault = new FaultPlan();
  readonly ctxs = new Map<number, Ctx>();          // by internal id
  private nextCtx = 1;
  readonly fds = new Map<number, { kind: 'iommufd'; ctx: Ctx } | { kind: 'device'; bdf: string } | { kind: 'eventfd'; ev: EventfdObj }>();
  readonly eventfds = new Set<EventfdObj>();
  private nextEv = 1;
  readonly devs = new Map<string, Dev>();
  readonly irqs = new Map<number, Irq>();
  readonly online: Set<number>;
  private readonly x86Used = new Map<number, Set<number>>();   // cpu → vectors in use
  private readonly irteUsed = new Set<number>();
  private readonly imsicUsed = new Map<number, Set<number>>(); // hart → identities
  private nextLpi = 8192;
  private readonly random: () => number;
  readonly pinned = { bytes: 0n };

  constructor(readonly sc: Scenario, readonly params: SimParams) {
    this.online = new Set(sc.cpus.online);
    this.random = rng(params.seed);
    for (const spec of sc.devices) {
      this.devs.set(spec.bdf, {
        spec,
        driver: spec.state === 'host' ? spec.host!.name : 'vfio-pci',
        holder: spec.state === 'vmm' ? { kind: 'process', pid: spec.vmm!.pid, comm: spec.vmm!.comm } : { kind: 'free' },
        fds: new Set(), bound: null, hwptId: null, irqType: 'none', vecs: new Map(), hostIrqs: [],
        table: new Map(), prepared: new Map(), swMsiOpt: { start: null, sizeMb: null },
        nested: spec.vmm?.nested ?? false, faults: { count: 0, last: null },
      });
    }
  }

  get profile() { return this.params.profile; }
  bug(name: Parameters<SimParams['bugs']['has']>[0]): boolean { return this.params.bugs.has(name); }
  get chip() { return this.sc.irqchip; }
  get isX86() { return this.sc.irqchip.kind === 'x86-vector'; }
  get lastCpu() { return this.sc.cpus.possible - 1; }

  // ---------------------------------------------------------------- fds
  /** Lowest fd number handed out: another process (a VMM) gets its own range. */
  fdBase = 3;
  private allocFd(): number {
    let fd = this.fdBase;
    while (this.fds.has(fd)) fd++;
    return fd;
  }

  iommufdOf(fd: number): Ctx {
    const f = this.fds.get(fd);
    if (!f || f.kind !== 'iommufd') throw kerr('EBADF', `fd ${fd} is not an open /dev/iommu`);
    return f.ctx;
  }

  devOf(fd: number): Dev {
    const f = this.fds.get(fd);
    if (!f || f.kind !== 'device') throw kerr('EBADF', `fd ${fd} is not an open VFIO device`);
    return this.devs.get(f.bdf)!;
  }

  eventfdOf(fd: number): EventfdObj {
    const f = this.fds.get(fd);
    if (!f || f.kind !== 'eventfd') throw kerr('EBADF', `fd ${fd} is not an eventfd`);
    return f.ev;
  }

  // ---------------------------------------------------------------- /dev/iommu
  openIommufd(owner = DOORBELL_OWNER, withFd = true): Ctx {
    this.fault.hit('iommufd_fops_open');
    const ctx: Ctx = { fd: withFd ? this.allocFd() : null, owner, objects: new Map(), nextId: 1 };
    this.ctxs.set(this.nextCtx++, ctx);
    if (ctx.fd !== null) this.fds.set(ctx.fd, { kind: 'iommufd', ctx });
    return ctx;
  }

  closeIommufd(fd: number): void {
    const ctx = this.iommufdOf(fd);
    this.fds.delete(fd);
    ctx.fd = null;
    this.maybeReleaseCtx(ctx);
  }

  /** iommufd_fops_release runs when the last reference goes: bound devices hold one each. */
  private maybeReleaseCtx(ctx: Ctx): void {
    if (ctx.fd !== null) return;
    if ([...ctx.objects.values()].some((o) => o.type === 'device')) return;
    for (const o of [...ctx.objects.values()]) if (o.type === 'hwpt') this.freeHwpt(ctx, o);
    for (const o of [...ctx.objects.values()]) {
      if (o.type === 'ioas') this.unpinAll(o.ioas);
      ctx.objects.delete(o.id);
    }
    for (const [k, c] of this.ctxs) if (c === ctx) this.ctxs.delete(k);
  }

  /** Destroying an IOAS unpins its memory areas (doorbell areas pin nothing). */
  private unpinAll(ioas: Ioas): void {
    for (const a of ioas.areas) if (a.doorbellPa === null) this.pinned.bytes -= a.last - a.iova + 1n;
    ioas.remove([...ioas.areas]);
  }

  private newId(ctx: Ctx): number {
    return ctx.nextId++;
  }

  ioasAlloc(ctx: Ctx): number {
    this.fault.hit('iommufd_ioas_alloc');
    const id = this.newId(ctx);
    this.fault.hit('iommufd_object_finalize');
    ctx.objects.set(id, { type: 'ioas', id, ioas: new Ioas(id) });
    return id;
  }

  ioasOf(ctx: Ctx, id: number): Ioas {
    const o = ctx.objects.get(id);
    if (!o || o.type !== 'ioas') throw kerr('ENOENT', `no IOAS with id ${id}`);
    return o.ioas;
  }

  destroy(ctx: Ctx, id: number): void {
    const o = ctx.objects.get(id);
    if (!o) throw kerr('ENOENT', `no object with id ${id}`);
    if (o.type === 'ioas' && o.ioas.users.size > 0) throw kerr('EBUSY', `IOAS ${id} is used by HWPT ${[...o.ioas.users].join(', ')} (a device is attached)`);
    if (o.type === 'hwpt' && o.devs.size > 0) throw kerr('EBUSY', `HWPT ${id} has attached devices`);
    if (o.type === 'device') throw kerr('EBUSY', `device object ${id} is owned by its VFIO device fd; close the fd to unbind`);
    if (o.type === 'hwpt') this.freeHwpt(ctx, o);
    if (o.type === 'ioas') this.unpinAll(o.ioas);
    ctx.objects.delete(id);
  }

  private freeHwpt(ctx: Ctx, h: HwptObj): void {
    const io = ctx.objects.get(h.ioasId);
    if (io?.type === 'ioas') {
      io.ioas.users.delete(h.id);
      if (io.ioas.users.size === 0) { io.ioas.alignment = 1n; io.ioas.aperture = { start: 0n, last: U64_MAX }; }
    }
    ctx.objects.delete(h.id);
  }

  ioasMap(ctx: Ctx, req: { ioasId: number; length: bigint; iova?: bigint; flags: string[]; label?: string; doorbellPa?: bigint }): bigint {
    const ioas = this.ioasOf(ctx, req.ioasId);
    if (req.length === 0n) throw kerr('EINVAL', 'length is 0');
    let iova: bigint;
    if (req.iova !== undefined) {
      const e = ioas.check(req.iova, req.length);
      if (e) throw kerr(e, e === 'EEXIST' ? `IOVA 0x${req.iova.toString(16)} overlaps an existing mapping` : `IOVA 0x${req.iova.toString(16)}+0x${req.length.toString(16)} is not usable (alignment 0x${ioas.alignment.toString(16)}, reserved ranges, aperture)`);
      iova = req.iova;
    } else {
      const a = ioas.allocIova(req.length);
      if (a === null) throw kerr('ENOSPC', 'no free IOVA range of that length');
      iova = a;
    }
    const undo = new Undo();
    try {
      this.fault.hit('iopt_alloc_area');
      if (req.doorbellPa === undefined) {
        this.fault.hit('iopt_pages_pin');
        this.pinned.bytes += req.length;
        undo.push(() => { this.pinned.bytes -= req.length; });
      }
      this.fault.hit('iopt_fill_domains');
      const area: Area = { iova, last: iova + req.length - 1n, label: req.label ?? 'user memory', flags: req.flags, userVa: req.doorbellPa === undefined ? 0x7f0000000000n + iova : null, doorbellPa: req.doorbellPa ?? null };
      ioas.insert(area);
      return iova;
    } catch (e) {
      undo.run();
      throw e;
    }
  }

  ioasUnmap(ctx: Ctx, req: { ioasId: number; iova: bigint; length: bigint }): bigint {
    const ioas = this.ioasOf(ctx, req.ioasId);
    const plan = ioas.unmapPlan(req.iova, req.length);
    if ('errno' in plan) throw kerr(plan.errno, plan.errno === 'ENOENT' ? 'the range does not cover whole mappings, or nothing is mapped there' : 'bad length');
    this.fault.hit('iopt_unmap_iova_range');
    for (const a of plan.areas) if (a.doorbellPa === null) this.pinned.bytes -= a.last - a.iova + 1n;
    return ioas.remove(plan.areas);
  }

  ioasAllowIovas(ctx: Ctx, ioasId: number, ranges: { start: bigint; last: bigint }[]): void {
    const ioas = this.ioasOf(ctx, ioasId);
    for (const r of ranges) {
      if (r.start > r.last) throw kerr('EINVAL', 'a range ends before it starts');
      if (ioas.reserved.some((x) => overlap(r.start, r.last, x.start, x.last))) throw kerr('EADDRINUSE', 'an allowed range overlaps a reserved range');
    }
    this.fault.hit('iopt_set_allow_iova');
    ioas.allowed = ranges.map((r) => ({ ...r }));
  }

  // ---------------------------------------------------------------- VFIO device cdev
  openDevice(bdf: string, owner = DOORBELL_OWNER): number {
    const d = this.devs.get(bdf);
    if (!d) throw kerr('ENOENT', `no PCI device ${bdf}`);
    if (d.driver !== 'vfio-pci') throw kerr('ENOENT', `${bdf} is bound to ${d.driver ?? 'no driver'}, so it has no /dev/vfio/devices node`);
    this.fault.hit('vfio_device_fops_cdev_open');
    const fd = this.allocFd();
    this.fds.set(fd, { kind: 'device', bdf });
    d.fds.add(fd);
    if (owner === DOORBELL_OWNER && d.holder.kind === 'free') d.holder = { kind: 'doorbell' };
    return fd;
  }

  bind(fd: number, ctxFd: number | Ctx): number {
    const d = this.devOf(fd);
    const ctx = typeof ctxFd === 'number' ? this.iommufdOf(ctxFd) : ctxFd;
    if (d.bound?.fd === fd) throw kerr('EINVAL', 'this device fd is already bound');
    if (d.bound) throw kerr('EBUSY', `${d.spec.bdf} is already bound to another iommufd${d.holder.kind === 'process' ? ` (held by ${d.holder.comm}[${d.holder.pid}])` : ''}`);
    // iommufd_device_bind: without isolated MSI only allow_unsafe_interrupts lets it through.
    if (!this.sc.iommu.isolatedMsi && !this.params.allowUnsafeInterrupts) {
      throw kerr('EPERM', 'the platform has no MSI isolation (IRQ_DOMAIN_FLAG_ISOLATED_MSI) and allow_unsafe_interrupts is off');
    }
    this.fault.hit('iommufd_device_bind');
    const id = this.newId(ctx);
    this.fault.hit('iommufd_object_finalize');
    ctx.objects.set(id, { type: 'device', id, bdf: d.spec.bdf });
    d.bound = { ctx, fd, devId: id };
    return id;
  }

  private bound(d: Dev, fd: number): { ctx: Ctx; devId: number } {
    if (!d.bound || d.bound.fd !== fd) throw kerr('EINVAL', 'the device fd is not bound to an iommufd (VFIO_DEVICE_BIND_IOMMUFD first)');
    return d.bound;
  }

  /** The device's reserved regions: group regions plus the SW_MSI window (moved by the sw-msi-option profile). */
  resvRegions(d: Dev): { start: bigint; last: bigint; type: string }[] {
    const out = this.sc.iommu.reserved.map((r) => ({ ...r }));
    const w = this.swMsiWindow(d);
    if (w) out.push({ start: w.start, last: w.last, type: 'msi' });
    return out;
  }

  swMsiWindow(d: Dev): { start: bigint; last: bigint } | null {
    const sw = this.sc.iommu.swMsi;
    if (!sw) return null;
    // per-vector-table: "no implicit stage-2 programming", so no SW_MSI window is reserved.
    if (this.profile === 'per-vector-table') return null;
    if (d.swMsiOpt.start !== null) {
      const size = d.swMsiOpt.sizeMb && d.swMsiOpt.sizeMb > 0n ? d.swMsiOpt.sizeMb << 20n : sw.last - sw.start + 1n;
      return { start: d.swMsiOpt.start, last: d.swMsiOpt.start + size - 1n };
    }
    return sw;
  }

  attach(fd: number, ptId: number): number {
    const d = this.devOf(fd);
    const { ctx } = this.bound(d, fd);
    const o = ctx.objects.get(ptId);
    if (!o || o.type === 'device') throw kerr('ENOENT', `no IOAS or HWPT with id ${ptId}`);
    let hwpt: HwptObj | null = o.type === 'hwpt' ? o : null;
    const ioasId = o.type === 'ioas' ? o.id : o.ioasId;
    const ioas = this.ioasOf(ctx, ioasId);
    const resv = this.resvRegions(d);
    const old = d.hwptId === null ? null : (ctx.objects.get(d.hwptId) as HwptObj | undefined) ?? null;
    if (old && old === hwpt) return old.id;
    // iopt_table_enforce_dev_resv_regions: a mapping or an allowed range inside a reserved region.
    const sameIoas = old && old.ioasId === ioasId;
    if (!sameIoas) {
      const e = ioas.canReserve(resv);
      if (e) throw kerr(e, `a mapping or allowed range of IOAS ${ioasId} overlaps a reserved region of ${d.spec.bdf}`);
    }
    const undo = new Undo();
    try {
      if (!hwpt) {
        // Auto domain: reuse a compatible HWPT on this IOAS, else allocate one.
        hwpt = [...ctx.objects.values()].find((x): x is HwptObj => x.type === 'hwpt' && x.auto && x.ioasId === ioasId) ?? null;
        if (!hwpt) {
          this.fault.hit('iommufd_hwpt_paging_alloc');
          const id = this.newId(ctx);
          const h: HwptObj = { type: 'hwpt', id, ioasId, devs: new Set(), auto: true, nestParent: d.nested, swMsi: new Map() };
          ctx.objects.set(id, h);
          ioas.users.add(id);
          hwpt = h;
          undo.push(() => this.freeHwpt(ctx, h));
        }
      }
      if (!sameIoas) {
        this.fault.hit('iopt_reserve_iova');
        for (const r of resv) ioas.reserved.push({ ...r, owner: d.spec.bdf });
        undo.push(() => { ioas.reserved = ioas.reserved.filter((r) => r.owner !== d.spec.bdf); });
      }
      this.fault.hit('iommu_attach_group');
      const h = hwpt;
      // iommufd_sw_msi: the ITS page goes into every paging HWPT the device's MSIs need (6.15+).
      this.fault.hit('iommufd_sw_msi_install');
      const sw = this.swMsiWindow(d);
      if (sw && this.chip.kind === 'gic-its' && !h.swMsi.has(sw.start)) {
        h.swMsi.set(sw.start, this.itsTranslaterPa());
        undo.push(() => h.swMsi.delete(sw.start));
      }
      h.devs.add(d.spec.bdf);
      ioas.users.add(h.id);
      ioas.alignment = PAGE;
      ioas.aperture = { start: 0n, last: (1n << BigInt(this.sc.iommu.apertureBits)) - 1n };
      if (old) this.leaveHwpt(ctx, d, old, Boolean(sameIoas));
      d.hwptId = h.id;
      this.recomposeAll(d);
      return h.id;
    } catch (e) {
      undo.run();
      throw e;
    }
  }

  private leaveHwpt(ctx: Ctx, d: Dev, h: HwptObj, keepResv = false): void {
    h.devs.delete(d.spec.bdf);
    const io = ctx.objects.get(h.ioasId);
    if (io?.type === 'ioas' && !keepResv) io.ioas.reserved = io.ioas.reserved.filter((r) => r.owner !== d.spec.bdf);
    if (h.auto && h.devs.size === 0) this.freeHwpt(ctx, h);
  }

  detach(fd: number): void {
    const d = this.devOf(fd);
    const { ctx } = this.bound(d, fd);
    if (d.hwptId === null) return;   // vfio_iommufd_physical_detach_ioas: nothing attached, WARN and return 0
    const h = ctx.objects.get(d.hwptId) as HwptObj;
    this.leaveHwpt(ctx, d, h);
    d.hwptId = null;
    this.recomposeAll(d);
  }

  closeDevice(fd: number): void {
    const d = this.devOf(fd);
    if (d.bound?.fd === fd) {
      this.disableIrqs(d);
      const ctx = d.bound.ctx;
      if (d.hwptId !== null) this.leaveHwpt(ctx, d, ctx.objects.get(d.hwptId) as HwptObj);
      d.hwptId = null;
      ctx.objects.delete(d.bound.devId);
      d.bound = null;
      d.table.clear();
      d.prepared.clear();
      d.swMsiOpt = { start: null, sizeMb: null };
      this.maybeReleaseCtx(ctx);
    }
    d.fds.delete(fd);
    this.fds.delete(fd);
    if (d.fds.size === 0 && d.holder.kind === 'doorbell') d.holder = { kind: 'free' };
  }

  requireBound(fd: number): Dev {
    const d = this.devOf(fd);
    this.bound(d, fd);
    return d;
  }

  irqInfo(fd: number, index: number): { flags: number; count: number } {
    const d = this.requireBound(fd);
    if (index < 0 || index >= VFIO_PCI_NUM_IRQS) throw kerr('EINVAL', `IRQ index ${index} is past VFIO_PCI_NUM_IRQS`);
    const count = [1, d.spec.msi, d.spec.msix, 1, 1][index]!;
    const EVENTFD = 1, MASKABLE = 2, AUTOMASKED = 4, NORESIZE = 8;
    // vfio-pci: INTx is maskable+automasked; MSI-X omits NORESIZE when dynamic allocation works (6.5+).
    const flags = index === VFIO_PCI_INTX ? EVENTFD | MASKABLE | AUTOMASKED : index === VFIO_PCI_MSIX ? EVENTFD : EVENTFD | NORESIZE;
    return { flags, count };
  }

  // ---------------------------------------------------------------- IRQs
  private allocIrqNumber(): number {
    let n = 24;
    while (this.irqs.has(n)) n++;
    return n;
  }

  private chipName(kind: 'msi' | 'msix', bdf: string): { chip: string; chain: string[] } {
    const sfx = `PCI-${kind === 'msix' ? 'MSIX' : 'MSI'}-${bdf}`;
    const c = this.chip;
    if (c.kind === 'gic-its') return { chip: `ITS-${sfx}`, chain: [`ITS-${sfx}`, 'ITS', 'GICv3'] };
    if (c.kind === 'riscv-imsic') return { chip: `IMSIC-${sfx}`, chain: [`IMSIC-${sfx}`, 'IMSIC'] };
    if (c.remap === 'intel') return { chip: `IR-${sfx}`, chain: [`IR-${sfx}`, 'INTEL-IR-0', 'VECTOR'] };
    if (c.remap === 'amd') return { chip: `IR-${sfx}`, chain: [`IR-${sfx}`, 'AMD-IR-0', 'VECTOR'] };
    return { chip: sfx, chain: [sfx, 'VECTOR'] };
  }

  /** Controller CPU choice: least loaded online CPU of the mask (ITS prefers its own NUMA node). */
  pickCpu(mask: number[]): number {
    let cands = mask.filter((c) => this.online.has(c));
    const c = this.chip;
    if (c.kind === 'gic-its') {
      const node = this.sc.cpus.nodes.find((n) => n.id === c.node);
      const local = node ? cands.filter((x) => node.cpus.includes(x)) : [];
      if (local.length > 0) cands = local;
    }
    const load = new Map<number, number>();
    for (const i of this.irqs.values()) load.set(i.eff, (load.get(i.eff) ?? 0) + 1);
    let best = cands[0]!;
    for (const x of cands) if ((load.get(x) ?? 0) < (load.get(best) ?? 0)) best = x;
    return best;
  }

  private x86AllocVector(cpu: number): number {
    const used = this.x86Used.get(cpu) ?? new Set<number>();
    this.x86Used.set(cpu, used);
    for (let v = 0x21; v <= 0xeb; v++) if (!used.has(v)) { used.add(v); return v; }
    throw kerr('ENOSPC', `no free vector on CPU ${cpu}`);
  }

  private imsicAllocId(hart: number): number {
    const used = this.imsicUsed.get(hart) ?? new Set<number>();
    this.imsicUsed.set(hart, used);
    for (let v = 1; v < 256; v++) if (!used.has(v)) { used.add(v); return v; }
    throw kerr('ENOSPC', `no free interrupt identity on hart ${hart}`);
  }

  /** Allocate one IRQ descriptor and its controller resources (msi_domain_alloc_irqs). */
  allocIrq(bdf: string, index: number, kind: 'msi' | 'msix', opts: { managedCpu?: number; rate?: number } = {}): Irq {
    this.fault.hit(`msi_domain_alloc_irq[${index}]`);
    const { chip, chain } = this.chipName(kind, bdf);
    const affinity = opts.managedCpu !== undefined ? [opts.managedCpu] : Array.from({ length: this.sc.cpus.possible }, (_, i) => i);
    const eff = opts.managedCpu ?? this.pickCpu(affinity);
    const irq: Irq = {
      irq: this.allocIrqNumber(), bdf, index, kind, chip, chain, actions: [], managed: opts.managedCpu !== undefined,
      affinity, eff, moving: false, counts: new Float64Array(this.sc.cpus.possible), posted: false, masked: true,
      hw: { address: 0n, data: 0 }, cached: { address: 0n, data: 0 }, procCreated: false, rate: opts.rate ?? 0, acc: 0, ver: 0,
      its: null, imsic: null, x86: null,
    };
    const c = this.chip;
    if (c.kind === 'gic-its') irq.its = { eventId: index, lpi: this.nextLpi++, colCpu: eff };
    else if (c.kind === 'riscv-imsic') irq.imsic = { hart: eff, id: this.imsicAllocId(eff), old: null };
    else {
      const vector = this.x86AllocVector(eff);
      let irte: X86State['irte'] = null;
      if (c.remap !== 'none') {
        let h = 0;
        while (this.irteUsed.has(h)) h++;
        this.irteUsed.add(h);
        irte = { handle: h, cpu: eff, vector };
      }
      irq.x86 = { cpu: eff, vector, prev: null, irte };
    }
    this.irqs.set(irq.irq, irq);
    return irq;
  }

  freeIrq(irq: Irq): void {
    if (irq.x86) {
      this.x86Used.get(irq.x86.cpu)?.delete(irq.x86.vector);
      if (irq.x86.prev) this.x86Used.get(irq.x86.prev.cpu)?.delete(irq.x86.prev.vector);
      if (irq.x86.irte) this.irteUsed.delete(irq.x86.irte.handle);
    }
    if (irq.imsic) {
      this.imsicUsed.get(irq.imsic.hart)?.delete(irq.imsic.id);
      if (irq.imsic.old) this.imsicUsed.get(irq.imsic.old.hart)?.delete(irq.imsic.old.id);
    }
    this.irqs.delete(irq.irq);
  }

  itsTranslaterPa(): bigint {
    return this.chip.kind === 'gic-its' ? this.chip.itsBase + ITS_TRANSLATER_PAGE : 0n;
  }

  imsicPage(hart: number): bigint {
    return this.chip.kind === 'riscv-imsic' ? this.chip.imsicBase + BigInt(hart) * this.chip.hartStride : 0n;
  }

  /** The IOVA page the kernel itself would use for the doorbell (upstream): SW_MSI window, PA, or dma-iommu's. */
  defaultDoorbell(d: Dev, hart: number): bigint {
    if (this.chip.kind === 'riscv-imsic') return this.imsicPage(hart);
    if (d.driver !== 'vfio-pci') return 0xfffff000n;   // dma-iommu: a dynamic IOVA in the DMA domain
    const sw = this.swMsiWindow(d) ?? this.sc.iommu.swMsi;
    if (d.hwptId !== null && sw && this.profile !== 'per-vector-table') return sw.start;
    return this.itsTranslaterPa();
  }

  /** The userspace-supplied address for a vector on `hart`, or null when there is none / it cannot reach that hart. */
  userDoorbell(d: Dev, irq: Irq, hart: number): { page: bigint } | { refuse: string } | null {
    const key = `${irq.kind === 'msix' ? VFIO_PCI_MSIX : VFIO_PCI_MSI}:${irq.index}`;
    if (this.profile === 'rfc-v1') {
      const p = d.prepared.get(key);
      if (p === undefined) return null;
      if (this.chip.kind === 'riscv-imsic' && irq.imsic && hart !== this.preparedHart(irq)) return { refuse: `RFCv1 gives one IOVA per vector; it cannot reach hart ${hart}` };
      return { page: pageOf(p) };
    }
    if (this.profile === 'per-vector-table') {
      const e = d.table.get(key);
      if (!e) return null;
      if ('window' in e) return { page: e.window + BigInt(hart) * (this.chip.kind === 'riscv-imsic' ? this.chip.hartStride : 0n) };
      if (this.chip.kind === 'riscv-imsic' && hart !== this.preparedHart(irq)) return { refuse: `the table entry is a single IOVA, not a per-hart window; it cannot reach hart ${hart}` };
      return { page: pageOf(e.iova) };
    }
    return null;
  }

  private readonly firstHart = new Map<number, number>();
  private preparedHart(irq: Irq): number {
    return this.firstHart.get(irq.irq) ?? irq.eff;
  }

  /** irq_chip compose_msi_msg for the IRQ's current target. `useDefault` models the rewrite bug. */
  compose(d: Dev, irq: Irq, useDefault = false): Msg {
    if (irq.x86) {
      if (irq.x86.irte) return this.chip.kind === 'x86-vector' && this.chip.remap === 'amd' ? composeAmdRemap(irq.x86.irte.handle) : composeIntelRemap(irq.x86.irte.handle, 0);
      return composeX86Compat(irq.x86.cpu, irq.x86.vector);
    }
    if (irq.its) {
      const u = useDefault || !userAddressProfile(this.profile) || this.isX86 ? null : this.userDoorbell(d, irq, irq.eff);
      const page = u && 'page' in u ? u.page : this.defaultDoorbell(d, irq.eff);
      return composeIts(page, irq.its.eventId);
    }
    const im = irq.imsic!;
    const u = useDefault || !userAddressProfile(this.profile) ? null : this.userDoorbell(d, irq, im.hart);
    return composeImsic(u && 'page' in u ? u.page : this.defaultDoorbell(d, im.hart), im.id);
  }

  /** Write the composed message into the device (pci_write_msi_msg). */
  private writeMsg(d: Dev, irq: Irq, useDefault = false): void {
    const m = this.compose(d, irq, useDefault);
    irq.cached = m;
    irq.hw = { ...m };
  }

  private recomposeAll(d: Dev): void {
    for (const v of d.vecs.values()) this.writeMsg(d, v.irq);
  }

  // SET_IRQS ------------------------------------------------------------------
  setIrqs(fd: number, req: { index: number; start: number; count: number; action: 'trigger' | 'mask' | 'unmask'; data: { kind: 'none' } | { kind: 'bool'; values: boolean[] } | { kind: 'eventfd'; fds: (number | null)[] } }): void {
    const d = this.requireBound(fd);
    const { index, start, count } = req;
    if (index < 0 || index >= VFIO_PCI_NUM_IRQS) throw kerr('EINVAL', `IRQ index ${index} is past VFIO_PCI_NUM_IRQS`);
    const max = this.irqInfo(fd, index).count;
    // vfio_set_irqs_validate_and_prepare
    if (count === 0 && !(req.data.kind === 'none' && req.action === 'trigger')) throw kerr('EINVAL', 'count 0 is only valid with DATA_NONE|ACTION_TRIGGER');
    if (start < 0 || count < 0 || start + count > max || max === 0) throw kerr('EINVAL', `vectors ${start}..${start + count - 1} are outside the ${max} of index ${index}`);
    if (req.data.kind === 'bool' && req.data.values.length < count) throw kerr('EINVAL', 'argsz is too small for count bools');
    if (req.data.kind === 'eventfd' && req.data.fds.length < count) throw kerr('EINVAL', 'argsz is too small for count eventfds');
    if (index !== VFIO_PCI_MSI && index !== VFIO_PCI_MSIX) {
      if (index === VFIO_PCI_INTX) throw kerr('EINVAL', 'the simulated devices have no INTx pin');
      throw kerr('ENOTTY', `index ${index} is not simulated`);
    }
    if (req.action !== 'trigger') throw kerr('ENOTTY', 'MASK/UNMASK are not supported on MSI/MSI-X (vfio_pci_set_irqs_ioctl has no handler)');
    const kind: 'msi' | 'msix' = index === VFIO_PCI_MSIX ? 'msix' : 'msi';
    if (req.data.kind === 'none' && count === 0) {
      if (d.irqType === kind) this.disableIrqs(d);
      return;
    }
    if (d.irqType !== 'none' && d.irqType !== kind) throw kerr('EINVAL', `${d.irqType.toUpperCase()} is enabled; disable it before enabling ${kind.toUpperCase()}`);
    if (req.data.kind !== 'eventfd') {
      // Loop-back: signal the eventfds (vfio_pci_set_msi_trigger with DATA_NONE/DATA_BOOL).
      if (d.irqType !== kind) throw kerr('EINVAL', `${kind.toUpperCase()} is not enabled`);
      for (let i = start; i < start + count; i++) {
        if (req.data.kind === 'bool' && !req.data.values[i - start]) continue;
        const v = d.vecs.get(i);
        if (v?.trigger) v.trigger.count += 1n;
      }
      return;
    }
    const evs = req.data.fds.slice(0, count).map((f) => (f === null || f < 0 ? null : this.eventfdOf(f)));
    const enabledHere = d.irqType === 'none';
    const undo = new Undo();
    try {
      if (enabledHere) {
        // vfio_msi_enable: pci_alloc_irq_vectors(1, start+count); no PCI_IRQ_AFFINITY, so not managed.
        this.fault.hit('pci_alloc_irq_vectors');
        d.irqType = kind;
        undo.push(() => this.disableIrqs(d));
        for (let i = 0; i < start + count; i++) this.allocVector(d, i, kind);
      }
      // vfio_msi_set_block: on failure, the vectors set by this call are de-assigned.
      for (let i = start; i < start + count; i++) {
        const ev = evs[i - start] ?? null;
        this.setVectorSignal(d, i, kind, ev);
        if (!enabledHere) undo.push(() => this.setVectorSignal(d, i, kind, null));
      }
    } catch (e) {
      undo.run();
      throw e;
    }
  }

  /** The device's seeded rate for vector `i`: a VMM's workload, else a default for a device Doorbell drives. */
  seededRate(d: Dev, i: number, kind: 'msi' | 'msix'): number {
    const s = d.spec;
    const table = s.vmm ? s.vmm.vectors : s.host ? s.host.vectors : kind === 'msix' ? s.msix : s.msi;
    const base = s.vmm ? s.vmm.rate : s.host ? s.host.rate : DEFAULT_RATE;
    return vectorRate(this.params.seed, s.bdf, i, Math.max(table, i + 1), base);
  }

  private allocVector(d: Dev, i: number, kind: 'msi' | 'msix'): Vec {
    if (this.profile === 'per-vector-table' && !this.isX86 && !d.table.has(`${kind === 'msix' ? VFIO_PCI_MSIX : VFIO_PCI_MSI}:${i}`)) {
      // Seed thread: "fail if the kernel asks for an msi_desc that userspace has not mapped".
      throw kerr('EINVAL', `vector ${i} has no entry in the per-vector MSI table (${d.spec.bdf})`);
    }
    const irq = this.allocIrq(d.spec.bdf, i, kind, { rate: this.seededRate(d, i, kind) });
    this.firstHart.set(irq.irq, irq.eff);
    const v: Vec = { irq, trigger: null };
    d.vecs.set(i, v);
    this.writeMsg(d, irq);
    return v;
  }

  private setVectorSignal(d: Dev, i: number, kind: 'msi' | 'msix', ev: EventfdObj | null): void {
    let v = d.vecs.get(i);
    if (v?.trigger) {
      // free_irq: the vector stays allocated and masked; the eventfd reference is dropped.
      v.trigger.refs--;
      this.gcEventfd(v.trigger);
      v.trigger = null;
      v.irq.actions = [];
      v.irq.masked = true;
    }
    if (!ev) return;
    if (!v) {
      // Dynamic MSI-X (6.5+): pci_msix_alloc_irq_at for a vector past the ones allocated at enable.
      if (kind !== 'msix') throw kerr('EINVAL', `MSI vector ${i} was not allocated at enable`);
      this.fault.hit('pci_msix_alloc_irq_at');
      v = this.allocVector(d, i, kind);
    }
    this.fault.hit(`request_irq[${i}]`);
    ev.refs++;
    v.trigger = ev;
    v.irq.actions = [`vfio-${kind}[${i}](${d.spec.bdf})`];
    v.irq.masked = false;
    v.irq.procCreated = true;
  }

  disableIrqs(d: Dev): void {
    for (const v of d.vecs.values()) {
      if (v.trigger) { v.trigger.refs--; this.gcEventfd(v.trigger); }
      this.firstHart.delete(v.irq.irq);
      this.freeIrq(v.irq);
    }
    d.vecs.clear();
    d.irqType = 'none';
  }

  // eventfd ---------------------------------------------------------------------
  eventfd(): number {
    this.fault.hit('eventfd_ctx_alloc');
    const fd = this.allocFd();
    const ev: EventfdObj = { id: this.nextEv++, fd, count: 0n, refs: 1 };
    this.eventfds.add(ev);
    this.fds.set(fd, { kind: 'eventfd', ev });
    return fd;
  }

  readEventfd(fd: number): bigint {
    const ev = this.eventfdOf(fd);
    const n = ev.count;
    ev.count = 0n;
    return n;
  }

  closeEventfd(fd: number): void {
    const ev = this.eventfdOf(fd);
    this.fds.delete(fd);
    ev.fd = null;
    ev.refs--;
    this.gcEventfd(ev);
  }

  private gcEventfd(ev: EventfdObj): void {
    if (ev.refs <= 0) this.eventfds.delete(ev);
  }

  // /proc/irq/N -----------------------------------------------------------------
  readAffinity(irq: number): { affinity: number[]; effective: number[] } {
    const i = this.irqs.get(irq);
    if (!i || !i.procCreated) throw kerr('ENOENT', `/proc/irq/${irq} does not exist`);
    return { affinity: [...i.affinity], effective: [i.eff] };
  }

  devOfIrq(i: Irq): Dev {
    return this.devs.get(i.bdf)!;
  }

  /** What /sys/kernel/debug/irq/irqs/N's dstate would list for the two flags that decide a move
   *  before it is tried: IRQD_AFFINITY_MANAGED (write_irq_affinity refuses) and
   *  IRQD_FORWARDED_TO_VCPU (its_set_affinity refuses; x86 posting accepts and leaves the IRTE). */
  irqFlags(irqNo: number): { managed: boolean; forwardedToVcpu: boolean } | null {
    const irq = this.irqs.get(irqNo);
    if (!irq || !irq.procCreated) return null;
    return { managed: irq.managed, forwardedToVcpu: irq.posted && this.chip.kind === 'gic-its' && this.chip.gicv4 };
  }

  /** write_irq_affinity → irq_set_affinity → the controller's irq_set_affinity. */
  writeAffinity(irqNo: number, text: string): void {
    const irq = this.irqs.get(irqNo);
    if (!irq || !irq.procCreated) throw kerr('ENOENT', `/proc/irq/${irqNo} does not exist`);
    if (irq.managed) throw kerr('EPERM', `IRQ ${irqNo} is managed (kernel-spread affinity); its affinity files are read-only`);
    // cpumask_parselist_user over nr_cpu_ids bits: bitmap_parselist's own errno (EINVAL, ERANGE, EOVERFLOW).
    const parsed = parseCpuList(text, { maxCpu: this.lastCpu });
    if (!parsed.ok) throw kerr(parsed.errno, `bitmap_parselist refused ${JSON.stringify(text.trim())}: ${parsed.message}`);
    if (!parsed.cpus.some((c) => this.online.has(c))) throw kerr('EINVAL', `the mask ${text.trim()} has no online CPU`);
    const d = this.devOfIrq(irq);
    const mask = parsed.cpus;
    const c = this.chip;
    if (c.kind === 'gic-its') {
      // its_set_affinity: forwarded vLPIs (GICv4) refuse; MOVI moves the event; the message stays.
      if (irq.posted && c.gicv4) throw kerr('EINVAL', `IRQ ${irqNo} is forwarded to a vCPU as a GICv4 vLPI`);
      this.fault.hit('its_set_affinity');
      const cpu = mask.includes(irq.eff) && this.online.has(irq.eff) ? irq.eff : this.pickCpu(mask);
      irq.affinity = mask;
      if (cpu !== irq.eff) {
        irq.eff = cpu;
        if (!this.bug('lost-movi')) irq.its!.colCpu = cpu;
        // per-vector-table: an affinity change forces a message write, so a lost address shows on ITS too.
        if (this.profile === 'per-vector-table') this.writeMsg(d, irq, this.bug('rewrite-default-address'));
      }
      return;
    }
    if (c.kind === 'riscv-imsic') {
      const im = irq.imsic!;
      // imsic_irq_set_affinity: a mask holding the current CPU is a no-op; a move in flight → EBUSY.
      if (mask.includes(im.hart)) { irq.affinity = mask; return; }
      if (im.old) throw kerr('EBUSY', `IRQ ${irqNo}: the previous move has not completed (no interrupt arrived on hart ${im.hart} yet)`);
      const cpu = this.pickCpu(mask);
      if (userAddressProfile(this.profile) && !this.bug('rewrite-default-address')) {
        const u = this.userDoorbell(d, irq, cpu);
        if (u && 'refuse' in u) throw kerr('EINVAL', u.refuse);
      }
      this.fault.hit('imsic_vector_alloc');
      const id = this.imsicAllocId(cpu);
      im.old = { hart: im.hart, id: im.id };
      im.hart = cpu;
      im.id = id;
      irq.eff = cpu;
      irq.affinity = mask;
      irq.moving = true;
      this.writeMsg(d, irq, this.bug('rewrite-default-address'));
      return;
    }
    // x86 vector domain (assign_vector_locked), then IR (intel_ir_set_affinity) or the MSI rewrite.
    const x = irq.x86!;
    if (mask.includes(x.cpu) && this.online.has(x.cpu)) { irq.affinity = mask; return; }
    if (irq.moving) throw kerr('EBUSY', `IRQ ${irqNo}: the previous vector move is still in progress (move_in_progress until the next interrupt)`);
    const cpu = this.pickCpu(mask);
    this.fault.hit('irq_matrix_alloc');
    const vector = this.x86AllocVector(cpu);
    x.prev = { cpu: x.cpu, vector: x.vector };
    x.cpu = cpu;
    x.vector = vector;
    irq.eff = cpu;
    irq.affinity = mask;
    irq.moving = true;
    if (x.irte) {
      // Only the IRTE changes; a posted IRTE belongs to the vCPU and is left alone.
      if (!irq.posted && !this.bug('stale-irte')) x.irte = { ...x.irte, cpu, vector };
    } else {
      this.writeMsg(d, irq);
    }
  }

  // delivery ----------------------------------------------------------------------
  /** Where a DMA write to `addr` from device `d` lands: a physical address, or why it faults. */
  translate(d: Dev, addr: bigint, view: 'hw' | 'sw'): { ok: true; pa: bigint; via: string } | { ok: false; why: string } {
    if (this.isX86 && (addr >> 20n) === 0xfeen) return { ok: true, pa: addr, via: 'x86 interrupt window (never translated)' };
    if (this.chip.kind === 'riscv-imsic' && !userAddressProfile(this.profile)) {
      const c = this.chip;
      if (addr >= c.imsicBase && addr < c.imsicBase + BigInt(this.sc.cpus.possible) * c.hartStride) return { ok: true, pa: addr, via: 'IMSIC page (not translated upstream; no MSI isolation)' };
    }
    if (d.driver !== 'vfio-pci') {
      if (this.chip.kind === 'gic-its' && pageOf(addr) === 0xfffff000n) return { ok: true, pa: this.itsTranslaterPa() + (addr & 0xfffn), via: 'DMA domain: dma-iommu doorbell mapping' };
      return { ok: true, pa: addr, via: 'host DMA domain' };
    }
    if (!d.bound || d.hwptId === null) return { ok: false, why: 'the device is not attached to an IOAS/HWPT: DMA is blocked' };
    const ctx = d.bound.ctx;
    const h = ctx.objects.get(d.hwptId) as HwptObj;
    let ipa = addr;
    let via = '';
    if (d.nested) {
      const g = this.sc.guest;
      const m = g?.s1.find((x) => addr >= x.iova && addr < x.iova + x.length);
      const sw = this.sc.iommu.swMsi;
      if (m) { ipa = m.ipa + (addr - m.iova); via = `stage 1 (guest): ${m.label || 'mapping'} → IPA 0x${ipa.toString(16)}; `; }
      else if (g?.rmr && sw && addr >= sw.start && addr <= sw.last) { via = 'stage 1 (guest): RMR identity; '; }
      else {
        const needsRmr = sw && addr >= sw.start && addr <= sw.last;
        return { ok: false, why: `stage 1 (guest-owned) has no mapping for 0x${addr.toString(16)}${needsRmr ? ': needs guest RMR (identity map of the SW_MSI window)' : ''}` };
      }
    }
    const ioas = this.ioasOf(ctx, h.ioasId);
    const hx = (a: bigint) => `0x${a.toString(16)}`;
    // unmapped-doorbell: iommufd recorded the doorbell (SW_MSI page, IOAS area) but the IOMMU page
    // table the device walks lacks it, so the MSI write is a translation fault.
    const missing = view === 'hw' && this.bug('unmapped-doorbell');
    const swPa = h.swMsi.get(pageOf(ipa));
    if (swPa !== undefined) {
      if (missing) return { ok: false, why: `${via}${hx(ipa)} is in the SW_MSI window but the doorbell page ${hx(pageOf(ipa))} (ITS translater, PA ${hx(swPa)}) is not mapped in IOAS ${h.ioasId} (bug unmapped-doorbell): the MSI write faults` };
      return { ok: true, pa: swPa + (ipa & 0xfffn), via: `${via}stage 2: kernel SW_MSI mapping` };
    }
    const area = ioas.lookup(ipa);
    if (area?.doorbellPa != null) {
      if (missing) return { ok: false, why: `${via}${hx(ipa)} is in the doorbell area ${hx(area.iova)}–${hx(area.last)} (${area.label}) but the page is not mapped in IOAS ${h.ioasId}'s page table (bug unmapped-doorbell): the MSI write faults` };
      return { ok: true, pa: area.doorbellPa + (ipa - area.iova), via: `${via}stage 2: IOAS doorbell area` };
    }
    if (area) return { ok: false, why: `${via}${hx(ipa)} is in a memory mapping (${area.label}), not a doorbell: the write lands in RAM` };
    if (this.rfcVitsPage(d) === pageOf(ipa)) {
      if (missing) return { ok: false, why: `${via}${hx(ipa)} is the vITS page the RFCv1 kernel maps to the ITS, but that page is not mapped in IOAS ${h.ioasId} (bug unmapped-doorbell): the MSI write faults` };
      return { ok: true, pa: this.itsTranslaterPa() + (ipa & 0xfffn), via: `${via}stage 2: hard-coded vITS → pITS mapping (RFCv1 test hack)` };
    }
    const sw = this.swMsiWindow(d);
    const inSw = sw !== null && ipa >= sw.start && ipa <= sw.last;
    return { ok: false, why: `${via}${hx(ipa)} is not covered by any doorbell page or mapping in IOAS ${h.ioasId}${inSw ? ' (it is in the SW_MSI window, but no doorbell page is mapped there)' : ''}: the MSI write faults` };
  }

  /** RFCv1 nested: the IPA page the kernel's test hack maps to the ITS translater in stage 2, or null. */
  rfcVitsPage(d: Dev): bigint | null {
    const ipa = this.sc.guest?.vitsTranslaterIpa;
    return this.profile === 'rfc-v1' && d.nested && this.chip.kind === 'gic-its' && ipa != null ? pageOf(ipa) : null;
  }

  /** The CPU a message reaches, after translation and the controller's own tables. */
  route(irq: Irq, view: 'hw' | 'sw'): { ok: true; cpu: number | 'vcpu' } | { ok: false; why: string } {
    const d = this.devOfIrq(irq);
    const t = this.translate(d, irq.hw.address, view);
    if (!t.ok) return t;
    const pa = t.pa;
    if (irq.x86) {
      if (irq.posted) return { ok: true, cpu: 'vcpu' };
      if (irq.x86.irte) return { ok: true, cpu: view === 'hw' ? irq.x86.irte.cpu : irq.x86.cpu };
      const apic = Number((pa >> 12n) & 0xffn);
      return { ok: true, cpu: apic };
    }
    if (irq.its) {
      if (pa !== this.itsTranslaterPa() + ITS_TRANSLATER_OFFSET) return { ok: false, why: `PA 0x${pa.toString(16)} is not GITS_TRANSLATER` };
      if (irq.posted && this.chip.kind === 'gic-its' && this.chip.gicv4) return { ok: true, cpu: 'vcpu' };
      return { ok: true, cpu: view === 'hw' ? irq.its.colCpu : irq.eff };
    }
    const im = irq.imsic!;
    for (const cand of [{ hart: im.hart, id: im.id }, ...(im.old ? [im.old] : [])]) {
      if (pa === this.imsicPage(cand.hart) && irq.hw.data === cand.id) return { ok: true, cpu: cand.hart };
    }
    return { ok: false, why: `PA 0x${pa.toString(16)} identity ${irq.hw.data} is not an interrupt file this IRQ owns` };
  }

  /** Deliver `n` interrupts from the device for this IRQ. */
  deliver(irq: Irq, n: number): void {
    if (n <= 0) return;
    if (irq.masked && !this.bug('ignores-mask')) return;   // the device holds it pending in the PBA
    const d = this.devOfIrq(irq);
    const r = this.route(irq, 'hw');
    if (!r.ok) { d.faults.count += n; d.faults.last = r.why; return; }
    if (r.cpu === 'vcpu') return;   // posted to a vCPU: no host interrupt, no host count
    irq.counts[r.cpu] = (irq.counts[r.cpu] ?? 0) + n;
    irq.ver++;
    const v = d.vecs.get(irq.index);
    if (v && v.irq === irq && v.trigger) v.trigger.count += BigInt(n);
    // The first interrupt on the new target completes a move (irq_complete_move, IMSIC vector move).
    if (irq.moving && r.cpu === irq.eff) {
      irq.moving = false;
      if (irq.x86?.prev) { this.x86Used.get(irq.x86.prev.cpu)?.delete(irq.x86.prev.vector); irq.x86.prev = null; }
      if (irq.imsic?.old) { this.imsicUsed.get(irq.imsic.old.hart)?.delete(irq.imsic.old.id); irq.imsic.old = null; }
    }
  }

  /**
   * One traffic step of `dtMs` of device time: each vector raises about rate×dt interrupts. A masked
   * vector is held pending in the PBA (nothing to do) unless the device ignores the mask.
   */
  tick(dtMs: number): void {
    if (!(dtMs > 0)) return;
    const ignoresMask = this.bug('ignores-mask');
    for (const irq of this.irqs.values()) {
      if (irq.rate <= 0 || (irq.masked && !ignoresMask)) continue;
      this.deliver(irq, raised(irq, dtMs, this.random()));
    }
  }

  // experimental (unmerged) uAPI, docs/sim-profiles.md ---------------------------
  msiPrepare(fd: number, index: number, start: number, iovas: bigint[] | null): void {
    const d = this.devOf(fd);
    // A kernel without the RFC sees unknown flag bits in vfio_irq_set.flags.
    if (this.profile !== 'rfc-v1') throw kerr('EINVAL', 'VFIO_IRQ_SET_ACTION_PREPARE / DATA_MSI_IOVA are unknown flag bits to this kernel');
    this.bound(d, fd);
    if (this.isX86) throw kerr('EOPNOTSUPP', 'x86 MSI writes are never translated by the IOMMU (no CONFIG_IRQ_MSI_IOMMU)');
    if (index !== VFIO_PCI_MSI && index !== VFIO_PCI_MSIX) throw kerr('EINVAL', 'PREPARE is for MSI/MSI-X');
    const max = this.irqInfo(fd, index).count;
    if (iovas === null) { for (const k of [...d.prepared.keys()]) if (k.startsWith(`${index}:`)) d.prepared.delete(k); return; }
    if (start < 0 || start + iovas.length > max) throw kerr('EINVAL', 'vectors outside the index');
    this.fault.hit('vfio_pci_set_msi_prepare');
    iovas.forEach((v, i) => d.prepared.set(`${index}:${start + i}`, v));
  }

  msiTableSet(fd: number, index: number, start: number, entries: (TableEntry | null)[]): void {
    const d = this.devOf(fd);
    if (this.profile !== 'per-vector-table') throw kerr('ENOTTY', 'this kernel has no per-vector MSI table ioctl');
    this.bound(d, fd);
    if (this.isX86) throw kerr('EOPNOTSUPP', 'x86 MSI writes are never translated by the IOMMU');
    if (index !== VFIO_PCI_MSI && index !== VFIO_PCI_MSIX) throw kerr('EINVAL', 'the table is per MSI/MSI-X index');
    const max = this.irqInfo(fd, index).count;
    if (start < 0 || start + entries.length > max) throw kerr('EINVAL', 'vectors outside the index');
    const kind = index === VFIO_PCI_MSIX ? 'msix' : 'msi';
    for (let i = 0; i < entries.length; i++) {
      if (entries[i] === null && d.irqType === kind && d.vecs.has(start + i)) throw kerr('EBUSY', `vector ${start + i} is enabled; its entry cannot be cleared`);
    }
    this.fault.hit('msi_table_update');
    entries.forEach((e, i) => {
      const key = `${index}:${start + i}`;
      if (e === null) d.table.delete(key); else d.table.set(key, e);
    });
    // Entries are updatable while the vector is enabled: rewrite the live message now.
    if (d.irqType === kind) for (let i = 0; i < entries.length; i++) { const v = d.vecs.get(start + i); if (v) this.writeMsg(d, v.irq); }
  }

  ioasMapDoorbell(ctxFd: number | Ctx, req: { ioasId: number; iova: bigint; target: { kind: 'its' } | { kind: 'imsic'; firstHart: number; harts: number } }): bigint {
    if (this.profile !== 'per-vector-table') throw kerr('ENOTTY', 'this kernel has no ioctl to map a doorbell page into an IOAS');
    const ctx = typeof ctxFd === 'number' ? this.iommufdOf(ctxFd) : ctxFd;
    if (this.isX86) throw kerr('EOPNOTSUPP', 'x86 MSI writes to 0xFEE00000 are never translated by the IOMMU');
    const t = req.target;
    if (t.kind === 'its' && this.chip.kind !== 'gic-its') throw kerr('EINVAL', 'this platform has no ITS');
    if (t.kind === 'imsic' && this.chip.kind !== 'riscv-imsic') throw kerr('EINVAL', 'this platform has no IMSIC');
    let pa: bigint, length: bigint, label: string;
    if (t.kind === 'its') { pa = this.itsTranslaterPa(); length = PAGE; label = `ITS translater page (PA 0x${pa.toString(16)})`; }
    else {
      if (t.firstHart < 0 || t.harts < 1 || t.firstHart + t.harts > this.sc.cpus.possible) throw kerr('EINVAL', 'hart range outside the machine');
      pa = this.imsicPage(t.firstHart);
      const stride = this.chip.kind === 'riscv-imsic' ? this.chip.hartStride : PAGE;
      length = BigInt(t.harts) * stride;
      label = `IMSIC pages of harts ${t.firstHart}-${t.firstHart + t.harts - 1}`;
    }
    return this.ioasMap(ctx, { ioasId: req.ioasId, iova: req.iova, length, flags: ['WRITEABLE', 'MMIO'], label, doorbellPa: pa });
  }

  swMsiSet(ctxFd: number | Ctx, req: { devId: number; which: 'start' | 'size'; value: bigint }): void {
    if (this.profile !== 'sw-msi-option') throw kerr('EOPNOTSUPP', 'IOMMU_OPTION: this kernel knows only RLIMIT_MODE and HUGE_PAGES');
    const ctx = typeof ctxFd === 'number' ? this.iommufdOf(ctxFd) : ctxFd;
    const o = ctx.objects.get(req.devId);
    if (!o || o.type !== 'device') throw kerr('ENOENT', `no device object ${req.devId}`);
    if (this.isX86) throw kerr('EOPNOTSUPP', 'x86 has no SW_MSI window');
    const d = this.devs.get(o.bdf)!;
    if (d.hwptId !== null) throw kerr('EBUSY', 'SW_MSI options must be set before the device is attached');
    if (req.which === 'start') {
      if (req.value % (1n << 20n) !== 0n) throw kerr('EINVAL', 'SW_MSI_START must be 1 MB aligned');
      d.swMsiOpt.start = req.value;
    } else {
      if (d.swMsiOpt.start === null) throw kerr('EINVAL', 'set SW_MSI_START before SW_MSI_SIZE');
      if (req.value < 0n || req.value > 4096n) throw kerr('EINVAL', 'SW_MSI_SIZE is in MB (0 = default)');
      d.swMsiOpt.sizeMb = req.value;
    }
  }

  /** Objects a caller could leak: compare before and after (iommufd_fail_nth's teardown check). */
  census(owner = DOORBELL_OWNER): Record<string, string | number> {
    const ctxs = [...this.ctxs.values()].filter((c) => c.owner === owner);
    let objects = 0, areas = 0;
    for (const c of ctxs) for (const o of c.objects.values()) { objects++; if (o.type === 'ioas') areas += o.ioas.areas.length; }
    return {
      fds: this.fds.size, iommufdContexts: ctxs.length, objects, areas, eventfds: this.eventfds.size, irqs: this.irqs.size,
      pinnedBytes: this.pinned.bytes.toString(),
      x86Vectors: [...this.x86Used.values()].reduce((a, s) => a + s.size, 0), irtes: this.irteUsed.size,
      imsicIds: [...this.imsicUsed.values()].reduce((a, s) => a + s.size, 0),
      boundDevices: [...this.devs.values()].filter((d) => d.bound?.ctx.owner === owner).length,
    };
  }
}
