// SPDX-License-Identifier: MIT
// Platform × kernel profile × injected bug on the simulator: the verdict of one affinity move and
// the findings the checks give afterwards. The expected columns are written by hand, each row
// citing why (kernel source from domain.md §5, or the seed thread).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../../common/checks/index.js';
import { formatCpuList } from '../../../common/cpulist.js';
import { ok } from '../../../common/errors.js';
import type { VerdictKind } from '../../../common/verdict.js';
import { gatherCheckInput } from '../../../lab/affinity/check-input.js';
import { AffinityEditor } from '../../../lab/affinity/editor.js';
import { AffinityJournal } from '../../../lab/affinity/journal.js';
import type { LabBackend } from '../../../lab/backend.js';
import { createSimLab, type SimBackend } from '../../../lab/sim/index.js';

/** The sim's fire/kernelOps when it has them; until then the same through its kernel model. */
function hooked(sim: SimBackend): LabBackend {
  const b = sim as SimBackend & Partial<Pick<LabBackend, 'fire' | 'kernelOps'>>;
  if (b.fire && b.kernelOps) return b;
  const k = sim.k as unknown as { irqs: Map<number, { bdf: string; index: number }>; deliver(irq: unknown, n: number): void };
  return Object.assign(Object.create(Object.getPrototypeOf(sim) as object) as SimBackend, sim, {
    kernelOps: () => sim.ops,
    fire: async (bdf: string, indices: number[]) => {
      for (const irq of k.irqs.values()) if (irq.bdf === bdf && indices.includes(irq.index)) k.deliver(irq, 4);
      return ok({ fired: indices });
    },
  });
}

interface Row {
  scenario: string; profile: string; bug: string | null;
  bdf: string; index: number; cpu: number;
  verdict: VerdictKind; headline: RegExp;
  /** Rule ids that must be among the findings after the move (and nothing else at error level beyond these). */
  findings: string[];
  cite: string;
}

const ITS_DEV = '0000:04:00.0', IMSIC_DEV = '0000:00:01.0', X86_DEV = '0000:af:00.1';

const rows: Row[] = [
  { scenario: 'arm64-its-smmuv3', profile: 'upstream', bug: null, bdf: ITS_DEV, index: 0, cpu: 3, verdict: 'verified', headline: /moved and verified/, findings: [],
    cite: 'irq-gic-v3-its.c its_set_affinity: MOVI to CPU 3\'s collection, message unchanged; the fired LPI counts on CPU 3' },
  { scenario: 'arm64-its-smmuv3', profile: 'upstream', bug: 'lost-movi', bdf: ITS_DEV, index: 0, cpu: 3, verdict: 'wrong', headline: /old CPU/, findings: ['counts-outside-effective'],
    cite: 'without MOVI the event stays in the old collection: effective says 3, the LPI arrives on CPU 1' },
  { scenario: 'arm64-its-smmuv3', profile: 'per-vector-table', bug: null, bdf: ITS_DEV, index: 0, cpu: 3, verdict: 'verified', headline: /moved and verified/, findings: [],
    cite: 'seed thread design: the move rewrites the table entry with the userspace IOVA, message unchanged' },
  { scenario: 'arm64-its-smmuv3', profile: 'per-vector-table', bug: 'rewrite-default-address', bdf: ITS_DEV, index: 0, cpu: 3, verdict: 'wrong', headline: /message is wrong/, findings: ['rewrite-lost-user-address', 'vector-outside-doorbell'],
    cite: 'seed thread (20241120140337.GA772273@nvidia.com): any rewrite must keep the userspace-provided address; the kernel default (SW_MSI 0x8000040) is not mapped in this profile' },
  { scenario: 'arm64-its-smmuv3', profile: 'rfc-v1', bug: 'rewrite-default-address', bdf: ITS_DEV, index: 0, cpu: 3, verdict: 'verified', headline: /moved and verified/, findings: [],
    cite: 'its_set_affinity sends MOVI and never recomposes the message, so the rewrite bug cannot fire on an ITS move' },
  { scenario: 'arm64-its-smmuv3', profile: 'upstream', bug: 'unmapped-doorbell', bdf: ITS_DEV, index: 0, cpu: 3, verdict: 'unconfirmed', headline: /not delivered/, findings: [],
    cite: 'domain.md §5.1: the ITS page must be mapped at the SW_MSI IOVA; a missing PTE faults the MSI write, nothing is counted' },
  { scenario: 'arm64-its-smmuv3', profile: 'upstream', bug: 'ignores-mask', bdf: ITS_DEV, index: 0, cpu: 3, verdict: 'verified', headline: /moved and verified/, findings: [],
    cite: 'a device ignoring the MSI-X mask bit does not change where an unmasked vector is routed' },
  { scenario: 'riscv-aia-imsic', profile: 'upstream', bug: null, bdf: IMSIC_DEV, index: 0, cpu: 2, verdict: 'verified', headline: /moved and verified/, findings: [],
    cite: 'irq-riscv-imsic-platform.c: new vector on hart 2, the address becomes hart 2\'s interrupt-file page' },
  { scenario: 'riscv-aia-imsic', profile: 'per-vector-table', bug: null, bdf: IMSIC_DEV, index: 0, cpu: 2, verdict: 'verified', headline: /moved and verified/, findings: [],
    cite: 'per-hart pages are IOAS areas userspace created; the rewrite uses hart 2\'s mapped IOVA' },
  { scenario: 'riscv-aia-imsic', profile: 'per-vector-table', bug: 'rewrite-default-address', bdf: IMSIC_DEV, index: 0, cpu: 2, verdict: 'wrong', headline: /message is wrong/, findings: ['rewrite-lost-user-address', 'vector-outside-doorbell'],
    cite: 'seed thread: the IMSIC move rewrites the message and must keep the userspace IOVA of the new hart page; the hart\'s physical page is not an IOVA the IOAS maps' },
  { scenario: 'x86-noir', profile: 'upstream', bug: null, bdf: X86_DEV, index: 0, cpu: 3, verdict: 'verified', headline: /moved and verified/, findings: [],
    cite: 'arch/x86/kernel/apic/msi.c msi_set_affinity: destination APIC 3 in the rewritten address' },
  { scenario: 'x86-vtd-ir', profile: 'upstream', bug: null, bdf: X86_DEV, index: 0, cpu: 3, verdict: 'verified', headline: /moved and verified/, findings: [],
    cite: 'intel_ir_set_affinity: IRTE retargeted to CPU 3, message unchanged' },
  { scenario: 'x86-vtd-ir', profile: 'upstream', bug: 'stale-irte', bdf: X86_DEV, index: 0, cpu: 3, verdict: 'wrong', headline: /stale|old CPU/, findings: ['counts-outside-effective'],
    cite: 'a stale IRTE keeps the old destination: the vector domain (debugfs Target) says CPU 3, the interrupts keep arriving on CPU 8 and the move never completes' },
  { scenario: 'x86-amdvi-ir', profile: 'upstream', bug: null, bdf: X86_DEV, index: 0, cpu: 3, verdict: 'verified', headline: /moved and verified/, findings: [],
    cite: 'amd_ir_set_affinity: IRTE update only, message unchanged' },
  { scenario: 'x86-amdvi-ir', profile: 'upstream', bug: 'stale-irte', bdf: X86_DEV, index: 0, cpu: 3, verdict: 'wrong', headline: /stale|old CPU/, findings: ['counts-outside-effective'],
    cite: 'as on VT-d: the IRTE keeps the old destination, counts stay on CPU 8' },
];

const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-sim-matrix-'));

async function findingsAfter(b: SimBackend & LabBackend): Promise<string[]> {
  const { input } = await gatherCheckInput(b, { procRoot: null });
  // Count increases over a stretch of the sim's seeded traffic.
  const irqs = input.vectors.flatMap((dv) => dv.vectors.map((v) => v.irq)).filter((x): x is number => x !== null);
  const s0 = await b.sample(irqs);
  b.advance(500);
  const s1 = await b.sample(irqs);
  const deltas: Record<number, number[]> = {};
  for (const irq of irqs) {
    const c0 = s0.irqs.get(irq) ?? [], c1 = s1.irqs.get(irq) ?? [];
    deltas[irq] = s1.cpus.map((_, col) => Math.max(0, (c1[col] ?? 0) - (c0[col] ?? 0)));
  }
  const r = runChecks({ ...input, countDeltas: deltas });
  return [...new Set(r.findings.filter((f) => f.severity !== 'info').map((f) => f.rule))].sort();
}

describe('simulator: platform × profile × bug (expected written by hand)', () => {
  for (const r of rows) {
    it(`${r.scenario}?profile=${r.profile}${r.bug ? `&bug=${r.bug}` : ''}: ${r.verdict} — ${r.cite}`, async () => {
      const sim = createSimLab({ scenario: r.scenario, params: { profile: r.profile, ...(r.bug ? { bug: r.bug } : {}) } });
      const b = hooked(sim) as SimBackend & LabBackend;
      const ed = new AffinityEditor({ backend: b, journal: new AffinityJournal(fs.mkdtempSync(path.join(stateRoot, 's-'))) });
      const before = await findingsAfter(b);
      const res = await ed.setAffinity(r.bdf, r.index, String(r.cpu));
      expect(res.verdict.kind, res.verdict.evidence.join('\n')).toBe(r.verdict);
      expect(res.verdict.headline).toMatch(r.headline);
      const after = await findingsAfter(b);
      // Findings the move introduced (the scenario may carry its own, e.g. a nested device without guest RMR).
      const introduced = after.filter((f) => !before.includes(f));
      expect(introduced).toEqual(r.findings);
      // The journal holds the change with its verdict, and restore-all puts the mask back.
      const [c] = ed.journal.changes();
      expect(c!.intent).toMatchObject({ bdf: r.bdf, index: r.index, new: String(r.cpu) });
      expect(c!.result?.verdict).toBe(r.verdict);
      const restored = await ed.restoreAll();
      expect(restored.map((x) => x.action)).toEqual(['restore']);
      const v = (await b.vectors(r.bdf)).vectors.find((x) => x.index === r.index)!;
      expect(v.affinity.ok && formatCpuList(v.affinity.value)).toBe(c!.intent.old);
    });
  }

  it('arm64 upstream, nested device without a guest RMR: its vectors hit no doorbell (domain.md §5.2, Part-2 RMR discussion)', async () => {
    const sim = createSimLab({ scenario: 'arm64-its-smmuv3' });
    const { input } = await gatherCheckInput(sim, { procRoot: null });
    const r = runChecks(input);
    const f = r.findings.filter((x) => x.rule === 'vector-outside-doorbell');
    expect(f.map((x) => x.subject.bdf)).toContain('0000:01:00.0');
    expect(f.find((x) => x.subject.bdf === '0000:01:00.0')!.message).toMatch(/RMR/);
  });

  it('a move to an offline CPU is refused with EINVAL (kernel/irq/proc.c write_irq_affinity)', async () => {
    const sim = hooked(createSimLab({ scenario: 'arm64-its-smmuv3' }));
    const cpus = await sim.cpus();
    const offline = cpus.possible.find((c) => !cpus.online.includes(c));
    if (offline === undefined) {
      expect(cpus.online).toEqual(cpus.possible);   // this scenario has every CPU online: nothing to refuse
      return;
    }
    const ed = new AffinityEditor({ backend: sim, journal: new AffinityJournal(fs.mkdtempSync(path.join(stateRoot, 's-'))) });
    const res = await ed.setAffinity(ITS_DEV, 0, String(offline));
    expect(res.verdict).toMatchObject({ kind: 'refused', errno: 'EINVAL' });
  });
});
