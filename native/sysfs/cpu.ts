// SPDX-License-Identifier: MIT
// /sys/devices/system/cpu/{possible,online,isolated} and /sys/devices/system/node/nodeN/cpulist
// (CPU lists in %*pbl form; isolated is an empty line when nothing is isolated).
import { readCpuListFile } from '../procfs/irq.js';
import type { SysRoot } from './root.js';

export interface SysCpus {
  possible: number[];
  online: number[];
  isolated: number[];
  nodes: { id: number; cpus: number[] }[];
}

export function readSysCpus(root: SysRoot): SysCpus {
  const base = '/sys/devices/system/cpu';
  const opt = (f: string) => (root.exists(`${base}/${f}`) ? readCpuListFile(root, `${base}/${f}`) : []);
  const nodes = root.list('/sys/devices/system/node')
    .map((n) => /^node(\d+)$/.exec(n))
    .filter((m) => m !== null)
    .map((m) => ({ id: Number(m[1]), cpus: readCpuListFile(root, `/sys/devices/system/node/node${m[1]}/cpulist`) }))
    .sort((a, b) => a.id - b.id);
  return { possible: readCpuListFile(root, `${base}/possible`), online: readCpuListFile(root, `${base}/online`), isolated: opt('isolated'), nodes };
}
