// SPDX-License-Identifier: MIT
// Gather what the checks engine (common/checks) needs from a backend: one read of every model
// object, the CPU → APIC ID map, and — when two samples are wanted — the count increase per IRQ.
import { runChecks, type CheckInput, type CheckReport } from '../../common/checks/index.js';
import { toLabError } from '../../common/errors.js';
import type { DeviceVectors } from '../../common/model/index.js';
import type { LabBackend } from '../backend.js';
import { readApicIds } from './procfs.js';

export interface GatherOptions {
  /** Take a second counter sample after this many ms to evaluate counts-outside-effective (0: don't). */
  sampleMs?: number;
  /** Where /proc is for /proc/cpuinfo (default: backend.procRoot()). */
  procRoot?: string | null;
  /** Count increases the caller already has (the session's last delta). */
  countDeltas?: Record<number, number[]> | null;
}

export async function gatherCheckInput(b: LabBackend, opts: GatherOptions = {}): Promise<{ input: CheckInput; notes: string[] }> {
  const notes: string[] = [];
  const [info, cpus, groups, devices] = await Promise.all([b.info(), b.cpus(), b.groups(), b.devices()]);
  const vectors: DeviceVectors[] = [];
  for (const d of devices) {
    if (d.vectorCount === 0 && d.binding.kind !== 'vfio-cdev' && d.binding.kind !== 'vfio-group') continue;
    try { vectors.push(await b.vectors(d.bdf)); } catch (e) { notes.push(`${d.bdf}: vectors not read: ${toLabError(`vectors ${d.bdf}`, e).message}`); }
  }
  let spaces: CheckInput['spaces'] = [];
  try { spaces = await b.addressSpaces(); } catch (e) { notes.push(`address spaces not read: ${toLabError('address spaces', e).message}`); }
  const root = opts.procRoot !== undefined ? opts.procRoot : b.procRoot?.() ?? (b.kind === 'linux' && info.spec === 'linux' ? '/' : null);
  const apicIds = root !== null && info.arch.startsWith('x86') ? readApicIds(root) : null;
  let countDeltas = opts.countDeltas ?? null;
  if (!countDeltas && (opts.sampleMs ?? 0) > 0) {
    const irqs = vectors.flatMap((dv) => dv.vectors.map((v) => v.irq)).filter((x): x is number => x !== null);
    if (irqs.length > 0) {
      const s0 = await b.sample(irqs);
      await new Promise((r) => setTimeout(r, opts.sampleMs));
      const s1 = await b.sample(irqs);
      countDeltas = {};
      for (const irq of irqs) {
        const c0 = s0.irqs.get(irq), c1 = s1.irqs.get(irq);
        if (!c0 || !c1) continue;
        const d: number[] = [];
        s1.cpus.forEach((cpu, col) => { d[cpu] = Math.max(0, (c1[col] ?? 0) - (c0[col] ?? 0)); });
        for (let i = 0; i < d.length; i++) d[i] ??= 0;
        countDeltas[irq] = d;
      }
    }
  }
  return {
    input: { lab: { backend: info.backend, arch: info.arch, features: info.features, kernel: info.kernel }, cpus, groups, devices, vectors, spaces, apicIds, countDeltas },
    notes,
  };
}

export async function checkLab(b: LabBackend, opts: GatherOptions = {}): Promise<CheckReport & { notes: string[] }> {
  const { input, notes } = await gatherCheckInput(b, opts);
  return { ...runChecks(input), notes };
}
