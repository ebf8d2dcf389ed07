// SPDX-License-Identifier: MIT
// One device's vector table, joined from the kernel's files:
//   msi_irqs/ → Linux IRQs → /sys/kernel/irq/N (chip, hwirq, actions, per_cpu_count) → /proc/irq/N
//   (affinity) → /proc/interrupts (counts where per_cpu_count is missing, or for every IRQ in a
//   batch, which parses it once) → the message: the
//   device's own copy (MSI-X table via resourceN, or the MSI capability in config space) and the
//   kernel's cached composed message (debugfs).
// Every value carries where it came from, or why it could not be read.
import { readApicIds } from '../affinity/procfs.js';
import { controllerFromChain, decodeMessage, type ControllerHints } from '../../common/msi/index.js';
import type { MsiCap, MsixCap } from '../../common/model/lab.js';
import { readFail, readOk, type Provenance, type Read } from '../../common/model/source.js';
import type { DeviceVectors, EventfdState, MsiMessage, VectorRow } from '../../common/model/vector.js';
import { domainChain, readDebugfsIrq, DEBUGFS_IRQS } from '../../native/debugfs/irq.js';
import { msiVectorMessage } from '../../native/pci/config.js';
import { readMsixTableViaResource, type MsixTableRead } from '../../native/pci/msix-table.js';
import { readProcIrq } from '../../native/procfs/irq.js';
import type { ParsedInterrupts } from '../../native/procfs/interrupts.js';
import type { PciDevice } from '../../native/sysfs/pci.js';
import { readPerCpuCount, readSysIrq } from '../../native/sysfs/irq.js';
import { firstLine, type SysRoot } from '../../native/sysfs/root.js';

export interface VectorJoinInput {
  root: SysRoot;
  dev: PciDevice;
  msi: Read<MsiCap | null>;
  msix: Read<MsixCap | null>;
  /**
   * /proc/interrupts parsed for (at least) this device's IRQs, or the failure; called only when
   * some IRQ's counts cannot come from its per_cpu_count (at most once per join).
   */
  interrupts: () => ParsedInterrupts | { error: string };
  /**
   * /proc/interrupts is parsed once for many joins (a batch: snapshot capture, the checks): take
   * every IRQ's counts from it and skip per_cpu_count, one file fewer per vector. The per-IRQ file
   * is read only when /proc/interrupts cannot be.
   */
  countsFromInterrupts?: boolean;
  /** Online CPUs (/sys/devices/system/cpu/online), or null when unreadable: then /proc/interrupts gives the counts. */
  online: number[] | null;
  hints: ControllerHints;
  /** Join only these IRQs (one vector of a large device); default every IRQ of the device. */
  only?: ReadonlySet<number>;
  /** Read the MSI-X table (injectable for tests; default: resourceN mmap). */
  readTable?: (root: SysRoot, bdf: string, cap: MsixCap) => MsixTableRead;
}

const now = () => Date.now();

/** Vector index of an IRQ: hwirq on per-device MSI domains (chip names carry the BDF), else `[i]` in vfio-msix[i](BDF). */
function vectorIndex(chip: string | null, hwirq: number | null, actions: string[], bdf: string, fallback: number): number {
  if (chip && chip.includes(bdf) && hwirq !== null) return hwirq;
  for (const a of actions) {
    const m = /^vfio-msix?\[(\d+)\]\(/.exec(a);
    if (m) return Number(m[1]);
  }
  return fallback;
}

/** Table order: MSI before MSI-X, then by vector index (joinVectors sorts its rows the same way). */
function byTableOrder(a: { kind: 'msi' | 'msix'; index: number }, b: { kind: 'msi' | 'msix'; index: number }): number {
  return a.kind === b.kind ? a.index - b.index : a.kind === 'msi' ? -1 : 1;
}

/**
 * The device's IRQs in table order, from three small sysfs files per IRQ (chip_name, hwirq,
 * actions) — what a window of the table needs to know which IRQs to join, without the rest.
 */
export function vectorOrder(root: SysRoot, dev: PciDevice): { irq: number; kind: 'msi' | 'msix'; index: number }[] {
  const out = dev.msiIrqs.map(({ irq, kind }, pos) => {
    const dir = `/sys/kernel/irq/${irq}`;
    const line = (f: string) => { const t = root.textOr(`${dir}/${f}`); return t === null ? null : firstLine(t); };
    const hw = line('hwirq');
    const hwirq = hw !== null && /^\d+$/.test(hw) ? Number(hw) : null;
    const actions = (line('actions') ?? '').split(',').map((x) => x.trim()).filter(Boolean);
    return { irq, kind, index: vectorIndex(line('chip_name') || null, hwirq, actions, dev.bdf, pos) };
  });
  return out.sort(byTableOrder);
}

export function joinVectors(inp: VectorJoinInput): DeviceVectors {
  const { root, dev } = inp;
  const notes: string[] = [];
  const hasDebugfs = root.exists(DEBUGFS_IRQS);
  if (!hasDebugfs) notes.push(`no ${DEBUGFS_IRQS} here (debugfs not mounted or CONFIG_GENERIC_IRQ_DEBUGFS off): the kernel's cached messages and domain chains are not shown (as root: mount -t debugfs none /sys/kernel/debug)`);
  let parsed: ParsedInterrupts | { error: string } | null = null;
  const countsNoteAt = notes.length;
  const interrupts = (): ParsedInterrupts | { error: string } => {
    if (parsed === null) {
      parsed = inp.interrupts();
      if ('error' in parsed) notes.splice(countsNoteAt, 0, `counts unavailable: ${parsed.error}`);
    }
    return parsed;
  };
  const online = inp.online;
  const width = online !== null ? Math.max(0, ...online) + 1 : 0;

  // The device's own copy of each message.
  let table: MsixTableRead | null = null;
  const msixCap = inp.msix.ok ? inp.msix.value : null;
  const msiCap = inp.msi.ok ? inp.msi.value : null;
  if (dev.msiIrqs.some((v) => v.kind === 'msix')) {
    if (msixCap) {
      table = (inp.readTable ?? readMsixTableViaResource)(root, dev.bdf, msixCap);
      if (!table.ok) notes.push(table.why);
    } else if (!inp.msix.ok) notes.push(`MSI-X capability not readable: ${inp.msix.why}`);
  }
  if (dev.msiIrqs.some((v) => v.kind === 'msi') && !inp.msi.ok) notes.push(`MSI capability not readable: ${inp.msi.why}`);

  const rows: VectorRow[] = [];
  let apicIds: Record<number, number> | undefined;
  const irqsSorted = dev.msiIrqs;
  irqsSorted.forEach(({ irq, kind }, pos) => {
    if (inp.only !== undefined && !inp.only.has(irq)) return;
    const sys = readSysIrq(root, irq, { join: true, perCpu: !inp.countsFromInterrupts });
    const proc = readProcIrq(root, irq, { join: true });
    const dbg = hasDebugfs ? readDebugfsIrq(root, irq) : null;
    const chip = sys?.chip ?? null;
    const hwirq = sys?.hwirq ?? null;
    const actions = sys?.actions ?? [];
    const index = vectorIndex(chip, hwirq, actions, dev.bdf, pos);
    const at = now();
    const sysFrom: Provenance = { source: 'sysfs', path: `/sys/kernel/irq/${irq}`, at };
    const procFrom: Provenance = { source: 'procfs', path: `/proc/irq/${irq}`, at };

    const chain = dbg ? domainChain(dbg) : null;
    const domainChainRead: Read<string[]> = chain && chain.length > 0
      ? readOk(chain, { source: 'debugfs', path: `${DEBUGFS_IRQS}/${irq}`, at })
      : chip ? readOk([chip], { ...sysFrom, path: `/sys/kernel/irq/${irq}/chip_name` }) : readFail('no debugfs domain chain and no chip name');
    const controller = controllerFromChain(chain ?? [], chip, inp.hints);

    // The message the device holds.
    let message: Read<MsiMessage>;
    let masked: Read<boolean>;
    if (kind === 'msix') {
      const e = table?.ok ? table.entries[index] : undefined;
      if (table?.ok && e) {
        const from: Provenance = { source: 'resource-mmap', path: table.path, at };
        message = readOk({ address: e.address, data: e.data }, from);
        masked = readOk(e.masked || (msixCap?.maskAll ?? false), from);
      } else {
        const why = table && !table.ok ? table.why : msixCap ? `MSI-X entry ${index} is past the table (${msixCap.tableSize} entries)` : 'MSI-X capability not readable';
        message = readFail(why);
        masked = readFail(why);
      }
    } else if (msiCap) {
      const from: Provenance = { source: 'config', path: `/sys/bus/pci/devices/${dev.bdf}/config`, at };
      message = readOk(msiVectorMessage(msiCap, index), from);
      masked = msiCap.maskBits === null ? readFail('the MSI capability has no per-vector mask bits') : readOk(((msiCap.maskBits >>> index) & 1) === 1, from);
    } else {
      message = readFail(inp.msi.ok ? 'the device has no MSI capability' : inp.msi.why);
      masked = readFail(inp.msi.ok ? 'the device has no MSI capability' : inp.msi.why);
    }
    const cachedMessage: Read<MsiMessage> = dbg?.message
      ? readOk(dbg.message, { source: 'debugfs', path: `${DEBUGFS_IRQS}/${irq}`, at })
      : readFail(hasDebugfs ? `${DEBUGFS_IRQS}/${irq} has no MSI message` : 'debugfs irq files are not available here');

    const forDecode = message.ok ? message.value : cachedMessage.ok ? cachedMessage.value : null;
    // With interrupt remapping the message never names a CPU: the IRTE does. debugfs prints the
    // VECTOR domain's target CPU (the IRTE's destination), mapped to its APIC ID via /proc/cpuinfo.
    let irteTargetApicId: number | null = null;
    if ((controller === 'intel-ir' || controller === 'amd-ir') && dbg) {
      const target = dbg.levels.find((l) => l.target !== undefined)?.target;
      apicIds ??= readApicIds(root.dir) ?? {};
      if (target !== undefined && apicIds[target] !== undefined) irteTargetApicId = apicIds[target]!;
    }
    const decoded = forDecode ? decodeMessage(controller, forDecode, { irteTargetApicId }) : { kind: 'undecoded' as const, why: 'no message could be read (neither the device nor debugfs)' };

    const affinity: Read<number[]> = proc?.affinity ? readOk(proc.affinity, { ...procFrom, path: `/proc/irq/${irq}/smp_affinity_list` }) : readFail(`/proc/irq/${irq}/smp_affinity_list does not exist (no handler was ever requested)`);
    const effective: Read<number[]> = proc?.effective ? readOk(proc.effective, { ...procFrom, path: `/proc/irq/${irq}/effective_affinity_list` }) : readFail(`/proc/irq/${irq}/effective_affinity_list does not exist`);
    const pending = affinity.ok && effective.ok && effective.value.some((c) => !affinity.value.includes(c));

    // per_cpu_count (read with the IRQ's other sysfs files) holds the same per-CPU counters
    // /proc/interrupts prints (kstat_irqs), indexed by possible CPU; /proc/interrupts shows online
    // CPUs only, so offline ones read 0 either way. Outside a batch only an IRQ without it costs a
    // /proc/interrupts read; inside one, the batch's parse serves every IRQ and per_cpu_count is
    // read only when that parse failed.
    let counts: Read<number[]>;
    if (sys && inp.countsFromInterrupts && 'error' in interrupts()) sys.perCpu = readPerCpuCount(root, irq);
    if (sys?.perCpu && online !== null) {
      const perCpu = sys.perCpu;
      const byCpu: number[] = new Array<number>(width).fill(0);
      for (const cpu of online) byCpu[cpu] = perCpu[cpu] ?? 0;
      counts = readOk(byCpu, { ...sysFrom, path: `/sys/kernel/irq/${irq}/per_cpu_count` });
    } else {
      const p = interrupts();
      if (!('error' in p)) {
        const row = p.irqs.get(irq);
        const byCpu: number[] = new Array<number>(Math.max(0, ...p.cpus) + 1).fill(0);
        if (row) p.cpus.forEach((cpu, col) => { byCpu[cpu] = row.counts[col]!; });
        // Not listed in /proc/interrupts: no action and every count zero (kernel/irq/proc.c).
        counts = readOk(byCpu, { source: 'procfs', path: '/proc/interrupts', at });
      } else if (sys?.perCpu) {
        counts = readOk(sys.perCpu, { ...sysFrom, path: `/sys/kernel/irq/${irq}/per_cpu_count` });
      } else counts = readFail(p.error);
    }

    // vfio-pci requests the IRQ only for a vector given an eventfd (fd −1 leaves it allocated, unrequested).
    const vfio = dev.driver !== null && dev.driver.includes('vfio');
    const eventfd: EventfdState = !vfio ? 'none' : actions.some((a) => a.startsWith('vfio-msi')) ? 'assigned' : sys ? 'none' : 'unknown';

    rows.push({
      index, kind, irq, chip, hwirq, domainChain: domainChainRead, controller, actions,
      message, cachedMessage, masked, decoded, eventfd, affinity, effective, pending, counts,
    });
  });
  rows.sort(byTableOrder);
  return { bdf: dev.bdf, vectors: rows, notes };
}
