// SPDX-License-Identifier: MIT
// /proc/irq/N affinity through plain file I/O under a root: the write path when a backend offers
// no KernelOps table. write_irq_affinity (kernel/irq/proc.c) parses the whole buffer of one
// write(), so the list goes in a single write; the errno it returns is the kernel's answer.
import fs from 'node:fs';
import path from 'node:path';
import { parseCpuList } from '../../common/cpulist.js';
import { errnoError } from '../../common/errors.js';
import { ERRNO, type ErrnoName } from '../../common/errno.js';
import type { IrqMoveFacts } from '../../common/verdict.js';
import type { OpResult } from '../ops.js';

export type AffinityOps = {
  readAffinity(irq: number): OpResult<{ affinity: number[]; effective: number[] }>;
  writeAffinity(irq: number, cpuList: string): OpResult<void>;
  /** What can be read, before writing, about whether the kernel will let this IRQ move (optional). */
  irqFacts?(irq: number): IrqMoveFacts | null;
};

/** irq_data state flags (kernel/irq/debugfs.c irqdata_states) that decide a move before it is tried. */
const DSTATE_FLAGS = ['IRQD_AFFINITY_MANAGED', 'IRQD_PER_CPU', 'IRQD_NO_BALANCING', 'IRQD_FORWARDED_TO_VCPU'] as const;

/**
 * Read, under `root`, what says whether user space may move this IRQ: the `dstate` flags of
 * /sys/kernel/debug/irq/irqs/N (CONFIG_GENERIC_IRQ_DEBUGFS, root only; one flag name per line
 * under `dstate:`) and the mode of /proc/irq/N/smp_affinity_list (0444 for an IRQ user space
 * cannot set, since 6.12). Unreadable sources leave their facts null and say so in `evidence`.
 */
export function readIrqMoveFacts(root: string, irq: number): IrqMoveFacts {
  const f: IrqMoveFacts = { managed: null, noBalancing: null, forwardedToVcpu: null, readOnly: null, evidence: [] };
  const dbg = path.join(root, 'sys/kernel/debug/irq/irqs', String(irq));
  let text: string | null = null;
  try { text = fs.readFileSync(dbg, 'utf8'); } catch (e) {
    const code = (e as { code?: string }).code ?? 'EIO';
    f.evidence.push(`${dbg} not readable (${code in ERRNO ? `${code} (${ERRNO[code as ErrnoName]})` : code}${code === 'ENOENT' ? ': debugfs not mounted, or no CONFIG_GENERIC_IRQ_DEBUGFS' : code === 'EACCES' ? ': debugfs is root-only' : ''}), so whether the IRQ is managed is not known`);
  }
  if (text !== null) {
    const lines = text.split('\n');
    const at = lines.findIndex((l) => /^dstate:/.test(l));
    if (at < 0) f.evidence.push(`${dbg} has no dstate line, so whether the IRQ is managed is not known`);
    else {
      const set = new Set<string>();
      for (let i = at + 1; i < lines.length && !lines[i]!.includes(':'); i++) set.add(lines[i]!.trim());
      f.managed = set.has('IRQD_AFFINITY_MANAGED');
      f.noBalancing = set.has('IRQD_PER_CPU') || set.has('IRQD_NO_BALANCING');
      f.forwardedToVcpu = set.has('IRQD_FORWARDED_TO_VCPU');
      const on = DSTATE_FLAGS.filter((x) => set.has(x));
      f.evidence.push(`${dbg}: ${lines[at]!.replace(/\s+/g, ' ').trim()}, ${on.length > 0 ? `lists ${on.join(', ')}` : `none of ${DSTATE_FLAGS.join(', ')}`}`);
    }
  }
  const list = path.join(root, 'proc/irq', String(irq), 'smp_affinity_list');
  try {
    const mode = fs.statSync(list).mode & 0o777;
    f.readOnly = (mode & 0o200) === 0;
    f.evidence.push(`${list} is mode ${mode.toString(8).padStart(4, '0')}${f.readOnly ? ' (no owner write)' : ''}`);
  } catch { /* no /proc/irq entry: the write reports ENOENT itself */ }
  return f;
}

function errOf<T>(op: string, p: string, e: unknown, hint: string): OpResult<T> {
  const code = (e as { code?: string }).code ?? 'EIO';
  const name = (code in ERRNO ? code : 'EIO') as ErrnoName;
  const error = errnoError(op, name, hint, { path: p });
  return { ok: false, errno: name, errnoValue: ERRNO[name], error };
}

export class ProcAffinity implements AffinityOps {
  constructor(readonly root = '/') {}

  private p(irq: number, f: string): string {
    return path.join(this.root, 'proc', 'irq', String(irq), f);
  }

  readAffinity(irq: number): OpResult<{ affinity: number[]; effective: number[] }> {
    const ap = this.p(irq, 'smp_affinity_list');
    let a: string;
    try { a = fs.readFileSync(ap, 'utf8'); } catch (e) {
      return errOf(`read ${ap}`, ap, e, `IRQ ${irq} has no /proc/irq entry (not requested yet, or freed): refresh the vector table.`);
    }
    const pa = parseCpuList(a);
    if (!pa.ok) return errOf(`parse ${ap}`, ap, { code: 'EINVAL' }, `${ap} line 1 is not a CPU list: ${pa.message}`);
    const ep = this.p(irq, 'effective_affinity_list');
    let eff: number[] = [];
    try {
      const pe = parseCpuList(fs.readFileSync(ep, 'utf8'));
      eff = pe.ok ? pe.cpus : [];
    } catch { /* no CONFIG_GENERIC_IRQ_EFFECTIVE_AFF_MASK: effective unknown, reported as empty */ }
    return { ok: true, value: { affinity: pa.cpus, effective: eff } };
  }

  irqFacts(irq: number): IrqMoveFacts {
    return readIrqMoveFacts(this.root, irq);
  }

  writeAffinity(irq: number, cpuList: string): OpResult<void> {
    const p = this.p(irq, 'smp_affinity_list');
    let fd: number | null = null;
    try {
      fd = fs.openSync(p, 'w');
      fs.writeSync(fd, `${cpuList}\n`);
      return { ok: true, value: undefined };
    } catch (e) {
      return errOf(`write ${p}`, p, e, 'See the verdict for what this errno means for this IRQ.');
    } finally {
      if (fd !== null) { try { fs.closeSync(fd); } catch { /* the write already answered */ } }
    }
  }
}

/** /proc/sys/kernel/random/boot_id under a root, or null. */
export function readBootId(root: string): string | null {
  try { return fs.readFileSync(path.join(root, 'proc/sys/kernel/random/boot_id'), 'utf8').trim() || null; } catch { return null; }
}

/** CPU number → APIC ID from /proc/cpuinfo (x86 `processor` / `apicid` lines), or null. */
export function readApicIds(root: string): Record<number, number> | null {
  let text: string;
  try { text = fs.readFileSync(path.join(root, 'proc/cpuinfo'), 'utf8'); } catch { return null; }
  const out: Record<number, number> = {};
  let cpu: number | null = null;
  for (const line of text.split('\n')) {
    const m = /^(processor|apicid)\s*:\s*(\d+)/.exec(line);
    if (!m) continue;
    if (m[1] === 'processor') cpu = Number(m[2]);
    else if (cpu !== null) out[cpu] = Number(m[2]);
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** Running processes named irqbalance (scan of /proc/<pid>/comm under the root). */
export function findIrqbalance(root: string): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  let names: string[];
  try { names = fs.readdirSync(path.join(root, 'proc')); } catch { return out; }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const comm = fs.readFileSync(path.join(root, 'proc', n, 'comm'), 'utf8').trim();
      if (comm === 'irqbalance') out.push({ pid: Number(n), comm });
    } catch { /* the process exited */ }
  }
  return out;
}
