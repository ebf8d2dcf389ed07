// SPDX-License-Identifier: MIT
// Write a planned machine as a sysroot tree with the layout the kernel shows (and the linux
// backend reads): /proc/interrupts, /proc/irq/N, /sys/kernel/irq/N, /sys/bus/pci/devices/BDF as
// links into /sys/devices, msi_irqs/, config with an MSI-X capability, iommu_group links,
// /sys/kernel/iommu_groups, /sys/devices/system/{cpu,node}. `--lab linux:DIR` opens it.
import fs from 'node:fs';
import path from 'node:path';
import { formatCpuList } from '../../common/cpulist.js';
import { configSpace } from './config.js';
import { renderInterrupts, renderPerCpuCount } from './interrupts.js';
import { planMachine, type GenDevice, type GenIrq, type GenMachine, type GenOptions } from './plan.js';

/** `%*pb`: the mask as comma-separated 32-bit hex words, most significant first (nr_cpu_ids bits). */
export function formatCpuMask(cpus: readonly number[], nrCpus: number): string {
  const words = new Array<number>(Math.ceil(nrCpus / 32)).fill(0);
  for (const c of cpus) words[Math.floor(c / 32)]! |= 1 << (c % 32);
  const last = words.length - 1;
  return words.map((w, i) => {
    const bits = i === last && nrCpus % 32 !== 0 ? nrCpus % 32 : 32;
    return (w >>> 0).toString(16).padStart(Math.ceil(bits / 4), '0');
  }).reverse().join(',');
}

function iommuUnit(m: GenMachine): string {
  return m.opts.arch === 'x86_64' ? 'dmar0' : 'smmu3.0x0000000009050000';
}

function hostBridge(bdf: string): string {
  return `pci${bdf.slice(0, 7)}`; // pciDDDD:BB
}

export interface WrittenTree {
  dir: string;
  machine: GenMachine;
  /** Bytes of /proc/interrupts. */
  interruptsBytes: number;
  files: number;
}

class TreeWriter {
  files = 0;
  private made = new Set<string>();
  constructor(readonly dir: string) {}

  private mkdir(d: string): void {
    if (this.made.has(d)) return;
    fs.mkdirSync(d, { recursive: true });
    this.made.add(d);
  }

  file(rel: string, content: string | Buffer): void {
    const p = path.join(this.dir, rel);
    this.mkdir(path.dirname(p));
    fs.writeFileSync(p, content);
    this.files++;
  }

  link(rel: string, target: string): void {
    const p = path.join(this.dir, rel);
    this.mkdir(path.dirname(p));
    fs.rmSync(p, { force: true });
    fs.symlinkSync(target, p);
    this.files++;
  }

  dirOnly(rel: string): void {
    this.mkdir(path.join(this.dir, rel));
  }
}

function writeIrq(w: TreeWriter, m: GenMachine, r: GenIrq): void {
  const n = m.cpus.length;
  const p = `proc/irq/${r.irq}`;
  w.file(`${p}/smp_affinity`, formatCpuMask(r.affinity, n) + '\n');
  w.file(`${p}/smp_affinity_list`, formatCpuList(r.affinity) + '\n');
  w.file(`${p}/effective_affinity`, formatCpuMask(r.effective, n) + '\n');
  w.file(`${p}/effective_affinity_list`, formatCpuList(r.effective) + '\n');
  w.file(`${p}/affinity_hint`, formatCpuMask([], n) + '\n');
  w.file(`${p}/node`, `${r.node}\n`);
  const s = `sys/kernel/irq/${r.irq}`;
  w.file(`${s}/actions`, r.actions.join(',') + '\n');
  w.file(`${s}/chip_name`, r.chip + '\n');
  w.file(`${s}/hwirq`, `${r.hwirq}\n`);
  w.file(`${s}/name`, (r.flow ?? '') + '\n');
  w.file(`${s}/type`, (r.level ? 'level' : 'edge') + '\n');
  w.file(`${s}/wakeup`, 'disabled\n');
  w.file(`${s}/per_cpu_count`, renderPerCpuCount(m, r, 0));
}

function writeDevice(w: TreeWriter, m: GenMachine, d: GenDevice): void {
  const node = m.nodes[d.numaNode]!;
  const dev = `sys/devices/${hostBridge(d.bdf)}/${d.bdf}`;
  const hex = (v: number, width: number) => `0x${v.toString(16).padStart(width, '0')}\n`;
  w.file(`${dev}/vendor`, hex(d.vendor, 4));
  w.file(`${dev}/device`, hex(d.device, 4));
  w.file(`${dev}/subsystem_vendor`, hex(d.vendor, 4));
  w.file(`${dev}/subsystem_device`, hex(0x0001, 4));
  w.file(`${dev}/class`, hex(d.classCode, 6));
  w.file(`${dev}/revision`, hex(1, 2));
  w.file(`${dev}/config`, configSpace(d, true));
  w.file(`${dev}/numa_node`, `${m.nodes.length > 1 ? d.numaNode : -1}\n`);
  w.file(`${dev}/local_cpulist`, formatCpuList(node.cpus) + '\n');
  w.file(`${dev}/irq`, '0\n');
  w.file(`${dev}/enable`, '1\n');
  w.file(`${dev}/msi_bus`, '1\n');
  w.file(`${dev}/driver_override`, (d.driver === 'vfio-pci' ? 'vfio-pci' : '(null)') + '\n');
  w.link(`${dev}/driver`, `../../../bus/pci/drivers/${d.driver}`);
  w.link(`${dev}/iommu_group`, `../../../kernel/iommu_groups/${d.group}`);
  w.link(`${dev}/iommu`, `../../virtual/iommu/${iommuUnit(m)}`);
  for (const irq of d.irqs) w.file(`${dev}/msi_irqs/${irq}`, 'msix\n');
  w.link(`sys/bus/pci/devices/${d.bdf}`, `../../../devices/${hostBridge(d.bdf)}/${d.bdf}`);
  w.dirOnly(`sys/bus/pci/drivers/${d.driver}`);
  const g = `sys/kernel/iommu_groups/${d.group}`;
  w.link(`${g}/devices/${d.bdf}`, `../../../../devices/${hostBridge(d.bdf)}/${d.bdf}`);
  w.file(`${g}/type`, 'DMA-FQ\n');
  w.file(`${g}/reserved_regions`, m.opts.arch === 'x86_64'
    ? '0x00000000fee00000 0x00000000feefffff msi\n'
    : '0x0000000008000000 0x00000000080fffff msi\n');
}

/** Generate a machine and write it under dir (created; existing files are overwritten). */
export function writeSysroot(dir: string, opts: GenOptions): WrittenTree {
  const m = planMachine(opts);
  const w = new TreeWriter(path.resolve(dir));
  const all = formatCpuList(m.cpus) + '\n';
  const release = m.opts.arch === 'x86_64' ? '6.18.0-gen' : '6.18.0-gen-arm64';
  const host = `gen-${m.opts.arch}-${m.cpus.length}c`;
  const intr = renderInterrupts(m, 0);
  w.file('proc/interrupts', intr);
  w.file('proc/version', `Linux version ${release} (doorbell gen-sysroot) #1 SMP PREEMPT_DYNAMIC\n`);
  w.file('proc/cmdline', `BOOT_IMAGE=/vmlinuz-${release} root=/dev/sda1 ro\n`);
  w.file('proc/sys/kernel/osrelease', `${release}\n`);
  w.file('proc/sys/kernel/version', '#1 SMP PREEMPT_DYNAMIC\n');
  w.file('proc/sys/kernel/hostname', `${host}\n`);
  w.file('proc/irq/default_smp_affinity', formatCpuMask(m.cpus, m.cpus.length) + '\n');
  w.file('.generated.json', JSON.stringify({ generator: 'doorbell gen-sysroot', options: m.opts }, null, 2) + '\n');
  for (const r of m.irqs) writeIrq(w, m, r);
  const cpu = 'sys/devices/system/cpu';
  for (const f of ['possible', 'present', 'online']) w.file(`${cpu}/${f}`, all);
  w.file(`${cpu}/isolated`, '\n');
  w.file('sys/devices/system/node/possible', formatCpuList(m.nodes.map((n) => n.id)) + '\n');
  w.file('sys/devices/system/node/online', formatCpuList(m.nodes.map((n) => n.id)) + '\n');
  for (const n of m.nodes) w.file(`sys/devices/system/node/node${n.id}/cpulist`, formatCpuList(n.cpus) + '\n');
  w.dirOnly(`sys/devices/virtual/iommu/${iommuUnit(m)}`);
  w.link(`sys/class/iommu/${iommuUnit(m)}`, `../../devices/virtual/iommu/${iommuUnit(m)}`);
  w.dirOnly('sys/bus/pci/devices');
  for (const d of m.devices) writeDevice(w, m, d);
  return { dir: w.dir, machine: m, interruptsBytes: intr.length, files: w.files };
}

/**
 * Advance a written tree to sample k: rewrite /proc/interrupts and the per_cpu_count of the
 * given IRQs (all when omitted), as the kernel would show them k samples later.
 */
export function writeSample(dir: string, m: GenMachine, k: number, irqs?: ReadonlySet<number>): void {
  fs.writeFileSync(path.join(dir, 'proc/interrupts'), renderInterrupts(m, k));
  for (const r of m.irqs) {
    if (irqs && !irqs.has(r.irq)) continue;
    fs.writeFileSync(path.join(dir, `sys/kernel/irq/${r.irq}/per_cpu_count`), renderPerCpuCount(m, r, k));
  }
}
