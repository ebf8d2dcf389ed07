// SPDX-License-Identifier: MIT
// /proc/irq/<N>/ (kernel/irq/proc.c; created when the first handler is requested):
// smp_affinity_list (requested, %*pbl), effective_affinity_list (what the chip targets; x86,
// arm64/GICv3, riscv), node (%d).
import { parseCpuList } from '../../common/cpulist.js';
import { firstLine, intField, parseError, type SysRoot } from '../sysfs/root.js';

export interface ProcIrq {
  irq: number;
  affinity: number[] | null;
  effective: number[] | null;
  /** null with `join: true` (not read) or when the file is missing. */
  node: number | null;
}

/** CPU list file → CPUs; an empty file is an empty list (e.g. /sys/devices/system/cpu/isolated). */
export function readCpuListFile(root: SysRoot, kpath: string, text?: string): number[] {
  const t = firstLine(text ?? root.text(kpath));
  if (t === '') return [];
  const r = parseCpuList(t);
  if (!r.ok) throw parseError(kpath, root.p(kpath), 1, `${r.message} in ${JSON.stringify(t)}`);
  return r.cpus;
}

function optionalList(root: SysRoot, kpath: string): number[] | null {
  const t = root.textOr(kpath);
  return t === null ? null : readCpuListFile(root, kpath, t);
}

/**
 * Read /proc/irq/N; null when the directory does not exist (no handler was ever requested).
 * `join: true` skips `node` (the vector table does not show it).
 */
export function readProcIrq(root: SysRoot, irq: number, opts: { join?: boolean } = {}): ProcIrq | null {
  const dir = `/proc/irq/${irq}`;
  // smp_affinity_list exists in every /proc/irq/N; only when it is missing is the directory looked up.
  const affinityText = root.textOr(`${dir}/smp_affinity_list`);
  if (affinityText === null && !root.exists(dir)) return null;
  const nodeText = opts.join ? null : root.textOr(`${dir}/node`);
  return {
    irq,
    affinity: affinityText === null ? null : readCpuListFile(root, `${dir}/smp_affinity_list`, affinityText),
    effective: optionalList(root, `${dir}/effective_affinity_list`),
    node: nodeText === null ? null : intField(root, `${dir}/node`, nodeText, 10),
  };
}
