// SPDX-License-Identifier: MIT
// LabBackend over the simulated kernel: the same model the linux backend produces (devices,
// vector rows with provenance `sim`, decoded messages, address spaces with doorbell pages,
// counters that move on the CPU the hardware really targets, and the kernel interaction log).
import { performance } from 'node:perf_hooks';
import { controllerFromChain, decodeMessage } from '../../common/msi/index.js';
import {
  hex, readFail, readOk, type AddressSpace, type CpuInfo, type DeviceSummary, type DeviceVectors, type DoorbellPage, type Feature, type IommuGroup,
  type IommuUnit, type CountRow, type InterruptSample, type KernelOp, type LabInfo, type Provenance, type UserMapping, type VectorRow, type VectorMarker,
} from '../../common/model/index.js';
import { LabFailure, errnoError, fail, ok, type Result } from '../../common/errors.js';
import type { LabBackend } from '../backend.js';
import type { KernelOps } from '../ops.js';
import { KernelLog } from '../kernel-log.js';
import { ITS_TRANSLATER_OFFSET } from './compose.js';
import type { Ctx, Dev, Irq, SimKernel } from './kernel.js';
import { SimOps } from './ops.js';
import { groupAddressSpace } from '../linux/addrspace.js';
import { BUG_TITLES, PROFILE_TITLES, userAddressProfile } from './profiles.js';

export interface SimBackendOptions {
  /** Monotonic clock, ms (default performance.now). Traffic advances by its elapsed time between samples. */
  clock?: () => number;
}

export class SimBackend implements LabBackend {
  readonly kind = 'sim' as const;
  readonly log = new KernelLog();
  readonly ops: SimOps;
  private readonly clock: () => number;
  /** Device time advance() added on top of the clock, so sample times stay monotonic and rates true. */
  private offset = 0;
  private lastMono: number;
  /** Last copy of each IRQ's counts handed out, reused while the IRQ has not fired since. */
  private readonly snap = new Map<number, { irq: Irq; ver: number; counts: CountRow }>();

  constructor(readonly k: SimKernel, private readonly spec: string, private readonly reason: string, opts: SimBackendOptions = {}) {
    this.ops = new SimOps(k, this.log);
    this.clock = opts.clock ?? (() => performance.now());
    this.lastMono = this.clock();
  }

  private from(path?: string): Provenance {
    return path ? { source: 'sim', path, at: Date.now() } : { source: 'sim', at: Date.now() };
  }

  async info(): Promise<LabInfo> {
    const { sc, params } = this.k;
    const p = params.profile;
    const f = (id: string, name: string, yes: boolean, how: string): Feature => ({ id, name, state: yes ? 'yes' : 'no', how });
    const features: Feature[] = [
      f('iommufd', 'iommufd (/dev/iommu)', true, 'scenario file'),
      f('vfio-cdev', 'VFIO device cdev', true, 'scenario file'),
      f('sw-msi', 'kernel-owned SW_MSI mapping (6.15+)', sc.iommu.swMsi !== null && p !== 'per-vector-table', `profile ${p}`),
      f('isolated-msi', 'MSI isolation (IRQ_DOMAIN_FLAG_ISOLATED_MSI)', sc.iommu.isolatedMsi, 'scenario file'),
      f('unsafe-interrupts', 'allow_unsafe_interrupts', params.allowUnsafeInterrupts, 'scenario file / lab spec'),
      f('x-msi-prepare', 'unmerged: VFIO_IRQ_SET_ACTION_PREPARE (RFCv1)', p === 'rfc-v1', `profile ${p}`),
      f('x-msi-table', 'unmerged: per-vector MSI table + doorbell IOAS area', p === 'per-vector-table', `profile ${p}`),
      f('x-sw-msi-option', 'unmerged: per-device SW_MSI_START/SIZE options', p === 'sw-msi-option', `profile ${p}`),
      ...[...params.bugs].map((b) => f(`bug:${b}`, `injected bug: ${BUG_TITLES[b]}`, true, 'lab spec')),
    ];
    return {
      backend: 'sim', spec: this.spec, title: `sim: ${sc.title} (${p})`, reason: `${this.reason}; kernel profile ${p}: ${PROFILE_TITLES[p]}`,
      writable: { ok: true, why: 'the simulator accepts every operation a root user could make' },
      hostname: `sim-${sc.name}`, arch: sc.arch,
      kernel: { release: sc.kernelRelease, version: '#1 SMP PREEMPT (simulated)', cmdline: `root=/dev/vda1${params.allowUnsafeInterrupts ? ' iommufd.allow_unsafe_interrupts=1' : ''}` },
      features,
    };
  }

  async cpus(): Promise<CpuInfo> {
    const c = this.k.sc.cpus;
    return { possible: Array.from({ length: c.possible }, (_, i) => i), online: [...c.online], isolated: [...c.isolated], nodes: c.nodes.map((n) => ({ id: n.id, cpus: [...n.cpus] })), from: this.from('scenario') };
  }

  async iommus(): Promise<IommuUnit[]> {
    const io = this.k.sc.iommu;
    return [{ name: io.name, kind: io.kind, devices: this.k.sc.devices.map((d) => d.bdf) }];
  }

  async groups(): Promise<IommuGroup[]> {
    const ids = [...new Set(this.k.sc.devices.map((d) => d.group))].sort((a, b) => a - b);
    return ids.map((id) => {
      const members = [...this.k.devs.values()].filter((d) => d.spec.group === id);
      const resv = members[0] ? this.k.resvRegions(members[0]) : [];
      const notVfio = members.filter((d) => d.driver !== 'vfio-pci');
      const allVfio = notVfio.length === 0;
      return {
        id, defaultDomain: 'DMA',
        reserved: resv.map((r) => ({ start: hex(r.start), last: hex(r.last), type: r.type })),
        devices: members.map((d) => d.spec.bdf),
        viable: allVfio ? { ok: true, why: 'every member is bound to vfio-pci' } : members.every((d) => d.driver === 'vfio-pci' || d.driver === null) ? { ok: true, why: 'members are on vfio-pci or unbound' } : { ok: false, why: `${notVfio.map((d) => `${d.spec.bdf} (${d.driver})`).join(', ')} on a host driver` },
      };
    });
  }

  async devices(): Promise<DeviceSummary[]> {
    return [...this.k.devs.values()].map((d) => this.summary(d));
  }

  private summary(d: Dev): DeviceSummary {
    const s = d.spec;
    const vfio = d.driver === 'vfio-pci';
    const vecs = vfio ? d.vecs.size : d.hostIrqs.length;
    const msixOn = vfio ? d.irqType === 'msix' : s.msix > 0 && vecs > 0;
    const from = this.from(`/sys/bus/pci/devices/${s.bdf}/config`);
    return {
      bdf: s.bdf, vendor: s.vendor, device: s.device, vendorName: null, deviceName: s.name, classCode: s.classCode, className: s.className || null,
      driver: d.driver, driverOverride: vfio ? 'vfio-pci' : null, iommuGroup: s.group,
      binding: vfio ? { kind: 'vfio-cdev', cdev: `vfio${[...this.k.devs.keys()].indexOf(s.bdf)}`, group: s.group } : { kind: 'host', driver: d.driver ?? '' },
      holder: d.holder.kind === 'process' ? { kind: 'process', pid: d.holder.pid, comm: d.holder.comm, how: 'fdinfo of /dev/vfio/devices (simulated)' } : d.holder.kind === 'doorbell' ? { kind: 'doorbell' } : { kind: 'free' },
      numaNode: s.numaNode,
      msi: readOk(s.msi > 0 ? { offset: 0x50, enabled: d.irqType === 'msi', is64: true, perVectorMask: true, multiCapable: Math.ceil(Math.log2(s.msi)), multiEnabled: 0, address: '0x0', data: 0, maskBits: 0 } : null, from),
      msix: readOk(s.msix > 0 ? { offset: 0x70, enabled: msixOn, maskAll: false, tableSize: s.msix, tableBar: 0, tableOffset: 0x2000, pbaBar: 0, pbaOffset: 0x3000 } : null, from),
      vectorCount: vecs,
    };
  }

  private dev(bdf: string): Dev {
    const d = this.k.devs.get(bdf);
    if (!d) throw new LabFailure(errnoError('vectors', 'ENODEV', 'Pick a device from the device list.', { message: `no device ${bdf} in scenario ${this.k.sc.name}` }));
    return d;
  }

  private decodeCtx() {
    const c = this.k.chip;
    if (c.kind !== 'riscv-imsic') return {};
    return { imsicHarts: Array.from({ length: this.k.sc.cpus.possible }, (_, h) => ({ hart: h, page: hex(this.k.imsicPage(h)) })) };
  }

  async vectors(bdf: string): Promise<DeviceVectors> {
    return (await this.vectorWindow(bdf, 0, Infinity)).table;
  }

  async vectorWindow(bdf: string, first: number, count: number): Promise<{ table: DeviceVectors; total: number }> {
    const d = this.dev(bdf);
    const irqs: Irq[] = d.driver === 'vfio-pci' ? [...d.vecs.values()].map((v) => v.irq) : d.hostIrqs;
    const notes: string[] = [];
    const rows: VectorRow[] = irqs.sort((a, b) => a.index - b.index).slice(first, first + count).map((irq) => this.row(d, irq));
    const posted = irqs.filter((i) => i.posted).map((i) => i.index);
    if (posted.length) notes.push(`vectors ${posted.join(', ')} are posted to a vCPU (${this.k.chip.kind === 'gic-its' ? 'GICv4 vLPI: host affinity writes answer EINVAL' : 'x86 posted interrupts: a host affinity write does not move them'}); their host counters stay still`);
    if (d.faults.count > 0) notes.push(`IOMMU faults on MSI writes: ${d.faults.count} (last: ${d.faults.last})`);
    if (userAddressProfile(this.k.profile) && !this.k.isX86) notes.push(`profile ${this.k.profile}: vector addresses come from userspace (unmerged uAPI)`);
    return { table: { bdf, vectors: rows, notes }, total: irqs.length };
  }

  private row(d: Dev, irq: Irq): VectorRow {
    const at = Date.now();
    const from = (path: string): Provenance => ({ source: 'sim', path, at });
    const chain = irq.chain;
    const controller = controllerFromChain(chain, irq.chip, { arch: this.k.sc.arch });
    const msg = { address: hex(irq.hw.address), data: irq.hw.data };
    const irte = irq.x86?.irte;
    const decoded = decodeMessage(controller, msg, { ...this.decodeCtx(), ...(irte ? { irteTargetApicId: irq.x86!.cpu } : {}) });
    const byIndex = d.vecs.get(irq.index);
    const v = byIndex?.irq === irq ? byIndex : undefined;
    const hasProc = irq.procCreated;
    return {
      index: irq.index, kind: irq.kind, irq: irq.irq, chip: irq.chip, hwirq: irq.index,
      domainChain: readOk([...chain], from(`/sys/kernel/debug/irq/irqs/${irq.irq}`)),
      controller, actions: [...irq.actions],
      message: readOk(msg, from(`MSI-X table entry ${irq.index} (BAR0+0x${(0x2000 + 16 * irq.index).toString(16)})`)),
      cachedMessage: readOk({ address: hex(irq.cached.address), data: irq.cached.data }, from(`/sys/kernel/debug/irq/irqs/${irq.irq}`)),
      masked: readOk(irq.masked, from('MSI-X vector control')),
      decoded,
      eventfd: d.driver === 'vfio-pci' ? (v?.trigger ? 'assigned' : 'none') : 'unknown',
      affinity: hasProc ? readOk([...irq.affinity], from(`/proc/irq/${irq.irq}/smp_affinity_list`)) : readFail('no /proc/irq entry (no handler was ever requested)'),
      effective: hasProc ? readOk([irq.eff], from(`/proc/irq/${irq.irq}/effective_affinity_list`)) : readFail('no /proc/irq entry'),
      pending: irq.moving,
      counts: readOk(Array.from(irq.counts), from('/proc/interrupts')),
    };
  }

  /** One vector's row (LabBackend.vector): the row vectors(bdf) holds for `index`, without building the others. */
  async vector(bdf: string, index: number): Promise<VectorRow | null> {
    const d = this.dev(bdf);
    const irq = d.driver === 'vfio-pci' ? d.vecs.get(index)?.irq : d.hostIrqs.find((i) => i.index === index);
    return irq ? this.row(d, irq) : null;
  }

  async addressSpaces(bdf?: string): Promise<AddressSpace[]> {
    const out: AddressSpace[] = [];
    let ci = 0;
    for (const ctx of this.k.ctxs.values()) {
      ci++;
      for (const o of ctx.objects.values()) {
        if (o.type !== 'ioas') continue;
        const devs = [...this.k.devs.values()].filter((d) => d.bound?.ctx === ctx && d.hwptId !== null && (ctx.objects.get(d.hwptId) as { ioasId?: number } | undefined)?.ioasId === o.id);
        if (bdf && !devs.some((d) => d.spec.bdf === bdf)) continue;
        out.push(this.ioasSpace(ctx, ci, o.id, devs));
        for (const d of devs) if (d.nested) out.push(this.stage1Space(d));
      }
    }
    // A group none of whose devices is in an IOAS is seen as a passive reader sees it on a real
    // machine: its reserved regions and doorbell window (lab/linux/addrspace.ts).
    const inIoas = new Set(out.flatMap((s) => s.devices));
    for (const g of await this.groups()) {
      if (g.devices.some((b) => inIoas.has(b)) || (bdf && !g.devices.includes(bdf))) continue;
      const vecs = await Promise.all(g.devices.map((b) => this.vectors(b)));
      out.push(groupAddressSpace(g, vecs.filter((v) => v.vectors.length > 0), this.k.sc.arch, (b) => this.k.devs.get(b)?.driver ?? null));
    }
    return out;
  }

  private ioasSpace(ctx: Ctx, ci: number, id: number, devs: Dev[]): AddressSpace {
    const ioas = this.k.ioasOf(ctx, id);
    const doorbells: DoorbellPage[] = [];
    const c = this.k.chip;
    // unmapped-doorbell: iommufd recorded these pages but the IOMMU page table lacks them, so they
    // are not listed as mapped; a userspace doorbell area stays visible as an (unmapped) IOAS area.
    const missing = this.k.bug('unmapped-doorbell');
    const unmappedAreas: UserMapping[] = [];
    for (const o of ctx.objects.values()) {
      if (o.type !== 'hwpt' || o.ioasId !== id || missing) continue;
      for (const [iova, pa] of o.swMsi) {
        doorbells.push({ start: hex(iova), last: hex(iova + 0xfffn), kind: 'its-translater', label: `ITS translater page (PA ${hex(pa)}), kernel-managed SW_MSI mapping`, pa: hex(pa), mappedBy: 'kernel-sw-msi', evidence: ['reserved_regions msi line', 'IOVA_RANGES hole', 'vector address'] });
      }
    }
    const rfc = [...new Set(devs.map((d) => this.k.rfcVitsPage(d)).filter((p): p is bigint => p !== null))];
    for (const page of missing ? [] : rfc) {
      const pa = this.k.itsTranslaterPa();
      doorbells.push({ start: hex(page), last: hex(page + 0xfffn), kind: 'its-translater', label: `vITS IPA page → ITS translater page (PA ${hex(pa)}), mapped by the RFCv1 kernel itself`, pa: hex(pa), mappedBy: 'kernel-sw-msi', evidence: ['RFCv1 (hard-coded vITS → pITS stage-2 mapping)'] });
    }
    for (const a of ioas.areas) {
      if (a.doorbellPa === null) continue;
      if (missing) {
        unmappedAreas.push({ start: hex(a.iova), last: hex(a.last), label: `${a.label}: doorbell area recorded in IOAS ${id} but NOT in the IOMMU page table (bug unmapped-doorbell)`, userVa: null, flags: a.flags });
        continue;
      }
      const pages = Number((a.last - a.iova + 1n) / 0x1000n);
      for (let p = 0; p < pages; p++) {
        const iova = a.iova + BigInt(p) * 0x1000n;
        const pa = a.doorbellPa + BigInt(p) * 0x1000n;
        const hart = c.kind === 'riscv-imsic' ? Number((pa - c.imsicBase) / c.hartStride) : undefined;
        doorbells.push({ start: hex(iova), last: hex(iova + 0xfffn), kind: hart === undefined ? 'its-translater' : 'imsic-hart', label: hart === undefined ? `ITS translater page (PA ${hex(pa)}), IOAS area userspace created` : `IMSIC page of hart ${hart}`, pa: hex(pa), ...(hart !== undefined ? { hart } : {}), mappedBy: 'user-area', evidence: ['IOAS area (x-IOMMU_IOAS_MAP_DOORBELL)'] });
      }
    }
    if (this.k.isX86) doorbells.push({ start: '0xfee00000', last: '0xfeefffff', kind: 'x86-msi-window', label: 'x86 interrupt window (never translated by the IOMMU)', pa: '0xfee00000', mappedBy: 'untranslated', evidence: ['reserved_regions msi line'] });
    if (c.kind === 'riscv-imsic' && !userAddressProfile(this.k.profile)) {
      for (let h = 0; h < this.k.sc.cpus.possible; h++) {
        const pg = this.k.imsicPage(h);
        doorbells.push({ start: hex(pg), last: hex(pg + 0xfffn), kind: 'imsic-hart', label: `IMSIC page of hart ${h} (not translated upstream; no MSI isolation)`, pa: hex(pg), hart: h, mappedBy: 'untranslated', evidence: ['scenario'] });
      }
    }
    const vectors: VectorMarker[] = [];
    for (const d of devs) for (const v of d.vecs.values()) vectors.push(this.marker(d, v.irq, doorbells, id));
    return {
      id: `ioas:${ci}.${id}`, kind: 'ioas', label: `IOAS ${id} of ${ctx.owner === 'doorbell' ? 'this Doorbell session' : ctx.owner}${devs.some((d) => d.nested) ? ' (stage 2: guest IPA → PA)' : ''}`,
      devices: devs.map((d) => d.spec.bdf),
      allowed: ioas.ranges().map((r) => ({ start: hex(r.start), last: hex(r.last) })),
      reserved: ioas.reserved.map((r) => ({ start: hex(r.start), last: hex(r.last), type: r.type })),
      mappings: [...ioas.areas.filter((a) => a.doorbellPa === null).map((a) => ({ start: hex(a.iova), last: hex(a.last), label: a.label, userVa: a.userVa === null ? null : hex(a.userVa), flags: a.flags })), ...unmappedAreas],
      doorbells, vectors, unavailable: null,
    };
  }

  /**
   * Where vector `irq`'s message really lands, placed in this IOAS: red unless the device's write
   * translates (the 'hw' view, with the injected bugs) into a doorbell page listed here.
   */
  private marker(d: Dev, irq: Irq, doorbells: DoorbellPage[], ioasId: number): VectorMarker {
    const addr = irq.hw.address;
    const base = { bdf: d.spec.bdf, index: irq.index, irq: irq.irq, address: hex(addr) };
    const t = this.k.translate(d, addr, 'hw');
    const at = d.nested ? this.s1Ipa(d, addr) : addr;
    const idx = at === null ? -1 : doorbells.findIndex((p) => at >= BigInt(p.start) && at <= BigInt(p.last));
    if (t.ok && idx >= 0) return { ...base, hits: { ok: true, doorbell: idx } };
    const why = t.ok ? `0x${addr.toString(16)} reaches PA ${hex(t.pa)} (${t.via}) but no doorbell page listed for IOAS ${ioasId} covers it` : t.why;
    // Said once: a stage-1 miss already names the RMR it needs.
    const flag = this.k.profile === 'upstream' && d.nested && !this.k.sc.guest?.rmr && !why.includes('needs guest RMR') ? 'needs guest RMR: ' : '';
    return { ...base, hits: { ok: false, why: `${flag}${why}` } };
  }

  private s1Ipa(d: Dev, addr: bigint): bigint | null {
    const g = this.k.sc.guest;
    const m = g?.s1.find((x) => addr >= x.iova && addr < x.iova + x.length);
    if (m) return m.ipa + (addr - m.iova);
    const sw = this.k.sc.iommu.swMsi;
    if (g?.rmr && sw && addr >= sw.start && addr <= sw.last) return addr;
    return null;
  }

  /** Stage 1 is the guest's: only the simulator (or the VMM) knows it. */
  private stage1Space(d: Dev): AddressSpace {
    const g = this.k.sc.guest;
    const mappings = (g?.s1 ?? []).map((m) => ({ start: hex(m.iova), last: hex(m.iova + m.length - 1n), label: `${m.label} → IPA ${hex(m.ipa)}`, userVa: null, flags: ['guest stage 1'] }));
    const doorbells: DoorbellPage[] = (g?.s1 ?? []).filter((m) => g?.vitsTranslaterIpa != null && m.ipa === g.vitsTranslaterIpa).map((m) => ({
      start: hex(m.iova), last: hex(m.iova + 0xfffn), kind: 'its-translater' as const, label: `vITS translater page (IPA ${hex(m.ipa)})`, pa: null, mappedBy: 'user-area' as const, evidence: ['guest stage 1 (simulator)'],
    }));
    const vectors: VectorMarker[] = [...d.vecs.values()].map((v) => {
      const a = v.irq.hw.address;
      const i = doorbells.findIndex((p) => a >= BigInt(p.start) && a <= BigInt(p.last));
      const t = this.k.translate(d, a, 'hw');
      return { bdf: d.spec.bdf, index: v.irq.index, irq: v.irq.irq, address: hex(a), hits: i >= 0 && t.ok ? { ok: true, doorbell: i } : { ok: false, why: t.ok ? `0x${a.toString(16)} is not the vITS page in stage 1` : t.why } };
    });
    return { id: `s1:${d.spec.bdf}`, kind: 'ioas', label: `stage 1 of ${d.spec.bdf} (guest-owned; known only to the simulator)`, devices: [d.spec.bdf], allowed: [], reserved: [], mappings, doorbells, vectors, unavailable: null };
  }

  /** The simulated kernel's operations: VFIO/IOMMUFD ioctls and /proc/irq writes, logged like the real ones. */
  kernelOps(): KernelOps {
    return this.ops;
  }

  /**
   * The device raises each of these vectors once now. The MSI write is translated and routed by
   * the simulated IOMMU and controllers (kernel.ts deliver): counted on the CPU the hardware
   * targets, signalling the vector's eventfd and completing a deferred move, or faulting in the
   * IOMMU. A masked vector stays pending in the PBA (unless the device ignores the mask).
   */
  async fire(bdf: string, indices: number[]): Promise<Result<{ fired: number[] }>> {
    const d = this.k.devs.get(bdf);
    if (!d) return fail(errnoError('fire', 'ENODEV', 'Pick a device from the device list.', { message: `no device ${bdf} in scenario ${this.k.sc.name}` }));
    const irqs: Irq[] = d.driver === 'vfio-pci' ? [...d.vecs.values()].map((v) => v.irq) : d.hostIrqs;
    const picked: Irq[] = [];
    for (const i of indices) {
      const irq = irqs.find((x) => x.index === i);
      if (!irq) return fail(errnoError('fire', 'ENOENT', 'Enable the vector first (VFIO_DEVICE_SET_IRQS with an eventfd).', { message: `${bdf} has no vector ${i} allocated` }));
      picked.push(irq);
    }
    for (const irq of picked) this.k.deliver(irq, 1);
    return ok({ fired: picked.map((i) => i.index) });
  }

  /** Advance the seeded traffic by `ms` of device time now (tests); the next sample's clock includes it. */
  advance(ms: number): void {
    this.k.tick(ms);
    this.offset += ms;
    this.lastMono += ms;
  }

  /**
   * Counters as /proc/interrupts shows them, after the devices ran for the monotonic time elapsed
   * since the last sample. Deterministic for a seed and a sequence of clock readings.
   */
  async sample(irqs?: readonly number[]): Promise<InterruptSample> {
    const now = this.clock() + this.offset;
    this.k.tick(now - this.lastMono);
    this.lastMono = Math.max(this.lastMono, now);
    const out = new Map<number, CountRow>();
    if (irqs) {
      for (const n of irqs) { const irq = this.k.irqs.get(n); if (irq) out.set(n, this.countsOf(irq)); }
    } else {
      for (const [n, irq] of this.k.irqs) {
        if (irq.actions.length === 0 && irq.ver === 0) continue;   // /proc/interrupts lists IRQs with an action or a count
        out.set(n, this.countsOf(irq));
      }
    }
    return { mono: now, at: Date.now(), cpus: [...this.k.sc.cpus.online], irqs: out };
  }

  /** One column per online CPU; a copy is made only when the IRQ fired since the last one. */
  private countsOf(irq: Irq): CountRow {
    const c = this.snap.get(irq.irq);
    if (c && c.irq === irq && c.ver === irq.ver) return c.counts;
    const online = this.k.sc.cpus.online;
    const counts = online.length === irq.counts.length ? irq.counts.slice() : online.map((cpu) => irq.counts[cpu] ?? 0);
    this.snap.set(irq.irq, { irq, ver: irq.ver, counts });
    return counts;
  }

  kernelLog(sinceSeq?: number): KernelOp[] {
    return this.log.since(sinceSeq);
  }

  onLog(listener: (ops: KernelOp[]) => void): () => void {
    return this.log.subscribe(listener);
  }

  async close(): Promise<void> {
    /* nothing to release: the simulated kernel is garbage */
  }
}

export { ITS_TRANSLATER_OFFSET };
