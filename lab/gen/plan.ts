// SPDX-License-Identifier: MIT
// The model of a synthetic machine: CPUs and NUMA nodes, PCI devices with MSI-X vectors, platform
// IRQs, and per-CPU counts. Pure and seeded: the same options give the same machine, so a
// benchmark or a bug report can name a machine by its options.
//
// Counts follow what a big idle-ish server shows: a vector only fires on its effective CPU (the
// kernel spreads managed vectors one per CPU), a busy fraction carries large and growing counts,
// a few IRQs keep small counts on CPUs they were migrated away from, the rest are zero.
import { Rng } from './rng.js';

export type GenArch = 'x86_64' | 'arm64';

export interface GenOptions {
  /** Possible (= online) CPUs. */
  cpus: number;
  /** Numbered IRQ rows in /proc/interrupts: devices × vectors plus platform IRQs. */
  irqs: number;
  devices: number;
  /** MSI-X vectors allocated per device. */
  vectors: number;
  seed?: number;
  arch?: GenArch;
  /** NUMA nodes (default: 1 below 16 CPUs, 2 below 128, else 4). */
  nodes?: number;
  /** Fraction of IRQs with large, growing counts (default 0.15). */
  busy?: number;
}

export interface GenDevice {
  bdf: string;
  vendor: number;
  device: number;
  classCode: number;
  driver: string;
  numaNode: number;
  group: number;
  /** MSI-X table size (≥ vectors). */
  tableSize: number;
  irqs: number[];
}

export interface GenIrq {
  irq: number;
  chip: string;
  hwirq: number;
  /** Flow handler name (desc->name): `edge`, `fasteoi`; null on arm64 (not printed). */
  flow: string | null;
  level: boolean;
  actions: string[];
  affinity: number[];
  effective: number[];
  node: number;
  /** Sparse counts: CPU, count at sample 0, increase per sample. */
  cells: { cpu: number; base: number; rate: number }[];
}

export interface SummaryRow {
  label: string;
  desc: string;
  /** 'percpu': one count per online CPU; 'one': a single total (x86 ERR/MIS, arm64 Err); 'none': no counts (FIQ:). */
  shape: 'percpu' | 'one' | 'none';
  /** Per-CPU base and rate (percpu) or [total] (one). */
  base: number[];
  rate: number[];
  /** Print `IPI0:` with no space before the first count (arm64 with a 3-digit IRQ precision; node_exporter#2557). */
  tight?: boolean;
}

export interface GenMachine {
  opts: Required<GenOptions>;
  cpus: number[];
  nodes: { id: number; cpus: number[] }[];
  devices: GenDevice[];
  irqs: GenIrq[];
  summary: SummaryRow[];
  /** Digits of the IRQ column (kernel/irq/proc.c: at least 3). */
  prec: number;
}

const U32 = 4294967295;

/** Device kinds on big servers: NIC VFs, NVMe, 100G NICs; vendor/device/class, driver, action name. */
interface Kind { vendor: number; device: number; classCode: number; driver: string; action: (bdf: string, i: number, n: number) => string }
const KINDS: readonly Kind[] = [
  { vendor: 0x15b3, device: 0x101e, classCode: 0x020000, driver: 'mlx5_core', action: (bdf, i) => (i === 0 ? `mlx5_async0@pci:${bdf}` : `mlx5_comp${i - 1}@pci:${bdf}`) },
  { vendor: 0x144d, device: 0xa80a, classCode: 0x010802, driver: 'nvme', action: (_b, i, n) => `nvme${n}q${i}` },
  { vendor: 0x8086, device: 0x1593, classCode: 0x020000, driver: 'ice', action: (_b, i, n) => `ice-ens${n}f0-TxRx-${i}` },
  { vendor: 0x8086, device: 0x1889, classCode: 0x020000, driver: 'vfio-pci', action: (bdf, i) => `vfio-msix[${i}](${bdf})` },
];

const X86_PLATFORM = ['timer', 'i8042', 'rtc0', 'acpi', 'ttyS0', 'i801_smbus', 'ehci_hcd:usb1', 'dmar0', 'pciehp', 'aerdrv', 'ipmi_si'];
const ARM_PLATFORM = ['arch_timer', 'uart-pl011', 'arm-pmu', 'ipmi_si', 'pciehp', 'aerdrv', 'arm-smmu-v3-evtq', 'arm-smmu-v3-gerror', 'gpio-keys'];

const X86_SUMMARY: [string, string][] = [
  ['NMI', 'Non-maskable interrupts'], ['LOC', 'Local timer interrupts'], ['SPU', 'Spurious interrupts'],
  ['PMI', 'Performance monitoring interrupts'], ['IWI', 'IRQ work interrupts'], ['RTR', 'APIC ICR read retries'],
  ['RES', 'Rescheduling interrupts'], ['CAL', 'Function call interrupts'], ['TLB', 'TLB shootdowns'],
  ['TRM', 'Thermal event interrupts'], ['THR', 'Threshold APIC interrupts'], ['DFR', 'Deferred Error APIC interrupts'],
  ['MCE', 'Machine check exceptions'], ['MCP', 'Machine check polls'],
];
const ARM_IPIS = ['Rescheduling interrupts', 'Function call interrupts', 'CPU stop interrupts', 'CPU stop NMIs',
  'Timer broadcast interrupts', 'IRQ work interrupts', 'CPU backtrace interrupts'];

function bdfOf(i: number): string {
  const domain = Math.floor(i / 250);
  const bus = 1 + (i % 250);
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${h(domain, 4)}:${h(bus, 2)}:00.0`;
}

export function checkOptions(o: GenOptions): string | null {
  const int = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
  if (!int(o.cpus) || o.cpus < 1 || o.cpus > 8192) return `--cpus must be an integer from 1 to 8192 (got ${o.cpus})`;
  if (!int(o.devices) || o.devices < 0 || o.devices > 2000) return `--devices must be an integer from 0 to 2000 (got ${o.devices})`;
  if (!int(o.vectors) || o.vectors < 1 || o.vectors > 2048) return `--vectors must be an integer from 1 to 2048 (the MSI-X table limit; got ${o.vectors})`;
  if (!int(o.irqs) || o.irqs < o.devices * o.vectors || o.irqs > 100000) {
    return `--irqs must be an integer from devices × vectors (${o.devices * o.vectors}) to 100000 (got ${o.irqs})`;
  }
  if (o.busy !== undefined && !(o.busy >= 0 && o.busy <= 1)) return `busy must be a fraction from 0 to 1 (got ${o.busy})`;
  if (o.nodes !== undefined && (!int(o.nodes) || o.nodes < 1 || o.nodes > o.cpus)) return `nodes must be from 1 to the CPU count (got ${o.nodes})`;
  return null;
}

/** Plan a machine. Throws RangeError on options checkOptions rejects. */
export function planMachine(options: GenOptions): GenMachine {
  const bad = checkOptions(options);
  if (bad) throw new RangeError(bad);
  const o: Required<GenOptions> = {
    cpus: options.cpus, irqs: options.irqs, devices: options.devices, vectors: options.vectors,
    seed: options.seed ?? 1, arch: options.arch ?? 'x86_64',
    nodes: options.nodes ?? (options.cpus < 16 ? 1 : options.cpus < 128 ? 2 : 4),
    busy: options.busy ?? 0.15,
  };
  const rng = new Rng(o.seed);
  const x86 = o.arch === 'x86_64';
  const cpus = Array.from({ length: o.cpus }, (_, i) => i);
  const per = Math.ceil(o.cpus / o.nodes);
  const nodes = Array.from({ length: o.nodes }, (_, id) => ({ id, cpus: cpus.slice(id * per, (id + 1) * per) })).filter((n) => n.cpus.length > 0);
  const nodeOf = (cpu: number) => Math.min(Math.floor(cpu / per), nodes.length - 1);

  const counts = (eff: number, busyRow: boolean): GenIrq['cells'] => {
    const cells: GenIrq['cells'] = [];
    if (busyRow) cells.push({ cpu: eff, base: rng.int(1000, 3_000_000_000), rate: rng.int(1, 20000) });
    else if (rng.chance(0.5)) cells.push({ cpu: eff, base: rng.int(1, 200), rate: 0 });
    // Counts left on CPUs the IRQ was migrated away from (irqbalance, CPU hotplug).
    if (rng.chance(0.1)) {
      for (let k = rng.int(1, 3); k > 0; k--) {
        const c = rng.int(0, o.cpus - 1);
        if (c !== eff && !cells.some((x) => x.cpu === c)) cells.push({ cpu: c, base: rng.int(1, 50_000), rate: 0 });
      }
    }
    return cells.sort((a, b) => a.cpu - b.cpu);
  };

  const irqs: GenIrq[] = [];
  const platform = o.irqs - o.devices * o.vectors;
  // Platform IRQs first (x86 legacy IO-APIC pins from 0, arm64 GIC from 11), then MSI-X vectors.
  let next = x86 ? 0 : 11;
  for (let i = 0; i < platform; i++) {
    const irq = next++;
    const names = x86 ? X86_PLATFORM : ARM_PLATFORM;
    const name = i < names.length ? names[i]! : `${names[i % names.length]!}${Math.floor(i / names.length)}`;
    const cpu = i % o.cpus;
    irqs.push({
      irq,
      chip: x86 ? (i < 24 ? 'IR-IO-APIC' : `IR-IO-APIC-${Math.floor(i / 24)}`) : 'GICv3',
      hwirq: x86 ? i % 24 : 32 + i,
      flow: x86 ? (i % 3 === 0 ? 'fasteoi' : 'edge') : null,
      level: i % 3 === 0,
      actions: [name],
      affinity: cpus.length > 64 ? nodes[nodeOf(cpu)]!.cpus : cpus,
      effective: [cpu],
      node: nodeOf(cpu),
      cells: counts(cpu, rng.chance(o.busy)),
    });
  }
  if (x86 && next < 24 && o.devices > 0) next = 24; // MSIs start above the IO-APIC range

  const devices: GenDevice[] = [];
  for (let d = 0; d < o.devices; d++) {
    const bdf = bdfOf(d);
    const kind = KINDS[d % KINDS.length]!;
    const numaNode = nodes.length > 1 ? d % nodes.length : 0;
    const nodeCpus = nodes[numaNode]!.cpus;
    // Freed IRQs leave holes: numbering is sparse, never assume it is contiguous.
    if (d > 0 && rng.chance(0.2)) next += rng.int(1, 8);
    const dev: GenDevice = {
      bdf, vendor: kind.vendor, device: kind.device, classCode: kind.classCode, driver: kind.driver, numaNode,
      group: 16 + d, tableSize: Math.max(o.vectors, Math.min(2048, o.vectors + (d % 3) * 8)), irqs: [],
    };
    const nth = Math.floor(d / KINDS.length);
    for (let v = 0; v < o.vectors; v++) {
      const irq = next++;
      dev.irqs.push(irq);
      // Managed vectors are spread one per CPU of the device's node, then wrap.
      const eff = nodeCpus[(v + d) % nodeCpus.length]!;
      irqs.push({
        irq,
        chip: x86 ? `IR-PCI-MSIX-${bdf}` : `ITS-PCI-MSIX-${bdf}`,
        hwirq: v,
        flow: x86 ? 'edge' : null,
        level: false,
        actions: [kind.action(bdf, v, nth)],
        affinity: kind.driver === 'vfio-pci' ? nodeCpus : [eff],
        effective: [eff],
        node: numaNode,
        cells: counts(eff, rng.chance(o.busy)),
      });
    }
    devices.push(dev);
  }

  const perCpu = (lo: number, hi: number, zeroP: number) => {
    const base = cpus.map(() => (rng.chance(zeroP) ? 0 : rng.int(lo, hi)));
    return { base, rate: base.map((b) => (b > 0 ? rng.int(0, 100) : 0)) };
  };
  const summary: SummaryRow[] = [];
  if (x86) {
    for (const [label, desc] of X86_SUMMARY) {
      const c = label === 'LOC' ? perCpu(100_000, 90_000_000, 0) : ['RES', 'CAL', 'TLB', 'IWI'].includes(label) ? perCpu(1, 500_000, 0.3) : perCpu(1, 10, 0.97);
      summary.push({ label, desc, shape: 'percpu', ...c });
    }
    summary.push({ label: 'ERR', desc: '', shape: 'one', base: [0], rate: [0] });
    summary.push({ label: 'MIS', desc: '', shape: 'one', base: [0], rate: [0] });
  } else {
    ARM_IPIS.forEach((desc, i) => {
      const c = i <= 1 ? perCpu(1000, 900_000_000, 0) : perCpu(1, 10, 0.98);
      // The quirk other parsers tripped on: a 10-digit CPU0 count right after `IPI0:`.
      if (i === 0) c.base[0] = 2768808080;
      summary.push({ label: `IPI${i}`, desc, shape: 'percpu', ...c, tight: i === 0 });
    });
    summary.push({ label: 'Err', desc: '', shape: 'one', base: [0], rate: [0] });
    summary.push({ label: 'FIQ', desc: '', shape: 'none', base: [], rate: [] }); // collectd#1189, munin#144
  }

  const maxIrq = irqs.reduce((m, r) => Math.max(m, r.irq), 0);
  let prec = 3;
  for (let j = 1000; prec < 10 && j <= maxIrq + 1; j *= 10) prec++;
  return { opts: o, cpus, nodes, devices, irqs, summary, prec };
}

/** Count of a cell at sample k (u32, as the kernel's per-CPU counters wrap). */
export function cellAt(base: number, rate: number, k: number): number {
  return (base + rate * k) % (U32 + 1);
}
