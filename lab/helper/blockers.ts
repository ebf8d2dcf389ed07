// SPDX-License-Identifier: MIT
// What makes a PCI device unsafe to hand to vfio-pci: unbinding its driver tears down every block
// device and network interface under it. A block device (or a partition, or a dm/md device
// stacked on it through holders/) whose major:minor appears in /proc/self/mountinfo (field 3) or
// /proc/swaps is in use; a network interface with IFF_UP (flags bit 0) or operstate "up" is in use.
// Block and net nodes may sit below an intermediate device (virtio: BDF/virtio1/block/vda), so
// the device directory is walked without following symlinks (driver, subsystem, ... point away).
import fs from 'node:fs';
import path from 'node:path';

export interface Blocker {
  kind: 'mounted' | 'swap' | 'net-up';
  /** Block device name or interface name. */
  name: string;
  /** major:minor (block) or operstate/flags (net). */
  detail: string;
}

const MAX_DEPTH = 5;

function lsdir(p: string): fs.Dirent[] {
  try {
    return fs.readdirSync(p, { withFileTypes: true });
  } catch {
    return [];
  }
}

function readText(p: string): string | null {
  try {
    return fs.readFileSync(p, 'latin1');
  } catch {
    return null;
  }
}

/** Directories named `block` or `net` under the device, found without following symlinks. */
function findClassDirs(dir: string, depth: number, out: { block: string[]; net: string[] }): void {
  if (depth > MAX_DEPTH) return;
  for (const e of lsdir(dir)) {
    if (!e.isDirectory()) continue; // symlinks are not directories for Dirent: never followed
    const p = path.join(dir, e.name);
    if (e.name === 'block') out.block.push(p);
    else if (e.name === 'net') out.net.push(p);
    else if (e.name !== 'power' && e.name !== 'msi_irqs') findClassDirs(p, depth + 1, out);
  }
}

/** major:minor of a block device and all its partitions and holders (dm, md), by name. */
function blockDevNumbers(root: string, devDir: string, acc: Map<string, string>, depth = 0): void {
  if (depth > 4) return;
  const name = path.basename(devDir);
  const dev = readText(path.join(devDir, 'dev'))?.trim();
  if (dev && /^\d+:\d+$/.test(dev)) acc.set(dev, name);
  for (const e of lsdir(devDir)) {
    // Partitions are subdirectories carrying a `partition` file.
    if (e.isDirectory() && fs.existsSync(path.join(devDir, e.name, 'partition'))) blockDevNumbers(root, path.join(devDir, e.name), acc, depth + 1);
  }
  for (const h of lsdir(path.join(devDir, 'holders'))) {
    if (/^[A-Za-z0-9_.-]+$/.test(h.name)) blockDevNumbers(root, path.join(root, 'sys/class/block', h.name), acc, depth + 1);
  }
}

/** Mounted majors:minors from mountinfo (field 3). */
export function mountedDevs(mountinfo: string): Set<string> {
  const s = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f.length > 3 && /^\d+:\d+$/.test(f[2]!)) s.add(f[2]!);
  }
  return s;
}

/**
 * Reasons not to unbind `bdf`, read under `root` ('/' = this machine). Read-only.
 * `root` is a test-tree prefix; on the host it is '/'.
 */
export function bindBlockers(root: string, bdf: string): Blocker[] {
  const devPath = path.join(root, 'sys/bus/pci/devices', bdf);
  let real: string;
  try {
    real = fs.realpathSync(devPath);
  } catch {
    return [];
  }
  const dirs = { block: [] as string[], net: [] as string[] };
  findClassDirs(real, 0, dirs);
  const out: Blocker[] = [];

  if (dirs.block.length) {
    const devs = new Map<string, string>();
    for (const b of dirs.block) for (const e of lsdir(b)) if (e.isDirectory()) blockDevNumbers(root, path.join(b, e.name), devs);
    const mounted = mountedDevs(readText(path.join(root, 'proc/self/mountinfo')) ?? '');
    const swaps = readText(path.join(root, 'proc/swaps')) ?? '';
    for (const [dev, name] of devs) {
      if (mounted.has(dev)) out.push({ kind: 'mounted', name, detail: dev });
      else if (swaps.split('\n').some((l) => l.startsWith(`/dev/${name} `) || l.startsWith(`/dev/${name}\t`))) out.push({ kind: 'swap', name, detail: dev });
    }
  }
  for (const n of dirs.net) {
    for (const e of lsdir(n)) {
      if (!e.isDirectory()) continue;
      const ifDir = path.join(n, e.name);
      const oper = readText(path.join(ifDir, 'operstate'))?.trim() ?? '';
      const flags = Number.parseInt(readText(path.join(ifDir, 'flags'))?.trim() ?? '0', 16);
      // IFF_UP = 0x1 (administratively up) counts even when the link is down.
      if (oper === 'up' || (Number.isFinite(flags) && (flags & 0x1) === 1)) {
        out.push({ kind: 'net-up', name: e.name, detail: `operstate=${oper || '?'} flags=0x${(Number.isFinite(flags) ? flags : 0).toString(16)}` });
      }
    }
  }
  return out;
}
