// SPDX-License-Identifier: MIT
// Write a planned machine as a sysroot tree with the layout the kernel shows (and the linux
// backend reads): /proc/interrupts, /proc/irq/N, /sys/kernel/irq/N, /sys/bus/pci/devices/BDF as
// links into /sys/devices, msi_irqs/, config with an MSI-X capability, iommu_group links,
// /sys/kernel/iommu_groups, /sys/devices/system/{cpu,node}. `--lab linux:DIR` opens it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { formatCpuList } from '../../common/cpulist.js';
import { errnoError, LabFailure } from '../../common/errors.js';
import { fileKind, ioError, mkdirp, syncDir, trackPartial, untrackPartial } from '../snapshot/file.js';
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

function writeTree(dir: string, m: GenMachine): TreeWriter & { interruptsBytes: number } {
  const w = new TreeWriter(dir);
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
  w.file(MARKER, JSON.stringify({ generator: GENERATOR, options: m.opts }, null, 2) + '\n');
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
  return Object.assign(w, { interruptsBytes: intr.length });
}

/** The file that marks a tree as gen-sysroot's own: a tree with it may be replaced whole. */
export const MARKER = '.generated.json';
const GENERATOR = 'doorbell gen-sysroot';

/** Whether `dir` is a tree gen-sysroot wrote (its marker names the generator). */
export function isGeneratedTree(dir: string): boolean {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8')) as { generator?: unknown } | null;
    return j?.generator === GENERATOR;
  } catch {
    return false;
  }
}

/** What was at the target before: nothing, an empty directory, an earlier generated tree, or a directory moved aside. */
export type Replaced = { kind: 'new' | 'empty' | 'generated' } | { kind: 'moved'; to: string };

const tmpName = (base: string, what: string) => `.${base}.${what}-${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`;

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as { code?: string }).code === 'EPERM'; }
}

/** Half trees that a killed earlier run (SIGKILL, a crash) left beside the target: ours, by name and dead pid. */
function removeStaleTemps(parent: string, base: string): void {
  const re = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(?:gen|old)-(\\d+)-[0-9a-f]{8}\\.tmp$`);
  let names: string[];
  try { names = fs.readdirSync(parent); } catch { return; }
  for (const n of names) {
    const m = re.exec(n);
    if (m && !alive(Number(m[1]))) fs.rmSync(path.join(parent, n), { recursive: true, force: true });
  }
}

/**
 * Generate a machine and write it as `dir`. The tree is built under a temporary name beside `dir`
 * and renamed into place at the end, so `dir` is never a half tree and never keeps files of an
 * earlier, larger tree. `dir` may be absent, an empty directory or a tree gen-sysroot wrote (it is
 * replaced whole); any other directory is refused (ENOTEMPTY) — or, with `aside`, renamed to
 * `dir.old-N` first. Nothing Doorbell did not write is deleted. Throws LabFailure.
 */
export function writeSysroot(dir: string, opts: GenOptions, o: { aside?: boolean } = {}): WrittenTree & { replaced: Replaced } {
  const m = planMachine(opts);
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  let replaced: Replaced = { kind: 'new' };
  try {
    const st = fs.lstatSync(target);
    if (!st.isDirectory()) {
      throw new LabFailure(errnoError(`gen-sysroot ${target}`, 'ENOTDIR', 'Name a new directory, an empty one, or a tree gen-sysroot wrote.',
        { path: target, message: `${target} is ${fileKind(st)}, not a directory` }));
    }
    if (fs.readdirSync(target).length === 0) replaced = { kind: 'empty' };
    else if (isGeneratedTree(target)) replaced = { kind: 'generated' };
    else if (o.aside) replaced = { kind: 'moved', to: '' };
    else {
      throw new LabFailure({
        ...errnoError(`gen-sysroot ${target}`, 39, `Name a new or empty directory; or pass --force to rename ${target} to ${target}.old-N (nothing in it is deleted) and write the tree in its place.`,
          { path: target, message: `${target} is not empty and is not a tree gen-sysroot wrote (it has no ${MARKER}): Doorbell replaces only its own trees` }),
        errnoName: 'ENOTEMPTY',
      });
    }
  } catch (e) {
    if (e instanceof LabFailure) throw e;
    if ((e as { code?: string }).code !== 'ENOENT') throw new LabFailure(ioError(`gen-sysroot ${target}`, e, 'Check the path and its permissions.', target));
  }
  mkdirp(parent);
  removeStaleTemps(parent, base);
  const tmp = path.join(parent, tmpName(base, 'gen'));
  try { fs.mkdirSync(tmp, 0o755); } catch (e) {
    throw new LabFailure(ioError(`gen-sysroot ${target}`, e, 'Choose a directory you can write to.', target, { what: `create a directory in ${parent}`, where: parent }));
  }
  trackPartial(tmp);
  let old: string | null = null;
  try {
    const w = writeTree(tmp, m);
    if (replaced.kind === 'generated') {
      old = path.join(parent, tmpName(base, 'old'));
      fs.renameSync(target, old); // not a partial: until the new tree is in place, it is the tree
    } else if (replaced.kind === 'moved') {
      let n = 1;
      while (fs.existsSync(`${target}.old-${n}`)) n++;
      fs.renameSync(target, `${target}.old-${n}`);
      replaced = { kind: 'moved', to: `${target}.old-${n}` };
    }
    // rename(2) replaces an empty directory and refuses a non-empty one (ENOTEMPTY): a directory
    // that appeared since the check is not ours, and is left alone.
    fs.renameSync(tmp, target);
    untrackPartial(tmp);
    if (old) fs.rmSync(old, { recursive: true, force: true });
    syncDir(parent);
    return { dir: target, machine: m, interruptsBytes: w.interruptsBytes, files: w.files, replaced };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    untrackPartial(tmp);
    if (old) {
      // Put the earlier tree back where it was.
      try { fs.renameSync(old, target); } catch { /* it stays under its temporary name, which the next run removes */ }
    }
    if (replaced.kind === 'moved' && replaced.to) { try { fs.renameSync(replaced.to, target); } catch { /* it stays at .old-N, as the error says */ } }
    throw e instanceof LabFailure ? e : new LabFailure(ioError(`gen-sysroot ${target}`, e, 'Check that the directory is writable and has space.', target));
  }
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
