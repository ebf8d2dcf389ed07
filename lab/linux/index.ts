// SPDX-License-Identifier: MIT
// The `linux` backend: this machine's /proc and /sys (root '/'), or a captured tree under another
// root, which is read-only. Everything is read passively — sysfs, procfs, debugfs — so a device
// another process (a running VMM) holds is shown with its holder named. Feature support is probed
// from files, never assumed from the version string.
import fs from 'node:fs';
import { AsyncLocalStorage } from 'node:async_hooks';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { errnoError, LabFailure, toLabError } from '../../common/errors.js';
import type {
  AddressSpace, Binding, CpuInfo, DeviceSummary, DeviceVectors, Feature, Holder, InterruptSample, IommuGroup, IommuUnit,
  KernelOp, LabInfo, MsiCap, MsixCap, Read, VectorRow,
} from '../../common/model/index.js';
import { readFail, readOk } from '../../common/model/source.js';
import type { ControllerHints } from '../../common/msi/index.js';
import { DEBUGFS_IRQS } from '../../native/debugfs/irq.js';
import { parseConfigCaps } from '../../native/pci/config.js';
import { className, deviceName, vendorName } from '../../native/pci/ids.js';
import type { MsixTableRead } from '../../native/pci/msix-table.js';
import { findVfioFds, type VfioFd } from '../../native/procfs/fdinfo.js';
import { parseInterrupts, type ParsedInterrupts } from '../../native/procfs/interrupts.js';
import { readCmdline, readUname, type Uname } from '../../native/procfs/kernel.js';
import { readCpuListFile } from '../../native/procfs/irq.js';
import { readSysCpus } from '../../native/sysfs/cpu.js';
import { iommuKind, readIommuGroups, readIommuUnitNames } from '../../native/sysfs/iommu.js';
import { parsePerCpuCount } from '../../native/sysfs/irq.js';
import { readConfig, readPciDevice, readPciDevices, type PciDevice } from '../../native/sysfs/pci.js';
import { SysRoot } from '../../native/sysfs/root.js';
import type { LabBackend } from '../backend.js';
import type { KernelOps } from '../ops.js';
import { createLinuxKernelOps } from './ops.js';
import { KernelLog } from '../kernel-log.js';
import { groupAddressSpace } from './addrspace.js';
import { joinVectors, vectorOrder } from './vectors.js';

const UNSAFE_PARAMS = [
  '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts',
  '/sys/module/iommufd/parameters/allow_unsafe_interrupts',
];

/** Above this many IRQs a live sample reads /proc/interrupts once instead of per_cpu_count files. */
export const SYSFS_SAMPLE_MAX = 256;

export interface LinuxLabOptions {
  root: string;
  reason: string;
  /** Test hook: read the MSI-X table some other way (default: resourceN mmap as root). */
  readTable?: (root: SysRoot, bdf: string, cap: MsixCap) => MsixTableRead;
}

/**
 * Machine-wide reads shared by every read inside one batch() (a snapshot capture, a whole-lab
 * check): the PCI tree, the online CPUs, the controller hints, one /proc/interrupts parse, and the
 * vector tables already joined (addressSpaces() reuses them instead of joining each device again).
 */
interface ReadCache {
  pci?: Map<string, PciDevice>;
  online?: number[] | null;
  hints?: ControllerHints;
  interrupts?: ParsedInterrupts | { error: string };
  vectors: Map<string, DeviceVectors>;
}

/**
 * Drivers that may share an IOMMU group with a VFIO device without breaking its isolation: they
 * do no kernel DMA (driver_managed_dma: vfio-pci and its variants, pci-stub, pcieport).
 */
function harmlessDriver(d: string): boolean {
  return d.includes('vfio') || d === 'pci-stub' || d === 'pcieport';
}

export class LinuxLab implements LabBackend {
  readonly kind = 'linux' as const;
  readonly root: SysRoot;
  private readonly log = new KernelLog();
  private readonly reason: string;
  private readonly readTable: LinuxLabOptions['readTable'];
  private unameCache: Uname | null | undefined;
  private ops: KernelOps | null = null;
  /** The batch() a read runs in, if any: async-context scoped, so concurrent reads outside it stay fresh. */
  private readonly scope = new AsyncLocalStorage<ReadCache>();
  /** sample()'s parse store, reused from tick to tick (its rows are copied before sample returns). */
  private readonly sampleStore = { store: new Float64Array(0) };

  constructor(opts: LinuxLabOptions) {
    this.root = new SysRoot(opts.root);
    this.reason = opts.reason;
    this.readTable = opts.readTable;
  }

  private uname(): Uname | null {
    if (this.unameCache === undefined) this.unameCache = readUname(this.root, os.machine());
    return this.unameCache;
  }

  private arch(): string | null {
    return this.uname()?.machine ?? (this.root.isHost ? os.machine() : null);
  }

  /** `.devnodes` of a captured tree (`ls` output of /dev/iommu and /dev/vfio), or the live /dev. */
  private devNode(node: string): { state: Feature['state']; how: string } {
    if (this.root.isHost) {
      const yes = this.root.exists(node);
      return { state: yes ? 'yes' : 'no', how: `${node} ${yes ? 'exists' : 'does not exist'}` };
    }
    if (this.root.exists(node)) return { state: 'yes', how: `${node} exists in the tree` };
    const dn = this.root.textOr('/.devnodes');
    if (dn === null) return { state: 'unknown', how: `a captured tree has no /dev and no .devnodes record` };
    const lines = dn.split('\n').map((l) => l.trim());
    if (lines.includes(node) || lines.includes(`${node}:`)) return { state: 'yes', how: `.devnodes records ${node}` };
    // `ls /dev/vfio` lists children one per line after the `/dev/vfio:` heading.
    const parent = node.slice(0, node.lastIndexOf('/'));
    const leaf = node.slice(node.lastIndexOf('/') + 1);
    const h = lines.indexOf(`${parent}:`);
    if (h >= 0) {
      for (let i = h + 1; i < lines.length && lines[i] !== '' && !lines[i]!.endsWith(':'); i++) {
        if (lines[i] === leaf) return { state: 'yes', how: `.devnodes lists ${leaf} in ${parent}` };
      }
    }
    return { state: 'no', how: `.devnodes does not record ${node}` };
  }

  /**
   * Run `fn` with the machine-wide reads shared (LabBackend.batch): one read of the PCI tree and at
   * most one parse of /proc/interrupts for everything `fn` reads. sample() is never shared.
   */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    if (this.scope.getStore()) return fn();
    return this.scope.run({ vectors: new Map() }, fn);
  }

  private pciDevices(): PciDevice[] {
    const c = this.scope.getStore();
    if (!c) return readPciDevices(this.root);
    c.pci ??= new Map(readPciDevices(this.root).map((d) => [d.bdf, d]));
    return [...c.pci.values()];
  }

  private pciDevice(bdf: string): PciDevice | null {
    const c = this.scope.getStore();
    if (!c) return readPciDevice(this.root, bdf);
    if (!c.pci) this.pciDevices();
    return c.pci!.get(bdf) ?? null;
  }

  private online(): number[] | null {
    const c = this.scope.getStore();
    if (c && c.online !== undefined) return c.online;
    let online: number[] | null;
    try { online = readCpuListFile(this.root, '/sys/devices/system/cpu/online'); } catch { online = null; }
    if (c) c.online = online;
    return online;
  }

  private hints(): ControllerHints {
    const c = this.scope.getStore();
    if (c?.hints) return c.hints;
    const units = readIommuUnitNames(this.root);
    const irVendor = units.some((u) => iommuKind(u) === 'intel-vtd') ? 'intel' : units.some((u) => iommuKind(u) === 'amd-vi') ? 'amd' : null;
    const h: ControllerHints = { irVendor, arch: this.arch() };
    if (c) c.hints = h;
    return h;
  }

  async info(): Promise<LabInfo> {
    const r = this.root;
    const u = this.uname();
    const features: Feature[] = [];
    const add = (id: string, name: string, state: Feature['state'], how: string) => features.push({ id, name, state, how });
    const iommufd = this.devNode('/dev/iommu');
    add('iommufd', 'iommufd (/dev/iommu)', iommufd.state, iommufd.how);
    const cdevClass = r.exists('/sys/class/vfio-dev');
    const cdevDev = this.devNode('/dev/vfio/devices');
    const devs = this.pciDevices();
    const cdevSys = devs.find((d) => d.vfioCdev !== null);
    add('vfio-cdev', 'VFIO device cdev (/dev/vfio/devices)',
      cdevClass || cdevSys || cdevDev.state === 'yes' ? 'yes' : cdevDev.state,
      cdevClass ? '/sys/class/vfio-dev exists' : cdevSys ? `${cdevSys.bdf} has vfio-dev/${cdevSys.vfioCdev}` : cdevDev.how);
    const container = this.devNode('/dev/vfio/vfio');
    add('vfio-container', 'VFIO container (/dev/vfio/vfio)', container.state, container.how);
    const units = readIommuUnitNames(r);
    add('iommu', 'IOMMU units', units.length > 0 ? 'yes' : 'no', units.length > 0 ? `/sys/class/iommu lists ${units.join(', ')}` : '/sys/class/iommu is empty or missing');
    const dbg = r.exists(DEBUGFS_IRQS);
    add('irq-debugfs', 'IRQ debugfs (composed MSI messages)', dbg ? 'yes' : 'no', dbg ? `${DEBUGFS_IRQS} exists` : `${DEBUGFS_IRQS} does not exist (debugfs not mounted, not root, or CONFIG_GENERIC_IRQ_DEBUGFS off)`);
    const sysIrq = r.exists('/sys/kernel/irq');
    add('sysfs-irq', '/sys/kernel/irq (per-IRQ metadata)', sysIrq ? 'yes' : 'no', `/sys/kernel/irq ${sysIrq ? 'exists' : 'does not exist'}`);
    let irChip: string | null = null;
    for (const n of r.list('/sys/kernel/irq')) {
      const c = r.textOr(`/sys/kernel/irq/${n}/chip_name`);
      if (c && c.startsWith('IR-')) { irChip = `IRQ ${n} chip ${c.trim()}`; break; }
    }
    add('irq-remapping', 'Interrupt remapping', irChip ? 'yes' : sysIrq ? 'no' : 'unknown', irChip ? `${irChip} (IR- prefix)` : sysIrq ? 'no chip name starts with IR-' : 'no /sys/kernel/irq to look at');
    const withRes = devs.find((d) => d.resources.length > 0);
    add('resource-mmap', 'MSI-X table via resourceN', withRes ? (r.isHost ? 'yes' : 'no') : 'no',
      withRes ? (r.isHost ? `${withRes.bdf} has resource${withRes.resources[0]}` : 'a captured tree holds no device memory') : 'no device has resourceN files');
    const cfg = devs.map((d) => { try { return readConfig(r, d.bdf).bytes.length; } catch { return 0; } });
    const maxCfg = Math.max(0, ...cfg);
    add('config-full', 'Full config space (capabilities)', maxCfg > 64 ? 'yes' : maxCfg > 0 ? 'no' : 'unknown',
      maxCfg > 0 ? `config reads return ${maxCfg} bytes${maxCfg <= 64 ? ' (truncated for unprivileged readers)' : ''}` : 'no config file could be read');
    // VFIO refuses to bind without MSI isolation (ITS, x86 IR) unless this module parameter is set.
    const unsafe = UNSAFE_PARAMS.map((p) => ({ p, v: r.textOr(p)?.trim() ?? null })).filter((x) => x.v !== null);
    const on = unsafe.find((x) => x.v === 'Y' || x.v === '1');
    add('unsafe-interrupts', 'allow_unsafe_interrupts (MSI isolation bypassed)', on ? 'yes' : unsafe.length ? 'no' : 'unknown',
      on ? `${on.p} = ${on.v}` : unsafe.length ? unsafe.map((x) => `${x.p} = ${x.v}`).join('; ') : 'neither vfio_iommu_type1 nor iommufd is loaded (no module parameter to read)');
    const fds = this.vfioFds();
    const sp = fds.find((f) => f.syspath !== null);
    add('vfio-fdinfo-syspath', 'fdinfo vfio-device-syspath (6.18+)', sp ? 'yes' : 'unknown',
      sp ? `/proc/${sp.pid}/fdinfo/${sp.fd} has vfio-device-syspath` : 'no open VFIO device fd to look at');
    return {
      backend: 'linux',
      spec: r.isHost ? 'linux' : `linux:${r.dir}`,
      title: r.isHost ? 'linux (this machine)' : `linux: captured tree ${r.dir}`,
      reason: this.reason,
      writable: r.isHost
        ? (typeof process.getuid === 'function' && process.getuid() === 0
          ? { ok: true, why: 'this machine, running as root' }
          : { ok: false, why: 'not root: /proc/irq/N/smp_affinity_list writes and VFIO device nodes need root (or a udev rule)' })
        : { ok: false, why: `a captured tree (${r.dir}) is read-only: nothing is written back to a machine` },
      hostname: u?.hostname || (r.isHost ? os.hostname() : ''),
      arch: this.arch() ?? 'unknown',
      kernel: { release: u?.release ?? 'unknown', version: u?.version ?? '', cmdline: readCmdline(r) ?? '' },
      features,
    };
  }

  async cpus(): Promise<CpuInfo> {
    const c = readSysCpus(this.root);
    return { ...c, from: { source: 'sysfs', path: '/sys/devices/system/cpu', at: Date.now() } };
  }

  async iommus(): Promise<IommuUnit[]> {
    const devs = this.pciDevices();
    return readIommuUnitNames(this.root).map((name) => ({
      name,
      kind: iommuKind(name),
      devices: devs.filter((d) => d.iommuUnit === name).map((d) => d.bdf),
    }));
  }

  async groups(): Promise<IommuGroup[]> {
    const devs = new Map(this.pciDevices().map((d) => [d.bdf, d]));
    return readIommuGroups(this.root).map((g) => {
      const bad = g.devices.map((b) => ({ b, d: devs.get(b)?.driver ?? null })).filter((x) => x.d !== null && !harmlessDriver(x.d));
      return {
        id: g.id,
        defaultDomain: g.type,
        reserved: g.reserved,
        devices: g.devices,
        viable: bad.length === 0
          ? { ok: true, why: 'every member is bound to vfio-pci, a harmless driver, or unbound' }
          : { ok: false, why: bad.map((x) => `${x.b} is bound to ${x.d}`).join('; ') + ' (bind it to vfio-pci or unbind it)' },
      };
    });
  }

  private vfioFds(): VfioFd[] {
    return findVfioFds(this.root);
  }

  private holderOf(d: PciDevice, fds: VfioFd[]): Holder {
    for (const f of fds) {
      const bySyspath = f.syspath !== null && f.syspath === d.syspath;
      const byCdev = d.vfioCdev !== null && f.target === `/dev/vfio/devices/${d.vfioCdev}`;
      const byGroup = d.iommuGroup !== null && f.target === `/dev/vfio/${d.iommuGroup}`;
      if (bySyspath || byCdev || byGroup) {
        const how = `/proc/${f.pid}/fd/${f.fd} → ${f.target}${f.syspath ? `; fdinfo vfio-device-syspath: ${f.syspath}` : ''}`;
        return { kind: 'process', pid: f.pid, comm: f.comm, how };
      }
    }
    return { kind: 'free' };
  }

  private caps(d: PciDevice): { msi: Read<MsiCap | null>; msix: Read<MsixCap | null> } {
    const kpath = `/sys/bus/pci/devices/${d.bdf}/config`;
    let cfg;
    try { cfg = readConfig(this.root, d.bdf); } catch (e) {
      const why = toLabError(`read ${kpath}`, e).message;
      return { msi: readFail(why), msix: readFail(why) };
    }
    const from = { source: 'config' as const, path: kpath, at: Date.now() };
    if (cfg.truncated) return { msi: readFail(cfg.truncated, from), msix: readFail(cfg.truncated, from) };
    const c = parseConfigCaps(cfg.bytes);
    const one = <T>(v: T | null | string): Read<T | null> => (typeof v === 'string' ? readFail(v, from) : readOk(v, from));
    return { msi: one(c.msi), msix: one(c.msix) };
  }

  private summary(d: PciDevice, fds: VfioFd[]): DeviceSummary {
    const vfio = d.driver !== null && d.driver.includes('vfio');
    const binding: Binding = d.driver === null
      ? { kind: 'unbound' }
      : vfio && d.vfioCdev !== null
        ? { kind: 'vfio-cdev', cdev: `/dev/vfio/devices/${d.vfioCdev}`, group: d.iommuGroup }
        : vfio && d.iommuGroup !== null
          ? { kind: 'vfio-group', group: d.iommuGroup }
          : { kind: 'host', driver: d.driver };
    const { msi, msix } = this.caps(d);
    return {
      bdf: d.bdf,
      vendor: d.vendor,
      device: d.device,
      vendorName: vendorName(d.vendor),
      deviceName: deviceName(d.vendor, d.device),
      classCode: d.classCode,
      className: className(d.classCode),
      driver: d.driver,
      driverOverride: d.driverOverride,
      iommuGroup: d.iommuGroup,
      binding,
      holder: vfio ? this.holderOf(d, fds) : { kind: 'free' },
      numaNode: d.numaNode,
      msi,
      msix,
      vectorCount: d.msiIrqs.length,
    };
  }

  async devices(): Promise<DeviceSummary[]> {
    const devs = this.pciDevices();
    const fds = devs.some((d) => d.driver?.includes('vfio')) ? this.vfioFds() : [];
    return devs.map((d) => this.summary(d, fds));
  }

  /** `scratch`: the rows alias a store reused by the next such read (sample() copies them at once). */
  private readInterrupts(only?: ReadonlySet<number>, scratch?: { store: Float64Array }): ParsedInterrupts {
    const kpath = '/proc/interrupts';
    return this.root.withBytes(kpath, (b) => parseInterrupts(b, { ...(only ? { only } : {}), ...(scratch ? { scratch } : {}), kpath, real: this.root.p(kpath) }));
  }

  /** /proc/interrupts for a join: this device's rows, or inside a batch every row, parsed once. */
  private joinInterrupts(irqs: readonly number[]): ParsedInterrupts | { error: string } {
    const c = this.scope.getStore();
    if (c?.interrupts) return c.interrupts;
    let p: ParsedInterrupts | { error: string };
    try { p = this.readInterrupts(c ? undefined : new Set(irqs)); } catch (e) {
      p = { error: toLabError('read /proc/interrupts', e).message };
    }
    if (c) c.interrupts = p;
    return p;
  }

  private device(bdf: string, op: string): PciDevice {
    const d = this.pciDevice(bdf);
    if (!d) {
      throw new LabFailure(errnoError(`${op} ${bdf}`, 'ENODEV', 'List devices with `doorbell devices`; BDFs look like 0000:00:02.0.', {
        path: this.root.p(`/sys/bus/pci/devices/${bdf}`), message: `no PCI device ${bdf} in /sys/bus/pci/devices`,
      }));
    }
    return d;
  }

  private join(d: PciDevice, only?: ReadonlySet<number>): DeviceVectors {
    const { msi, msix } = this.caps(d);
    const irqs = d.msiIrqs.filter((v) => only === undefined || only.has(v.irq)).map((v) => v.irq);
    return joinVectors({
      root: this.root, dev: d, msi, msix, interrupts: () => this.joinInterrupts(irqs), online: this.online(), hints: this.hints(),
      countsFromInterrupts: this.scope.getStore() !== undefined,
      ...(only ? { only } : {}), ...(this.readTable ? { readTable: this.readTable } : {}),
    });
  }

  async vectors(bdf: string): Promise<DeviceVectors> {
    const dv = this.join(this.device(bdf, 'vectors'));
    this.scope.getStore()?.vectors.set(bdf, dv);
    return dv;
  }

  /** Rows first..first+count-1 of vectors(bdf): the IRQs are put in table order first, then only those are joined. */
  async vectorWindow(bdf: string, first: number, count: number): Promise<{ table: DeviceVectors; total: number }> {
    const d = this.device(bdf, 'vectors');
    const order = vectorOrder(this.root, d);
    const table = this.join(d, new Set(order.slice(first, first + count).map((o) => o.irq)));
    return { table, total: d.msiIrqs.length };
  }

  /**
   * One vector without joining the rest of the device. Per-device MSI domains number vectors by
   * hwirq = index and allocate their IRQs in order, so the index-th IRQ of msi_irqs is tried
   * first; anything else (vfio actions, gaps) falls back to the whole table.
   */
  async vector(bdf: string, index: number): Promise<VectorRow | null> {
    const d = this.device(bdf, 'vectors');
    const guess = d.msiIrqs[index];
    if (guess) {
      const row = this.join(d, new Set([guess.irq])).vectors[0];
      if (row && row.index === index) return row;
    }
    return this.join(d).vectors.find((v) => v.index === index) ?? null;
  }

  async addressSpaces(bdf?: string): Promise<AddressSpace[]> {
    return this.batch(async () => {
      const cache = this.scope.getStore()!;
      const groups = await this.groups();
      const wanted = bdf === undefined ? groups : groups.filter((g) => g.devices.includes(bdf));
      const out: AddressSpace[] = [];
      for (const g of wanted) {
        const vecs: DeviceVectors[] = [];
        for (const b of g.devices) {
          const d = this.pciDevice(b);
          if (d && d.msiIrqs.length > 0) vecs.push(cache.vectors.get(b) ?? await this.vectors(b));
        }
        out.push(groupAddressSpace(g, vecs, this.arch(), (b) => this.pciDevice(b)?.driver ?? null));
      }
      return out;
    });
  }

  async sample(irqs?: readonly number[]): Promise<InterruptSample> {
    if (irqs && irqs.length > 0 && irqs.length <= SYSFS_SAMPLE_MAX && this.root.exists('/sys/kernel/irq')) return this.sampleSysfs(irqs);
    const only = irqs ? new Set(irqs) : undefined;
    const p = this.readInterrupts(only, this.sampleStore);
    const mono = performance.now();
    const map = new Map<number, number[]>();
    // Plain arrays at the LabApi boundary (JSON), made only for the rows returned.
    for (const [irq, row] of p.irqs) map.set(irq, toNumbers(row.counts));
    // An IRQ missing from /proc/interrupts has no action and all-zero counts (kernel/irq/proc.c).
    for (const irq of irqs ?? []) if (!map.has(irq)) map.set(irq, new Array<number>(p.cpus.length).fill(0));
    return { mono, at: Date.now(), cpus: p.cpus, irqs: map };
  }

  /**
   * Counts of a few IRQs from /sys/kernel/irq/N/per_cpu_count (indexed by possible CPU), mapped to
   * the online CPUs /proc/interrupts would show. The kernel then formats k × nCPU counts instead
   * of every IRQ × every online CPU (npm run bench: cheaper below ~400 IRQs even on a file tree).
   */
  private sampleSysfs(irqs: readonly number[]): InterruptSample {
    const online = readCpuListFile(this.root, '/sys/devices/system/cpu/online');
    const mono = performance.now();
    const map = new Map<number, number[]>();
    for (const irq of irqs) {
      const kpath = `/sys/kernel/irq/${irq}/per_cpu_count`;
      const text = this.root.textOr(kpath);
      // No descriptor: the IRQ was freed; /proc/interrupts would not list it either (all zero).
      const perCpu = text === null ? [] : parsePerCpuCount(this.root, kpath, text);
      map.set(irq, online.map((c) => perCpu[c] ?? 0));
    }
    return { mono, at: Date.now(), cpus: online, irqs: map };
  }

  /** The real kernel's ops (ioctls, /proc writes), logged like every other op; none for a captured tree. */
  kernelOps(): KernelOps | null {
    if (!this.root.isHost) return null;
    this.ops ??= createLinuxKernelOps({ log: this.log });
    return this.ops;
  }

  procRoot(): string | null {
    return this.root.isHost ? '/' : null;
  }

  kernelLog(sinceSeq?: number): KernelOp[] {
    return this.log.since(sinceSeq);
  }

  onLog(listener: (ops: KernelOp[]) => void): () => void {
    return this.log.subscribe(listener);
  }

  async close(): Promise<void> {
    /* nothing is held open between reads */
  }
}

/** A parse's count view as a plain array; counts are mostly zero, so only the others are written. */
function toNumbers(counts: Float64Array): number[] {
  const out = new Array<number>(counts.length).fill(0);
  for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) out[i] = counts[i]!;
  return out;
}

export async function openLinuxLab(opts: LinuxLabOptions): Promise<LabBackend> {
  const lab = new LinuxLab(opts);
  if (!lab.root.exists('/proc') && !lab.root.exists('/sys')) {
    const hint = 'Point linux:ROOT at a directory holding a captured proc/ and sys/ tree.';
    let st: fs.Stats | null = null;
    try { st = fs.statSync(lab.root.dir); } catch { /* absent: ENOENT below */ }
    const [errno, message] = st === null ? ['ENOENT', `${lab.root.dir} does not exist`] as const
      : !st.isDirectory() ? ['ENOTDIR', `${lab.root.dir} is not a directory`] as const
      : ['ENOENT', `${lab.root.dir} has neither proc/ nor sys/`] as const;
    throw new LabFailure(errnoError('open lab linux', errno, hint, { path: lab.root.dir, message }));
  }
  return lab;
}
