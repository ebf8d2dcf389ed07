// SPDX-License-Identifier: MIT
// /proc/interrupts as kernel/irq/proc.c show_interrupts() prints it (as captured from 6.18):
//   header: `%*s` (prec + 8 blanks), then `CPU%-8d` per online CPU;
//   IRQ rows: `%*d: ` + `%10u ` per online CPU + chip + hwirq + type/flow + `  action[, action…]`
//     x86:   ` %-24s %*lu-%-8s` (chip, hwirq, flow name: `0-edge`)
//     arm64: ` %8s %*lu %-8s` (GENERIC_IRQ_SHOW_LEVEL: `Edge`/`Level`, no flow name)
//   arch rows: x86 `%*s: ` + per-CPU counts + `  description`, `ERR: %10u`/`MIS: %10u`;
//     arm64 `%*s%u:%s` for IPIs (no space after the colon when prec < 4), `Err: %10lu`.
// Rendered into one Buffer with a zero-count template, so a 512-CPU × 4000-IRQ file (~23 MB)
// takes tens of milliseconds to produce.
import { cellAt, type GenIrq, type GenMachine, type SummaryRow } from './plan.js';

const CELL = 11;
const ZERO = '         0 ';

function zeroBlock(n: number): Buffer {
  return Buffer.from(ZERO.repeat(n), 'latin1');
}

function rowText(m: GenMachine, r: GenIrq): string {
  const acts = r.actions.length > 0 ? `  ${r.actions.join(', ')}` : '';
  if (m.opts.arch === 'x86_64') return ` ${r.chip.padEnd(24)} ${String(r.hwirq).padStart(m.prec)}-${(r.flow ?? '').padEnd(8)}${acts}`;
  return ` ${r.chip.padStart(8)} ${String(r.hwirq).padStart(m.prec)} ${(r.level ? 'Level' : 'Edge').padEnd(8)}${acts}`;
}

function summaryLabel(m: GenMachine, s: SummaryRow): string {
  if (s.tight) return `${s.label.padStart(m.prec)}:`; // `IPI0:` then the 10-wide count
  return `${s.label.padStart(m.prec)}: `;
}

/** Render /proc/interrupts for sample k (counts = base + k × rate). */
export function renderInterrupts(m: GenMachine, k = 0): Buffer {
  const n = m.cpus.length;
  const block = zeroBlock(n);
  const parts: Buffer[] = [];
  parts.push(Buffer.from(' '.repeat(m.prec + 8) + m.cpus.map((c) => `CPU${c}`.padEnd(CELL)).join('') + '\n', 'latin1'));
  const cells = (list: { cpu: number; v: number }[], label: string, tail: string) => {
    const head = Buffer.from(label, 'latin1');
    const body = Buffer.from(block);
    for (const { cpu, v } of list) {
      if (v !== 0) body.write(String(v).padStart(10), cpu * CELL, 'latin1');
    }
    parts.push(head, body, Buffer.from(tail + '\n', 'latin1'));
  };
  for (const r of m.irqs) {
    cells(r.cells.map((c) => ({ cpu: c.cpu, v: cellAt(c.base, c.rate, k) })), `${String(r.irq).padStart(m.prec)}: `, rowText(m, r));
  }
  for (const s of m.summary) {
    if (s.shape === 'percpu') {
      cells(s.base.map((b, cpu) => ({ cpu, v: cellAt(b, s.rate[cpu]!, k) })), summaryLabel(m, s), s.desc ? ` ${s.desc}` : '');
    } else if (s.shape === 'one') {
      parts.push(Buffer.from(`${summaryLabel(m, s)}${String(cellAt(s.base[0]!, s.rate[0]!, k)).padStart(10)}\n`, 'latin1'));
    } else {
      parts.push(Buffer.from(`${s.label.padStart(m.prec)}:\n`, 'latin1'));
    }
  }
  return Buffer.concat(parts);
}

/** /sys/kernel/irq/N/per_cpu_count at sample k: one count per possible CPU, comma-separated. */
export function renderPerCpuCount(m: GenMachine, r: GenIrq, k = 0): string {
  const out = new Array<number>(m.cpus.length).fill(0);
  for (const c of r.cells) out[c.cpu] = cellAt(c.base, c.rate, k);
  return out.join(',') + '\n';
}

/** Per-IRQ totals at sample k (what `lsirq` prints as TOTAL), for cross-checks. */
export function irqTotals(m: GenMachine, k = 0): Map<number, number> {
  const t = new Map<number, number>();
  for (const r of m.irqs) t.set(r.irq, r.cells.reduce((s, c) => s + cellAt(c.base, c.rate, k), 0));
  return t;
}
