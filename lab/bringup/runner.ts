// SPDX-License-Identifier: MIT
// The guided bring-up of one device: the VFIO cdev + iommufd flow (domain.md §2.5) as an ordered
// checklist, each step issuing its operations through the lab's KernelOps and recording what it
// read, what it issued (the kernel log entries) and, on failure, the kernel's errno with what it
// means and what to do. The last step undoes everything the others did, in reverse order, and
// checks that nothing is left (fds, IOAS, mappings, vectors, a moved affinity).
import { formatCpuList } from '../../common/cpulist.js';
import { ERRNO } from '../../common/errno.js';
import { errnoError, LabFailure, toLabError, type LabError } from '../../common/errors.js';
import {
  BRINGUP_STEPS, hex, type BringupChecklist, type BringupStep, type BringupStepId, type DecodedMessage, type DeviceSummary, type KernelOp, type LabInfo,
  type InterruptSample,
} from '../../common/model/index.js';
import type { AffinityEditor } from '../affinity/editor.js';
import type { LabBackend } from '../backend.js';
import type { DeviceHandle, EventfdHandle, IommufdHandle, KernelOps, OpResult } from '../ops.js';
import { SimBackend } from '../sim/backend.js';
import type { ExperimentalOps } from '../sim/ops.js';
import { linuxBinder, simBinder, type Binder } from './bind.js';
import { STEP_TEXT, explainErrno } from './text.js';

const VFIO_PCI_MSI = 1, VFIO_PCI_MSIX = 2;
/** The test buffer: 64 KiB, enough to show a mapping and small enough to pin anywhere. */
const TEST_LEN = 0x10000n;
const MB = 0x100000n;

export interface BringupOptions {
  backend: LabBackend;
  bdf: string;
  /** The session's affinity editor (journaled moves); required for the affinity step. */
  editor: AffinityEditor | null;
  /** Default: the simulator's model, or driver_override through the helper on a live linux lab. */
  binder?: Binder | null;
  /** How many vectors to enable (default 4, at most the device's table). */
  vectors?: number;
  onProgress?: (step: BringupStepId, state: BringupStep['state']) => void;
}

type Outcome =
  | { kind: 'passed'; summary: string }
  | { kind: 'skipped'; summary: string; error: LabError; explanation: string }
  | { kind: 'failed'; summary: string; error: LabError; explanation: string };

/** A step's failure, thrown inside a step body and turned into its outcome. */
class StepFail extends Error {
  constructor(readonly error: LabError, readonly explanation: string, readonly skip = false) { super(error.message); }
}

interface Held {
  ops: KernelOps | null;
  h: IommufdHandle | null;
  dev: DeviceHandle | null;
  devId: number | null;
  ioasId: number | null;
  attached: boolean;
  maps: { iova: bigint; length: bigint; what: string }[];
  eventfds: EventfdHandle[];
  irqIndex: number | null;
  enabled: number[];
  change: { id: string; index: number; irq: number | null; from: string | null; to: string } | null;
  baseline: Record<string, string | number> | null;
  previousDriver: string | null;
}

const empty = (): Held => ({ ops: null, h: null, dev: null, devId: null, ioasId: null, attached: false, maps: [], eventfds: [], irqIndex: null, enabled: [], change: null, baseline: null, previousDriver: null });

export class BringupRunner {
  readonly bdf: string;
  private readonly backend: LabBackend;
  private readonly editor: AffinityEditor | null;
  private readonly binder: Binder | null;
  private readonly wantVectors: number;
  private readonly onProgress: BringupOptions['onProgress'];
  private steps: BringupStep[];
  private held: Held = empty();
  private passive: BringupChecklist['passive'] = null;
  private lab = '';
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: BringupOptions) {
    this.backend = opts.backend;
    this.bdf = opts.bdf;
    this.editor = opts.editor;
    this.wantVectors = Math.max(1, opts.vectors ?? 4);
    this.onProgress = opts.onProgress;
    this.binder = opts.binder !== undefined ? opts.binder : defaultBinder(opts.backend);
    this.steps = freshSteps();
  }

  /** The checklist as it stands (device holder refreshed). */
  async checklist(): Promise<BringupChecklist> {
    return this.serial(async () => { await this.refreshPassive(); return this.snapshot(); });
  }

  /** Run one step, first running the earlier steps it needs. `rollback` undoes whatever is held. */
  async runStep(id: BringupStepId): Promise<BringupChecklist> {
    return this.serial(async () => {
      await this.refreshPassive();
      if (id === 'rollback') await this.exec('rollback');
      else await this.runUpTo(id);
      return this.snapshot();
    });
  }

  /** Run the checklist up to `upTo` (default: every step, ending with the rollback). After a failure, roll back. */
  async runAll(upTo?: BringupStepId): Promise<BringupChecklist> {
    return this.serial(async () => {
      await this.refreshPassive();
      const target = upTo ?? 'rollback';
      const ok = target === 'rollback' ? await this.runUpTo('affinity') : await this.runUpTo(target);
      if (!ok || target === 'rollback') await this.exec('rollback');
      return this.snapshot();
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private step(id: BringupStepId): BringupStep {
    return this.steps.find((s) => s.id === id)!;
  }

  private snapshot(): BringupChecklist {
    return { bdf: this.bdf, lab: this.lab, steps: structuredClone(this.steps), passive: this.passive, holding: this.holding() };
  }

  private holding(): string[] {
    const h = this.held, out: string[] = [];
    if (h.change) out.push(`affinity of vector ${h.change.index} moved to ${h.change.to} (journal ${h.change.id})`);
    if (h.enabled.length) out.push(`${h.enabled.length} ${h.irqIndex === VFIO_PCI_MSI ? 'MSI' : 'MSI-X'} vectors enabled`);
    if (h.eventfds.length) out.push(`${h.eventfds.length} eventfds`);
    for (const m of h.maps) out.push(`${m.what} at IOVA ${hex(m.iova)} (+${hex(m.length)})`);
    if (h.attached) out.push(`device attached to IOAS ${h.ioasId}`);
    if (h.dev) out.push(`VFIO device fd (dev_id ${h.devId ?? '—'})`);
    if (h.ioasId !== null) out.push(`IOAS ${h.ioasId}`);
    if (h.h) out.push('/dev/iommu fd');
    return out;
  }

  private async refreshPassive(): Promise<void> {
    const info = await this.backend.info();
    this.lab = info.spec;
    const d = (await this.backend.devices()).find((x) => x.bdf === this.bdf);
    if (!d) throw new LabFailure(errnoError('bring-up', 'ENODEV', 'Pick a device from the device list.', { message: `no PCI device ${this.bdf} in this lab` }));
    this.passive = d.holder.kind === 'process'
      ? { holder: `${d.holder.comm} (pid ${d.holder.pid})`, why: `${d.holder.comm} (pid ${d.holder.pid}) holds ${this.bdf} through VFIO (${d.holder.how}): VFIO gives a device to one owner, so Doorbell shows it passively — sysfs, procfs and debugfs only — and opens nothing.` }
      : null;
  }

  private async runUpTo(target: BringupStepId): Promise<boolean> {
    const order = BRINGUP_STEPS.filter((s) => s !== 'rollback');
    const last = order.indexOf(target as (typeof order)[number]);
    // After a failure or a rollback the run starts over from a clean state.
    if (this.steps.some((s) => s.state === 'failed') || this.step('rollback').state !== 'pending') {
      if (this.holding().length > 0) await this.exec('rollback');
      this.steps = freshSteps();
    }
    for (let i = 0; i <= last; i++) {
      const id = order[i]!;
      const s = this.step(id);
      const pureCheck = id === 'iommu' || id === 'bound' || id === 'doorbells' || id === 'delivery';
      if (s.state === 'passed' && !(i === last && pureCheck)) continue;
      if (s.state === 'skipped' && i < last) continue;
      const o = await this.exec(id);
      if (o.kind === 'failed') {
        for (const later of order.slice(i + 1)) {
          const t = this.step(later);
          t.state = 'skipped';
          t.summary = `not run: "${s.title}" failed`;
          t.error = null;
          t.explanation = null;
        }
        return false;
      }
    }
    return true;
  }

  /** Run one step body, capturing the kernel operations it issues. */
  private async exec(id: BringupStepId): Promise<Outcome> {
    const s = this.step(id);
    Object.assign(s, { state: 'running', summary: null, evidence: [], ops: [], error: null, explanation: null, at: Date.now(), durationMs: null });
    this.onProgress?.(id, 'running');
    const ops: KernelOp[] = [];
    const off = this.backend.onLog((o) => ops.push(...o));
    const t0 = Date.now();
    let o: Outcome;
    try {
      o = { kind: 'passed', summary: await this.body(id, s.evidence) };
    } catch (e) {
      if (e instanceof StepFail) o = { kind: e.skip ? 'skipped' : 'failed', summary: e.error.message, error: e.error, explanation: e.explanation };
      else {
        const error = toLabError(`bring-up ${id}`, e);
        o = { kind: 'failed', summary: error.message, error, explanation: 'The step stopped on an unexpected error.' };
      }
    } finally {
      off();
    }
    s.ops = ops;
    s.state = o.kind;
    s.summary = o.summary;
    if (o.kind !== 'passed') { s.error = o.error; s.explanation = o.explanation; }
    s.durationMs = Date.now() - t0;
    this.onProgress?.(id, s.state);
    return o;
  }

  private body(id: BringupStepId, ev: string[]): Promise<string> {
    switch (id) {
      case 'iommu': return this.iommu(ev);
      case 'bound': return this.bound(ev);
      case 'iommufd': return this.iommufd(ev);
      case 'ioas': return this.ioas(ev);
      case 'vectors': return this.vectors(ev);
      case 'doorbells': return this.doorbells(ev);
      case 'delivery': return this.delivery(ev);
      case 'affinity': return this.affinity(ev);
      case 'rollback': return this.rollback(ev);
    }
  }

  // ---------------------------------------------------------------- helpers
  private async device(): Promise<DeviceSummary> {
    const d = (await this.backend.devices()).find((x) => x.bdf === this.bdf);
    if (!d) throw new StepFail(errnoError('bring-up', 'ENODEV', 'Pick a device from the device list.', { message: `no PCI device ${this.bdf}` }), 'The device is gone from this lab (removed or renamed).');
    return d;
  }

  private ops(): KernelOps {
    if (this.held.ops) return this.held.ops;
    const k = this.backend.kernelOps?.() ?? null;
    if (!k) {
      throw new StepFail(errnoError('bring-up', 'EROFS', 'Open the live machine as root (--lab linux) or a simulator (--lab sim:…).', { message: `the ${this.backend.kind} lab cannot issue VFIO or IOMMUFD ioctls (read-only)` }),
        'This lab is a captured tree or a snapshot: it can be read, not driven.');
    }
    this.held.ops = k;
    return k;
  }

  /** Unwrap an OpResult or fail the step with the kernel's errno explained for this step. */
  private must<T>(r: OpResult<T>, step: BringupStepId, ev: string[], what: string): T {
    if (r.ok) return r.value;
    ev.push(`${what}: ${r.errno} — ${r.error.message}`);
    const x = explainErrno(step, r.errno, { passive: this.passive });
    throw new StepFail({ ...r.error, hint: x.hint ?? r.error.hint }, x.explanation);
  }

  private experimental(): ExperimentalOps | null {
    const k = this.held.ops as (KernelOps & { experimental?: ExperimentalOps }) | null;
    return k?.experimental ?? null;
  }

  private async feature(info: LabInfo, id: string): Promise<boolean> {
    return info.features.some((f) => f.id === id && f.state === 'yes');
  }

  // ---------------------------------------------------------------- steps
  private async iommu(ev: string[]): Promise<string> {
    const d = await this.device();
    const units = await this.backend.iommus();
    const info = await this.backend.info();
    const unit = units.find((u) => u.devices.includes(this.bdf)) ?? null;
    ev.push(`IOMMU units: ${units.length ? units.map((u) => `${u.name} (${u.kind}, ${u.devices.length} devices)`).join(', ') : 'none (/sys/class/iommu is empty)'}`);
    ev.push(`iommu_group of ${this.bdf}: ${d.iommuGroup ?? 'none'}`);
    const fd = info.features.find((f) => f.id === 'iommufd');
    ev.push(`iommufd: ${fd ? `${fd.state} (${fd.how})` : 'not probed'}`);
    if (d.iommuGroup === null || units.length === 0) {
      throw new StepFail(errnoError('bring-up: IOMMU', 'ENODEV', 'Enable the IOMMU in firmware and on the kernel command line (intel_iommu=on, amd_iommu=on; arm64 SMMU is on when described by ACPI IORT/DT), then reboot.', {
        message: `${this.bdf} is in no IOMMU group: this machine has ${units.length === 0 ? 'no IOMMU' : 'no IOMMU serving this device'}`, path: `/sys/bus/pci/devices/${this.bdf}/iommu_group`,
      }), 'VFIO hands a device to userspace only behind an IOMMU: without one the device could DMA anywhere, so vfio-pci has no group to give and iommufd nothing to attach (domain.md §3.2, §3.3).');
    }
    if (fd && fd.state === 'no') {
      throw new StepFail(errnoError('bring-up: IOMMU', 'ENOENT', 'Load it: `modprobe iommufd` (CONFIG_IOMMUFD), and vfio-pci with CONFIG_VFIO_DEVICE_CDEV.', { message: '/dev/iommu does not exist', path: '/dev/iommu' }),
        'The IOMMU is there, but the iommufd character device is missing: this kernel was built without IOMMUFD or the module is not loaded.');
    }
    const groups = await this.backend.groups();
    const g = groups.find((x) => x.id === d.iommuGroup);
    if (g) {
      ev.push(`group ${g.id}: ${g.devices.length} device(s) ${g.devices.join(', ')}; viable: ${g.viable.ok ? 'yes' : 'no'} (${g.viable.why})`);
      ev.push(`reserved regions: ${g.reserved.length ? g.reserved.map((r) => `${r.start}–${r.last} ${r.type}`).join(', ') : 'none'}`);
    }
    return `${unit ? `${unit.name} (${unit.kind})` : `${units.length} IOMMU unit(s)`}, group ${d.iommuGroup}`;
  }

  private async bound(ev: string[]): Promise<string> {
    const d = await this.device();
    ev.push(`driver: ${d.driver ?? 'none'}; driver_override: ${d.driverOverride ?? '(none)'}; binding: ${d.binding.kind}${d.binding.kind === 'vfio-cdev' ? ` ${d.binding.cdev}` : ''}`);
    if (d.driver === 'vfio-pci') {
      if (d.holder.kind === 'process') ev.push(`held by ${d.holder.comm} (pid ${d.holder.pid}) — ${d.holder.how}`);
      return `bound to vfio-pci${d.binding.kind === 'vfio-cdev' ? ` (${d.binding.cdev})` : ''}`;
    }
    const info = await this.backend.info();
    if (!info.writable.ok || !this.binder) {
      throw new StepFail(errnoError('bind vfio-pci', 'EROFS', 'Open the live machine as root (--lab linux), or bind it by hand: echo vfio-pci > driver_override; echo BDF > /sys/bus/pci/drivers/DRIVER/unbind; echo BDF > /sys/bus/pci/drivers_probe.', {
        message: `${this.bdf} is on ${d.driver ?? 'no driver'} and this lab cannot rebind it (${info.writable.ok ? 'no bind path' : info.writable.why})`,
      }), 'The device must be bound to vfio-pci before userspace can open it.');
    }
    ev.push(`binding through ${this.binder.how}`);
    const r = await this.binder.bind(this.bdf);
    if (!r.ok) {
      ev.push(`refused: ${r.error.message}`);
      const x = explainErrno('bound', r.error.errnoName ?? '', { passive: this.passive });
      throw new StepFail(r.error, x.explanation);
    }
    for (const s of r.value.steps) ev.push(`wrote ${s}`);
    this.held.previousDriver = r.value.previousDriver;
    const after = await this.device();
    ev.push(`driver now: ${after.driver ?? 'none'}; binding: ${after.binding.kind}`);
    if (after.driver !== 'vfio-pci') {
      throw new StepFail(errnoError('bind vfio-pci', 'ENODEV', 'Check `dmesg` and that vfio-pci is loaded (`modprobe vfio-pci`).', { message: `vfio-pci did not take ${this.bdf} (driver now ${after.driver ?? 'none'})` }),
        'driver_override was written but vfio-pci did not probe the device.');
    }
    return `bound to vfio-pci (was ${r.value.previousDriver ?? 'unbound'})`;
  }

  private async iommufd(ev: string[]): Promise<string> {
    if (this.passive) {
      ev.push(this.passive.why);
      throw new StepFail(errnoError('open /dev/vfio/devices', 'EBUSY', 'Stop the VMM (or hot-unplug the device from it) to drive the device from Doorbell; until then its vectors, address space and counters are shown read-only on the device page.', {
        message: `${this.bdf} is held by ${this.passive.holder}`,
      }), this.passive.why);
    }
    const k = this.ops();
    if (this.backend instanceof SimBackend) this.held.baseline ??= this.backend.k.census();
    const h = this.must(k.openIommufd(), 'iommufd', ev, 'open /dev/iommu');
    this.held.h = h;
    ev.push(`opened /dev/iommu (fd ${h.id})`);
    const dev = this.must(k.openDevice(this.bdf), 'iommufd', ev, 'open the VFIO device cdev');
    this.held.dev = dev;
    ev.push(`opened the VFIO device cdev of ${this.bdf} (fd ${dev.id})`);
    const b = this.must(k.bindIommufd(dev, h), 'iommufd', ev, 'VFIO_DEVICE_BIND_IOMMUFD');
    this.held.devId = b.devId;
    ev.push(`VFIO_DEVICE_BIND_IOMMUFD → dev_id ${b.devId}`);
    const di = k.deviceInfo(dev);
    if (di.ok) ev.push(`VFIO_DEVICE_GET_INFO: flags 0x${di.value.flags.toString(16)}, ${di.value.numRegions} regions, ${di.value.numIrqs} IRQ indexes`);
    return `iommufd fd ${h.id}, device bound as dev_id ${b.devId}`;
  }

  private async ioas(ev: string[]): Promise<string> {
    const k = this.ops();
    const h = this.held.h!, dev = this.held.dev!;
    const id = this.must(k.ioasAlloc(h), 'ioas', ev, 'IOMMU_IOAS_ALLOC');
    this.held.ioasId = id;
    ev.push(`IOMMU_IOAS_ALLOC → ioas_id ${id}`);
    const at = this.must(k.attachPt(dev, id), 'ioas', ev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT');
    this.held.attached = true;
    ev.push(`VFIO_DEVICE_ATTACH_IOMMUFD_PT pt_id ${id} → HWPT ${at.ptId}`);
    const rr = this.must(k.ioasIovaRanges(h, id), 'ioas', ev, 'IOMMU_IOAS_IOVA_RANGES');
    ev.push(`IOMMU_IOAS_IOVA_RANGES: ${rr.ranges.map((r) => `${r.start}–${r.last}`).join(', ')} (alignment ${hex(rr.alignment)})`);
    const d = await this.device();
    const reserved = (await this.backend.groups()).find((g) => g.id === d.iommuGroup)?.reserved ?? [];
    const align = rr.alignment > 0x1000n ? rr.alignment : 0x1000n;
    const hits = (a: bigint, len: bigint) => reserved.some((r) => a <= BigInt(r.last) && BigInt(r.start) <= a + len - 1n);
    const pick = (len: bigint, after: bigint): bigint | null => {
      for (const r of rr.ranges) {
        let a = BigInt(r.start) > after ? BigInt(r.start) : after;
        a = ((a + align - 1n) / align) * align;
        while (a + len - 1n <= BigInt(r.last)) {
          if (!hits(a, len)) return a;
          a += MB;
        }
      }
      return null;
    };
    const iova = pick(TEST_LEN, MB);
    if (iova === null) throw new StepFail(errnoError('IOMMU_IOAS_MAP', 'ENOSPC', 'Check the IOVA ranges above: the IOAS has no room outside the reserved regions.', { message: `no allowed IOVA range holds ${hex(TEST_LEN)} bytes outside the reserved regions` }), 'Every allowed range is too small or reserved.');
    ev.push(`test buffer at IOVA ${hex(iova)} (+${hex(TEST_LEN)}): inside an allowed range, outside the reserved regions ${reserved.map((r) => `${r.start}–${r.last}`).join(', ') || '(none)'}`);
    const m = this.must(k.ioasMap(h, { ioasId: id, length: TEST_LEN, iova, readable: true, writeable: true }), 'ioas', ev, 'IOMMU_IOAS_MAP');
    this.held.maps.push({ iova: m.iova, length: TEST_LEN, what: 'test buffer' });
    ev.push(`IOMMU_IOAS_MAP FIXED_IOVA|READABLE|WRITEABLE → ${hex(m.iova)}`);
    // Seed-thread design (per-vector-table, unmerged): userspace maps the doorbell itself.
    const info = await this.backend.info();
    const x = this.experimental();
    if (x && await this.feature(info, 'x-msi-table')) {
      const riscv = info.arch.startsWith('riscv');
      const harts = (await this.backend.cpus()).possible.length;
      const len = riscv ? BigInt(harts) * 0x1000n : 0x1000n;
      const db = pick(len, m.iova + TEST_LEN);
      if (db === null) throw new StepFail(errnoError('x-IOMMU_IOAS_MAP_DOORBELL', 'ENOSPC', 'Free IOVA space for the doorbell area.', { message: 'no room for the doorbell area' }), 'The doorbell area must sit in an allowed range.');
      const r = this.must(x.ioasMapDoorbell(h, { ioasId: id, iova: db, target: riscv ? { kind: 'imsic', firstHart: 0, harts } : { kind: 'its' } }), 'ioas', ev, 'x-IOMMU_IOAS_MAP_DOORBELL');
      this.held.maps.push({ iova: r.iova, length: len, what: riscv ? `IMSIC pages of harts 0-${harts - 1}` : 'ITS translater page' });
      ev.push(`profile per-vector-table: doorbell area ${riscv ? `for ${harts} IMSIC harts` : 'for the ITS translater page'} at IOVA ${hex(r.iova)} (x-IOMMU_IOAS_MAP_DOORBELL, unmerged)`);
    }
    return `IOAS ${id} attached; test buffer mapped at ${hex(m.iova)}`;
  }

  private async vectors(ev: string[]): Promise<string> {
    const k = this.ops();
    const dev = this.held.dev!;
    const msix = this.must(k.irqInfo(dev, VFIO_PCI_MSIX), 'vectors', ev, 'VFIO_DEVICE_GET_IRQ_INFO (MSI-X)');
    ev.push(`VFIO_DEVICE_GET_IRQ_INFO MSI-X: count ${msix.count}, flags 0x${msix.flags.toString(16)}`);
    let index = VFIO_PCI_MSIX, count = msix.count;
    if (count === 0) {
      const msi = this.must(k.irqInfo(dev, VFIO_PCI_MSI), 'vectors', ev, 'VFIO_DEVICE_GET_IRQ_INFO (MSI)');
      ev.push(`VFIO_DEVICE_GET_IRQ_INFO MSI: count ${msi.count}`);
      index = VFIO_PCI_MSI; count = msi.count;
    }
    if (count === 0) throw new StepFail(errnoError('VFIO_DEVICE_GET_IRQ_INFO', 'ENODATA', 'Pick a device with an MSI or MSI-X capability.', { message: `${this.bdf} has neither MSI-X nor MSI vectors` }), 'The device can only use INTx: there is no message to check.');
    const n = Math.min(count, this.wantVectors);
    const x = this.experimental();
    const info = await this.backend.info();
    if (x && await this.feature(info, 'x-msi-table')) {
      const db = this.held.maps.find((m) => m.what !== 'test buffer');
      if (db) {
        const riscv = info.arch.startsWith('riscv');
        this.must(x.msiTableSet(dev, { index, start: 0, entries: Array.from({ length: n }, () => (riscv ? { window: db.iova } : { iova: db.iova })) }), 'vectors', ev, 'x-VFIO_DEVICE_MSI_TABLE_SET');
        ev.push(`profile per-vector-table: table entries 0–${n - 1} → ${riscv ? `window ${hex(db.iova)}` : `IOVA ${hex(db.iova)}`} (x-VFIO_DEVICE_MSI_TABLE_SET, unmerged)`);
      }
    }
    const fds: EventfdHandle[] = [];
    for (let i = 0; i < n; i++) {
      const e = this.must(k.eventfd(), 'vectors', ev, 'eventfd');
      fds.push(e);
      this.held.eventfds.push(e);
    }
    this.held.irqIndex = index;
    this.must(k.setIrqs(dev, { index, start: 0, count: n, action: 'trigger', data: { kind: 'eventfd', fds } }), 'vectors', ev, 'VFIO_DEVICE_SET_IRQS');
    this.held.enabled = Array.from({ length: n }, (_, i) => i);
    ev.push(`VFIO_DEVICE_SET_IRQS ${index === VFIO_PCI_MSIX ? 'MSI-X' : 'MSI'} DATA_EVENTFD|ACTION_TRIGGER start 0 count ${n}`);
    const dv = await this.backend.vectors(this.bdf);
    const bad: string[] = [];
    for (const i of this.held.enabled) {
      const v = dv.vectors.find((r) => r.index === i);
      if (!v || v.irq === null) { bad.push(`vector ${i} has no Linux IRQ`); continue; }
      const m = v.message.ok ? `${v.message.value.address} data 0x${(v.message.value.data >>> 0).toString(16)}` : `unreadable (${v.message.why})`;
      const eff = v.effective.ok ? formatCpuList(v.effective.value) : '?';
      ev.push(`vector ${i}: IRQ ${v.irq}, ${v.chip}, message ${m}${v.decoded ? ` (${decodedText(v.decoded)})` : ''}, effective CPU ${eff}, eventfd ${v.eventfd}, ${v.masked.ok && v.masked.value ? 'masked' : 'unmasked'}`);
      if (v.eventfd === 'none') bad.push(`vector ${i} has no eventfd`);
    }
    if (bad.length) throw new StepFail(errnoError('VFIO_DEVICE_SET_IRQS', 'EIO', 'Refresh the vector table; re-enable the vectors.', { message: bad.join('; ') }), 'The kernel accepted SET_IRQS but the vectors do not read back as enabled with their eventfds.');
    return `${n} ${index === VFIO_PCI_MSIX ? 'MSI-X' : 'MSI'} vectors enabled with eventfds (of ${count})`;
  }

  private async doorbells(ev: string[]): Promise<string> {
    const spaces = (await this.backend.addressSpaces(this.bdf)).filter((s) => s.devices.includes(this.bdf));
    const usable = spaces.filter((s) => s.unavailable === null);
    if (usable.length === 0) {
      throw new StepFail(errnoError('bring-up: doorbells', 'ENODATA', 'Run the doorbell check in the QEMU tier or on a simulator.', { message: spaces[0]?.unavailable ?? `no address space of ${this.bdf} is known to this lab` }),
        'Doorbell cannot see the IOMMU mappings of this device here, so it cannot say where the messages land.', true);
    }
    const misses: string[] = [];
    for (const i of this.held.enabled) {
      const marks = usable.flatMap((s) => s.vectors.filter((m) => m.bdf === this.bdf && m.index === i).map((m) => ({ s, m })));
      if (marks.length === 0) { misses.push(`vector ${i}: not placed in any address space`); continue; }
      for (const { s, m } of marks) {
        if (m.hits.ok) {
          const p = s.doorbells[m.hits.doorbell]!;
          ev.push(`vector ${i} → ${m.address} hits ${p.label} (${p.start}–${p.last}, ${p.mappedBy}) in ${s.label}`);
        } else {
          ev.push(`vector ${i} → ${m.address} hits no mapped doorbell in ${s.label}: ${m.hits.why}`);
          misses.push(`vector ${i} (${m.address}): ${m.hits.why}`);
        }
      }
    }
    if (misses.length) {
      const notes = (await this.backend.vectors(this.bdf)).notes;
      for (const n of notes) ev.push(`note: ${n}`);
      throw new StepFail(errnoError('bring-up: doorbells', 'EFAULT', 'Map the doorbell page into the device\'s IOAS (the kernel SW_MSI mapping, or the userspace doorbell area) and re-enable the vectors; report the kernel if iommufd says the page is mapped but the IOMMU page table lacks it.', {
        message: `${misses.length} of ${this.held.enabled.length} vectors hit no mapped doorbell: ${misses[0]}`,
      }), 'A vector\'s message address must translate, through the IOMMU, to an interrupt controller\'s doorbell (ITS GITS_TRANSLATER page, IMSIC interrupt file, or the untranslated x86 window 0xFEExxxxx). Where it does not, the device\'s MSI write is an IOMMU fault and the interrupt is lost (domain.md §5, §5.1).');
    }
    return `all ${this.held.enabled.length} vectors hit a mapped doorbell`;
  }

  private async delivery(ev: string[]): Promise<string> {
    const k = this.ops();
    const dev = this.held.dev!, index = this.held.irqIndex!;
    const enabled = this.held.enabled;
    const fire = this.backend.fire?.bind(this.backend);
    const drain = () => this.held.eventfds.map((e) => { const r = k.readEventfd(e); return r.ok ? r.value : 0n; });
    if (!fire) {
      // VFIO loop-back: vfio_pci_set_msi_trigger signals the eventfds in software, no CPU counts it.
      drain();
      const r = k.setIrqs(dev, { index, start: 0, count: enabled.length, action: 'trigger', data: { kind: 'none' } });
      const got = drain();
      ev.push(`VFIO loop-back trigger (DATA_NONE|ACTION_TRIGGER): ${r.ok ? `eventfds signalled ${got.join(', ')}` : r.error.message}`);
      throw new StepFail(errnoError('bring-up: delivery', 'EOPNOTSUPP', 'Run this step on a simulator, or in the QEMU tier with a device Doorbell can make interrupt.', { message: 'this lab cannot make the device send an MSI' }),
        'The loop-back trigger only proves the eventfd plumbing: it signals the eventfds in software (vfio_pci_set_msi_trigger → eventfd_signal), so no message crosses the IOMMU and no CPU counts it.', true);
    }
    const irqs = (await this.backend.vectors(this.bdf)).vectors.filter((v) => enabled.includes(v.index));
    const irqNo = irqs.map((v) => v.irq).filter((x): x is number => x !== null);
    drain();
    const s0 = await this.backend.sample(irqNo);
    const f = await fire(this.bdf, enabled);
    if (!f.ok) throw new StepFail(f.error, 'The lab could not make the device interrupt.');
    const s1 = await this.backend.sample(irqNo);
    const got = drain();
    const missing: string[] = [];
    for (const v of irqs) {
      const d = perCpu(s0, s1, v.irq!);
      const rose = d.map((n, cpu) => ({ n, cpu })).filter((x) => x.n > 0);
      const eff = v.effective.ok ? v.effective.value : [];
      const evCount = got[enabled.indexOf(v.index)] ?? 0n;
      ev.push(`vector ${v.index} (IRQ ${v.irq}): fired; counted on ${rose.length ? rose.map((x) => `CPU ${x.cpu} +${x.n}`).join(', ') : 'no CPU'} (effective ${formatCpuList(eff)}); eventfd read ${evCount}`);
      if (rose.length === 0 || evCount === 0n) missing.push(`vector ${v.index}`);
    }
    if (missing.length) {
      const notes = (await this.backend.vectors(this.bdf)).notes;
      for (const n of notes) ev.push(`note: ${n}`);
      throw new StepFail(errnoError('bring-up: delivery', 'EIO', 'Look at the doorbell step and the IOMMU fault counters; check the vectors are unmasked and have eventfds.', { message: `${missing.join(', ')}: fired but not delivered` }),
        'The device sent the message, but no CPU counted it or the eventfd was not signalled: the write faulted in the IOMMU or reached no interrupt the kernel owns.');
    }
    // Negative control: a vector whose eventfd is de-assigned is masked (free_irq → pci_msi_mask);
    // the device must hold its message pending in the PBA, not send it.
    const last = enabled[enabled.length - 1]!;
    const lastV = irqs.find((v) => v.index === last);
    const lastEv = this.held.eventfds[enabled.indexOf(last)]!;
    this.must(k.setIrqs(dev, { index, start: last, count: 1, action: 'trigger', data: { kind: 'eventfd', fds: [null] } }), 'delivery', ev, 'VFIO_DEVICE_SET_IRQS (de-assign)');
    ev.push(`mask test: de-assigned vector ${last}'s eventfd (fd -1), so the kernel masked it`);
    try {
      const m0 = await this.backend.sample(lastV?.irq != null ? [lastV.irq] : []);
      const mf = await fire(this.bdf, [last]);
      const m1 = await this.backend.sample(lastV?.irq != null ? [lastV.irq] : []);
      const leaked = lastV?.irq != null ? perCpu(m0, m1, lastV.irq).reduce((a, b) => a + b, 0) : 0;
      ev.push(`mask test: fired masked vector ${last}${mf.ok ? '' : ` (${mf.error.message})`}: ${leaked > 0 ? `counted ${leaked} time(s) anyway` : 'not delivered (held pending)'}`);
      if (leaked > 0) {
        throw new StepFail(errnoError('bring-up: delivery', 'EIO', 'Do not rely on the per-vector mask with this device: quiesce the interrupt source in the device before de-assigning a vector, and report the device or its firmware.', {
          message: `masked vector ${last} was delivered ${leaked} time(s): the device ignores the MSI-X mask bit`,
        }), 'A masked MSI-X vector (Vector Control bit 0) must not send its message: the device sets the pending bit in the PBA and sends it after unmasking (PCIe MSI-X; domain.md §4.3). This device sent it anyway, so interrupts arrive on a vector the kernel has torn down.');
      }
    } finally {
      const re = k.setIrqs(dev, { index, start: last, count: 1, action: 'trigger', data: { kind: 'eventfd', fds: [lastEv] } });
      ev.push(`mask test: re-assigned vector ${last}'s eventfd${re.ok ? '' : ` failed: ${re.error.message}`}`);
    }
    return `${enabled.length} test interrupts delivered and counted; a masked vector stayed silent`;
  }

  private async affinity(ev: string[]): Promise<string> {
    if (!this.editor) throw new StepFail(errnoError('bring-up: affinity', 'EOPNOTSUPP', 'Run the bring-up from a lab session.', { message: 'no affinity editor' }), 'The move is made through the journaled affinity editor.', true);
    const dv = await this.backend.vectors(this.bdf);
    const v = dv.vectors.find((r) => this.held.enabled.includes(r.index) && r.irq !== null);
    if (!v) throw new StepFail(errnoError('bring-up: affinity', 'ENOENT', 'Run the vectors step first.', { message: 'no enabled vector with an IRQ' }), 'There is nothing to move.');
    const online = (await this.backend.cpus()).online;
    const cur = v.effective.ok ? v.effective.value : [];
    const others = online.filter((c) => !cur.includes(c));
    if (others.length === 0) throw new StepFail(errnoError('bring-up: affinity', 'EINVAL', 'Bring a second CPU online.', { message: 'only one CPU is online' }), 'A move needs somewhere to go.', true);
    const target = others.find((c) => c > (cur[0] ?? -1)) ?? others[0]!;
    ev.push(`moving vector ${v.index} (IRQ ${v.irq}) from effective CPU ${formatCpuList(cur)} to CPU ${target}`);
    const r = await this.editor.setAffinity(this.bdf, v.index, String(target), 'bring-up');
    if (r.changeId) this.held.change = { id: r.changeId, index: v.index, irq: r.irq, from: r.before.affinity, to: r.requested };
    ev.push(`verdict: ${r.verdict.headline}`);
    for (const e of r.verdict.evidence) ev.push(e);
    for (const w of r.warnings) ev.push(`warning: ${w}`);
    // A wrong or pending move was accepted by the kernel: no errno, the verdict says what is wrong.
    const err = (): LabError => {
      const name = r.verdict.errno;
      const num = name ? (ERRNO as Record<string, number>)[name] : undefined;
      return { op: `write /proc/irq/${r.irq}/smp_affinity_list`, ...(name ? { errnoName: name } : {}), ...(num !== undefined ? { errno: num } : {}), message: r.verdict.headline, hint: r.verdict.hint, path: `/proc/irq/${r.irq}/smp_affinity_list` };
    };
    if (r.verdict.kind === 'verified') return `vector ${v.index} moved to CPU ${r.after.effective ?? target} and verified`;
    if (r.verdict.kind === 'unconfirmed') throw new StepFail(err(), r.verdict.explanation, true);
    throw new StepFail(err(), r.verdict.explanation);
  }

  private async rollback(ev: string[]): Promise<string> {
    const h = this.held;
    const problems: string[] = [];
    const k = h.ops;
    // Only what this run opened is checked: a VMM's vectors on a passive device are not ours.
    const opened = h.h !== null || h.dev !== null || h.change !== null;
    const note = (what: string, r: OpResult<unknown>) => {
      if (r.ok) ev.push(`${what}: ok`);
      else { ev.push(`${what}: ${r.errno} — ${r.error.message}`); problems.push(`${what}: ${r.errno}`); }
    };
    if (h.change && this.editor) {
      const u = await this.editor.undo({ changeId: h.change.id });
      if (!u) ev.push(`affinity: journal change ${h.change.id} is no longer outstanding`);
      else {
        ev.push(`affinity: ${u.why}${u.result ? ` — ${u.result.verdict.headline}` : ''}`);
        if (u.action === 'restore' && u.result?.verdict.kind === 'refused') problems.push(`affinity restore refused: ${u.result.verdict.headline}`);
      }
      h.change = null;
    }
    if (k && h.dev && h.enabled.length && h.irqIndex !== null) {
      note(`VFIO_DEVICE_SET_IRQS DATA_NONE count 0 (disable ${h.irqIndex === VFIO_PCI_MSI ? 'MSI' : 'MSI-X'})`, k.setIrqs(h.dev, { index: h.irqIndex, start: 0, count: 0, action: 'trigger', data: { kind: 'none' } }));
      h.enabled = [];
    }
    if (k) for (const e of h.eventfds.splice(0)) note(`close eventfd ${e.id}`, k.closeEventfd(e));
    if (k && h.h && h.ioasId !== null) for (const m of h.maps.splice(0).reverse()) note(`IOMMU_IOAS_UNMAP ${m.what} ${hex(m.iova)}`, k.ioasUnmap(h.h, { ioasId: h.ioasId, iova: m.iova, length: m.length }));
    if (k && h.dev && h.attached) { note('VFIO_DEVICE_DETACH_IOMMUFD_PT', k.detachPt(h.dev)); h.attached = false; }
    if (k && h.dev) { note('close the VFIO device (unbinds from iommufd)', k.closeDevice(h.dev)); h.dev = null; h.devId = null; }
    if (k && h.h && h.ioasId !== null) { note(`IOMMU_DESTROY ioas ${h.ioasId}`, k.destroy(h.h, h.ioasId)); h.ioasId = null; }
    if (k && h.h) { note('close /dev/iommu', k.closeIommufd(h.h)); h.h = null; }
    if (ev.length === 0) ev.push('nothing was held: nothing to undo');
    // Verify nothing is left.
    const dv = await this.backend.vectors(this.bdf);
    const left = dv.vectors.filter((v) => v.eventfd === 'assigned');
    ev.push(`vectors of ${this.bdf} now: ${dv.vectors.length}${left.length ? `, ${left.length} with an eventfd${opened ? '' : ' (not Doorbell\'s: the device\'s owner enabled them)'}` : ''}`);
    if (left.length && opened) problems.push(`${left.length} vectors still enabled`);
    const spaces = (await this.backend.addressSpaces(this.bdf)).filter((s) => s.devices.includes(this.bdf) && s.unavailable === null && s.kind === 'ioas' && s.label.includes('Doorbell'));
    if (spaces.length) problems.push(`still attached to ${spaces.map((s) => s.label).join(', ')}`);
    const d = await this.device();
    ev.push(`holder now: ${d.holder.kind}`);
    if (d.holder.kind === 'doorbell') problems.push('Doorbell still holds the device open');
    if (this.editor) {
      const info = await this.backend.info();
      const out = this.editor.journal.outstanding(info.spec).filter((c) => c.intent.bdf === this.bdf && c.intent.why === 'bring-up');
      if (out.length) problems.push(`${out.length} journaled bring-up affinity change(s) still outstanding`);
    }
    if (this.backend instanceof SimBackend && h.baseline) {
      const now = this.backend.k.census();
      const diff = Object.keys(h.baseline).filter((key) => String(h.baseline![key]) !== String(now[key]));
      ev.push(`kernel objects: ${diff.length ? diff.map((key) => `${key} ${h.baseline![key]} → ${now[key]}`).join(', ') : 'same as before the bring-up (fds, iommufd objects, areas, eventfds, IRQs, pinned bytes, vectors, IRTEs)'}`);
      if (diff.length) problems.push(`left behind: ${diff.join(', ')}`);
      else h.baseline = null;
    }
    if (h.previousDriver && h.previousDriver !== 'vfio-pci') ev.push(`the device stays on vfio-pci (it was on ${h.previousDriver}); rebind it with driver_override cleared and drivers_probe if the host needs it back`);
    h.ops = null;
    if (problems.length) {
      throw new StepFail(errnoError('bring-up: rollback', 'EBUSY', 'See the evidence for what is left; closing Doorbell releases its fds, and `doorbell affinity` / the journal restores a moved IRQ.', { message: problems.join('; ') }),
        'Something the bring-up created is still there after the rollback.');
    }
    return 'everything undone; nothing left';
  }
}

function decodedText(d: DecodedMessage): string {
  switch (d.kind) {
    case 'x86-compat': return `x86: APIC ${d.destApicId}, vector 0x${d.vector.toString(16)}`;
    case 'intel-remap': return `VT-d remappable: IRTE handle ${d.handle}${d.irteTargetApicId !== null ? ` → APIC ${d.irteTargetApicId}` : ''}`;
    case 'amd-remap': return `AMD-Vi remapped: IRTE ${d.irteIndex}`;
    case 'its': return `ITS doorbell ${d.doorbell}, EventID ${d.eventId}`;
    case 'v2m': return `GICv2m doorbell ${d.doorbell}, SPI ${d.spi}`;
    case 'imsic': return `IMSIC page ${d.page}, hart ${d.hart ?? '?'}, identity ${d.identity}`;
    default: return d.kind;
  }
}

function perCpu(a: Pick<InterruptSample, 'cpus' | 'irqs'>, b: Pick<InterruptSample, 'cpus' | 'irqs'>, irq: number): number[] {
  const c0 = a.irqs.get(irq) ?? [], c1 = b.irqs.get(irq) ?? [];
  const out: number[] = [];
  b.cpus.forEach((cpu, col) => { out[cpu] = Math.max(0, (c1[col] ?? 0) - (c0[col] ?? 0)); });
  for (let i = 0; i < out.length; i++) out[i] ??= 0;
  return out;
}

function freshSteps(): BringupStep[] {
  return BRINGUP_STEPS.map((id) => ({ id, title: STEP_TEXT[id].title, does: STEP_TEXT[id].does, state: 'pending', summary: null, evidence: [], ops: [], error: null, explanation: null, at: null, durationMs: null }));
}

function defaultBinder(b: LabBackend): Binder | null {
  if (b instanceof SimBackend) return simBinder(b);
  const root = b.kind === 'linux' ? b.procRoot?.() ?? null : null;
  return root !== null ? linuxBinder({ root }) : null;
}
