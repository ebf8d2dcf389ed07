// SPDX-License-Identifier: MIT
// /sys/kernel/irq/<N>/ (4.9+, CONFIG_SPARSE_IRQ; Documentation/ABI/testing/sysfs-kernel-irq):
// actions (comma-separated handler names), chip_name, hwirq, name (flow handler), per_cpu_count
// (comma-separated, one per *possible* CPU), type (edge|level). Exists for every allocated IRQ.
import { firstLine, intField, parseError, type SysRoot } from './root.js';

export interface SysIrq {
  irq: number;
  actions: string[];
  chip: string | null;
  hwirq: number | null;
  /** Flow handler and trigger; null with `join: true` (not read). */
  name: string | null;
  type: string | null;
  /** Indexed by possible CPU number. */
  perCpu: number[] | null;
}

export function parsePerCpuCount(root: SysRoot, kpath: string, text: string): number[] {
  const t = firstLine(text);
  if (t === '') return [];
  const parts = t.split(',');
  const out = new Array<number>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (!/^\d+$/.test(p)) throw parseError(kpath, root.p(kpath), 1, `count ${i + 1} is ${JSON.stringify(p)}, not a number`);
    out[i] = Number(p);
  }
  return out;
}

/** /sys/kernel/irq/N/per_cpu_count, or null when the IRQ has none. */
export function readPerCpuCount(root: SysRoot, irq: number): number[] | null {
  const kpath = `/sys/kernel/irq/${irq}/per_cpu_count`;
  const pc = root.textOr(kpath);
  return pc === null ? null : parsePerCpuCount(root, kpath, pc);
}

/**
 * null when the IRQ has no descriptor (no /sys/kernel/irq/N). `join: true` skips `name` and `type`,
 * which the vector table does not show (two of six files, read for each of thousands of vectors);
 * `perCpu: false` skips per_cpu_count, for a caller that has /proc/interrupts parsed already.
 */
export function readSysIrq(root: SysRoot, irq: number, opts: { join?: boolean; perCpu?: boolean } = {}): SysIrq | null {
  const dir = `/sys/kernel/irq/${irq}`;
  // `actions` exists for every descriptor; only when it is missing is the directory looked up.
  const actionsText = root.textOr(`${dir}/actions`);
  if (actionsText === null && !root.exists(dir)) return null;
  const opt = (f: string) => { const t = root.textOr(`${dir}/${f}`); return t === null ? null : firstLine(t); };
  const actions = actionsText === null ? null : firstLine(actionsText);
  const hw = root.textOr(`${dir}/hwirq`);
  return {
    irq,
    actions: actions ? actions.split(',').map((s) => s.trim()).filter(Boolean) : [],
    chip: opt('chip_name') || null,
    hwirq: hw === null || firstLine(hw) === '' ? null : intField(root, `${dir}/hwirq`, hw, 10),
    name: opts.join ? null : opt('name') || null,
    type: opts.join ? null : opt('type') || null,
    perCpu: opts.perCpu === false ? null : readPerCpuCount(root, irq),
  };
}
