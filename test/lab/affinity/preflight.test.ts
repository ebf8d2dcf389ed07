// SPDX-License-Identifier: MIT
// Affinity moves the kernel will refuse, refused by Doorbell before anything is journaled or
// written where the refusal can be read (a managed IRQ: write_irq_affinity, kernel/irq/proc.c; a
// GICv4 vLPI: its_set_affinity, irq-gic-v3-its.c), explained after the write where it cannot, and
// CPU lists in the kernel's full list syntax (lib/bitmap-str.c bitmap_parselist).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRNO } from '../../../common/errno.js';
import { errnoError, LabFailure } from '../../../common/errors.js';
import { AffinityEditor } from '../../../lab/affinity/editor.js';
import { AffinityJournal } from '../../../lab/affinity/journal.js';
import { ProcAffinity, readIrqMoveFacts, type AffinityOps } from '../../../lab/affinity/procfs.js';
import { createLinuxKernelOps } from '../../../lab/linux/ops.js';
import { createSimLab } from '../../../lab/sim/index.js';
import { CONSOLE } from '../../fixtures/sysroots/paths.js';
import { scratchDirs } from '../../helpers/scratch.js';
import { fakeProc } from './fake-proc.js';

const scratch = scratchDirs('doorbell-preflight-');

// arm64-its-smmuv3: 0000:02:00.0 is an nvme whose host vectors are managed; 0000:01:00.0's
// vectors 62 and 63 are GICv4 vLPIs posted to a vCPU; 0000:04:00.0 is a VFIO device.
function sim() {
  const lab = createSimLab({ scenario: 'arm64-its-smmuv3' });
  const journal = new AffinityJournal(scratch());
  return { lab, journal, editor: new AffinityEditor({ backend: lab, journal }) };
}

const writes = (lab: ReturnType<typeof createSimLab>) => lab.kernelLog().filter((o) => o.kind === 'write');

describe('refused before the write on the simulator (which knows each IRQ\'s state)', () => {
  it('a managed NVMe queue: the reason and what to do, nothing journaled, nothing written', async () => {
    const { lab, journal, editor } = sim();
    const before = (await lab.vector('0000:02:00.0', 0))!;
    const r = await editor.setAffinity('0000:02:00.0', 0, '2');
    expect(r.changeId).toBeNull();
    expect(r.verdict).toMatchObject({ kind: 'refused', errno: 'EPERM', headline: `refused before writing: IRQ ${before.irq} is kernel-managed` });
    expect(r.verdict.explanation).toMatch(/IRQD_AFFINITY_MANAGED.*PCI_IRQ_AFFINITY.*EPERM \(1\), so Doorbell did not write/);
    expect(r.verdict.hint).toMatch(/not managed \(VFIO vectors never are\)/);
    expect(r.verdict.evidence).toEqual([`/sys/kernel/debug/irq/irqs/${before.irq} (simulated): dstate lists IRQD_AFFINITY_MANAGED`, 'nothing was written']);
    expect(writes(lab)).toEqual([]);
    expect(journal.outstanding('sim:arm64-its-smmuv3')).toEqual([]);
    const after = (await lab.vector('0000:02:00.0', 0))!;
    expect(after.affinity.ok && after.affinity.value).toEqual(before.affinity.ok && before.affinity.value);
  });

  it('a vLPI forwarded to a vCPU: named as such (not "no online CPU"), nothing written', async () => {
    const { lab, editor } = sim();
    const r = await editor.setAffinity('0000:01:00.0', 62, '2');
    expect(r.verdict.headline).toMatch(/refused before writing: IRQ \d+ is forwarded to a vCPU \(GICv4 vLPI\)/);
    expect(`${r.verdict.headline} ${r.verdict.explanation}`).not.toMatch(/no online CPU/);
    expect(r.verdict).toMatchObject({ kind: 'refused', errno: 'EINVAL' });
    expect(r.verdict.explanation).toMatch(/its_set_affinity .* EINVAL \(22\)/);
    expect(writes(lab)).toEqual([]);
  });

  it('when the write goes ahead and the ITS refuses it, the verdict gives the controller\'s reason', async () => {
    const { lab } = sim();
    const k = lab.ops;
    // Hide what the simulator knows, as on a machine without debugfs: the write is made.
    const ops: AffinityOps = { readAffinity: (i) => k.readAffinity(i), writeAffinity: (i, l) => k.writeAffinity(i, l) };
    const editor = new AffinityEditor({ backend: lab, journal: new AffinityJournal(scratch()), ops });
    const r = await editor.setAffinity('0000:01:00.0', 62, '2');
    expect(writes(lab)).toHaveLength(1);
    expect(r.changeId).not.toBeNull();
    expect(r.verdict.headline).toBe('refused: the interrupt controller would not move this vector');
    expect(r.verdict.explanation).toMatch(/EINVAL \(22\) for a mask with online CPU 2.*its_set_affinity refuses a vLPI/);
    expect(r.verdict.evidence[0]).toMatch(/^wrote 2 to \/proc\/irq\/\d+\/smp_affinity_list$/);
  });

  it('moves with the kernel\'s group syntax and N: 0-3:2/4 is written as 0-1, 6-N as 6-7', async () => {
    const { lab, editor } = sim();
    const r = await editor.setAffinity('0000:04:00.0', 0, '0-3:2/4');
    expect(r.requested).toBe('0-1');
    expect(r.verdict.kind).not.toBe('refused');
    expect(writes(lab).map((o) => o.args.value)).toEqual(['0-1']);
    expect((await editor.setAffinity('0000:04:00.0', 0, '6-N')).requested).toBe('6-7');
  });

  it('refuses what the kernel would not parse, naming the region and the errno, before writing', async () => {
    const { lab, editor } = sim();
    const e = await editor.setAffinity('0000:04:00.0', 0, '0-3:5/4').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LabFailure);
    expect((e as LabFailure).error).toMatchObject({ errnoName: 'EINVAL', errno: 22 });
    expect((e as LabFailure).error.message).toMatch(/^bad CPU list "0-3:5\/4": uses 5 CPUs of every group of 4.*EINVAL \(22\)/);
    const big = await editor.setAffinity('0000:04:00.0', 0, '0-4:1/2,8').catch((x: unknown) => x);
    expect((big as LabFailure).error).toMatchObject({ errnoName: 'ERANGE', errno: ERRNO.ERANGE });
    expect((big as LabFailure).error.message).toMatch(/"8": CPU 8 is past the last CPU of this machine \(7\)/);
    expect(writes(lab)).toEqual([]);
  });
});

describe('on a /proc + debugfs tree (the linux write path)', () => {
  const DSTATE_MANAGED = 'handler:  handle_edge_irq\ndevice:   0000:00:05.0\nstatus:   0x00004000\nistate:   0x00000000\nddepth:   0\nwdepth:   0\n'
    + 'dstate:   0x3f601200\n            IRQD_ACTIVATED\n            IRQD_IRQ_STARTED\n            IRQD_SINGLE_TARGET\n            IRQD_AFFINITY_SET\n'
    + '            IRQD_AFFINITY_MANAGED\n            IRQD_AFFINITY_ON_ACTIVATE\nnode:     0\naffinity: 0-1\neffectiv: 0\n';

  it('dstate IRQD_AFFINITY_MANAGED in debugfs: refused before the write, with EPERM on 6.18', async () => {
    const f = fakeProc([{ bdf: '0000:00:05.0', index: 1, irq: 34, mask: '0-1' }]);
    fs.mkdirSync(path.join(f.root, 'sys/kernel/debug/irq/irqs'), { recursive: true });
    fs.writeFileSync(path.join(f.root, 'sys/kernel/debug/irq/irqs/34'), DSTATE_MANAGED);
    const journal = new AffinityJournal(scratch());
    const r = await new AffinityEditor({ backend: f.backend, journal }).setAffinity('0000:00:05.0', 1, '1');
    expect(r.verdict).toMatchObject({ kind: 'refused', errno: 'EPERM', headline: 'refused before writing: IRQ 34 is kernel-managed' });
    expect(r.verdict.evidence[0]).toBe(`${path.join(f.root, 'sys/kernel/debug/irq/irqs/34')}: dstate: 0x3f601200, lists IRQD_AFFINITY_MANAGED`);
    expect(f.read(34)).toBe('0-1');
    expect(journal.outstanding('linux:fake')).toEqual([]);
  });

  it('a 0444 smp_affinity_list (6.12+) without debugfs: refused as not settable, without claiming "managed"', async () => {
    const f = fakeProc([{ bdf: '0000:00:05.0', index: 1, irq: 34, mask: '0-1' }]);
    fs.chmodSync(path.join(f.root, 'proc/irq/34/smp_affinity_list'), 0o444);
    const r = await new AffinityEditor({ backend: f.backend, journal: new AffinityJournal(scratch()) }).setAffinity('0000:00:05.0', 1, '1');
    expect(r.verdict.headline).toBe('refused before writing: IRQ 34\'s affinity is not settable from user space');
    expect(r.verdict.evidence).toEqual([
      `${path.join(f.root, 'sys/kernel/debug/irq/irqs/34')} not readable (ENOENT (2): debugfs not mounted, or no CONFIG_GENERIC_IRQ_DEBUGFS), so whether the IRQ is managed is not known`,
      `${path.join(f.root, 'proc/irq/34/smp_affinity_list')} is mode 0444 (no owner write)`,
      'nothing was written',
    ]);
    expect(f.read(34)).toBe('0-1');
  });

  it('where nothing can be read beforehand, the write is made and the kernel\'s EPERM is explained after it', async () => {
    const f = fakeProc([{ bdf: '0000:00:05.0', index: 1, irq: 34, mask: '0-1' }]);
    const proc = new ProcAffinity(f.root);
    let wrote = 0;
    const ops: AffinityOps = {
      readAffinity: (i) => proc.readAffinity(i),
      irqFacts: (i) => proc.irqFacts(i),
      writeAffinity: (i) => {
        wrote++;
        const p = `/proc/irq/${i}/smp_affinity_list`;
        return { ok: false, errno: 'EPERM', errnoValue: 1, error: errnoError(`write ${p}`, 'EPERM', 'managed', { path: p }) };
      },
    };
    const journal = new AffinityJournal(scratch());
    const r = await new AffinityEditor({ backend: f.backend, journal, ops }).setAffinity('0000:00:05.0', 1, '1');
    expect(wrote).toBe(1);
    expect(r.changeId).not.toBeNull();
    expect(r.verdict).toMatchObject({ kind: 'refused', errno: 'EPERM', headline: 'refused: this IRQ\'s affinity is not settable (managed IRQ)' });
    expect(r.verdict.explanation).toMatch(/The kernel answered EPERM \(1\).*Before writing, Doorbell read: .*irqs\/34 not readable/);
  });
});

describe('readIrqMoveFacts / the linux ops\' irqFacts on a captured tree', () => {
  it('reads dstate from the captured debugfs: a virtio-console vector is not managed', () => {
    const f = createLinuxKernelOps({ root: CONSOLE }).irqFacts!(26)!;
    expect(f).toMatchObject({ managed: false, noBalancing: false, forwardedToVcpu: false });
    expect(f.evidence[0]).toBe(`${path.join(CONSOLE, 'sys/kernel/debug/irq/irqs/26')}: dstate: 0x1d401200, none of IRQD_AFFINITY_MANAGED, IRQD_PER_CPU, IRQD_NO_BALANCING, IRQD_FORWARDED_TO_VCPU`);
  });

  it('an IRQ with no debugfs file leaves managed unknown and says why', () => {
    const f = readIrqMoveFacts(CONSOLE, 999999);
    expect(f.managed).toBeNull();
    expect(f.readOnly).toBeNull();
    expect(f.evidence).toHaveLength(1);
    expect(f.evidence[0]).toMatch(/irqs\/999999 not readable \(ENOENT \(2\)/);
  });
});
