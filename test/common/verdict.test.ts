// SPDX-License-Identifier: MIT
// Table-driven: each row is one observed move; the expected verdict is written by hand from the
// kernel source the row cites (domain.md §3.5, §5), not computed.
import { describe, expect, it } from 'vitest';
import { judgeMove, CONTROLLER_RULES, refusalBeforeWrite, type IrqMoveFacts, type MoveObservation, type MoveSide, type VerdictKind } from '../../common/verdict.js';
import type { DecodedMessage, DoorbellPage } from '../../common/model/index.js';

const ITS_MSG = { address: '0x8000040', data: 3 };
const itsDec: DecodedMessage = { kind: 'its', doorbell: '0x8000040', eventId: 3 };
const x86 = (apic: number, vec: number) => ({ address: `0x${(0xfee00000 + (apic << 12)).toString(16)}`, data: vec });
const x86Dec = (apic: number, vec: number): DecodedMessage => ({ kind: 'x86-compat', destApicId: apic, vector: vec, destModeLogical: false, redirectHint: false, deliveryMode: 0, levelTriggered: false });
const IR_MSG = { address: '0xfee00218', data: 0 };
const irDec = (target: number | null): DecodedMessage => ({ kind: 'intel-remap', handle: 16, shv: true, subhandle: 0, irteTargetApicId: target });
const imsicPages: DoorbellPage[] = [0, 1, 2, 3].map((h) => ({
  start: `0x${(0x28000000 + h * 0x1000).toString(16)}`, last: `0x${(0x28000fff + h * 0x1000).toString(16)}`,
  kind: 'imsic-hart', label: `hart ${h}`, pa: `0x${(0x28000000 + h * 0x1000).toString(16)}`, hart: h, mappedBy: 'user-area', evidence: [],
}));
const imsic = (hart: number, id: number) => ({ address: `0x${(0x28000000 + hart * 0x1000).toString(16)}`, data: id });
const imsicDec = (hart: number | null, id: number, page: string): DecodedMessage => ({ kind: 'imsic', page, hart, guestFile: 0, identity: id });

function side(affinity: number[], effective: number[], message: { address: string; data: number } | null, decoded: DecodedMessage | null): MoveSide {
  return { affinity, effective, message, cached: null, decoded };
}

type Row = { name: string; cite: string; o: MoveObservation; kind: VerdictKind; headline: RegExp };

const NOFIRE = { kind: 'unavailable', why: 'test' } as const;
const fired = (delta: number[]) => ({ kind: 'fired', delta }) as const;

const rows: Row[] = [
  {
    name: 'managed IRQ, 6.12+', cite: 'kernel/irq/proc.c write_irq_affinity: !irq_can_set_affinity_usr → -EPERM (6.12+)',
    o: { controller: 'x86-vector', irq: 36, requested: [0], write: { ok: false, errno: 'EPERM' }, before: side([0, 1], [1], null, null), after: { ...side([0, 1], [1], null, null), pending: false }, fire: NOFIRE },
    kind: 'refused', headline: /managed IRQ/,
  },
  {
    name: 'managed IRQ, before 6.12', cite: 'kernel/irq/proc.c write_irq_affinity returned -EIO before 6.12 (domain.md §0.6)',
    o: { controller: 'x86-vector', irq: 36, requested: [0], write: { ok: false, errno: 'EIO' }, kernelRelease: '6.1.0', before: side([0, 1], [1], null, null), after: { ...side([0, 1], [1], null, null), pending: false }, fire: NOFIRE },
    kind: 'refused', headline: /before 6\.12/,
  },
  {
    name: 'offline mask', cite: 'kernel/irq/proc.c write_irq_affinity: !cpumask_intersects(new, cpu_online_mask) → -EINVAL',
    o: { controller: 'gic-its', irq: 61, requested: [3], write: { ok: false, errno: 'EINVAL' }, before: side([0], [0], ITS_MSG, itsDec), after: { ...side([0], [0], ITS_MSG, itsDec), pending: false }, fire: NOFIRE },
    kind: 'refused', headline: /no online CPU/,
  },
  {
    name: 'vector exhaustion', cite: 'arch/x86/kernel/apic/vector.c assign_vector_locked → -ENOSPC (domain.md §3.5)',
    o: { controller: 'x86-vector', irq: 40, requested: [1], write: { ok: false, errno: 'ENOSPC' }, before: side([0], [0], x86(0, 0x22), x86Dec(0, 0x22)), after: { ...side([0], [0], x86(0, 0x22), x86Dec(0, 0x22)), pending: false }, fire: NOFIRE },
    kind: 'refused', headline: /no free interrupt vector/,
  },
  {
    name: 'not root', cite: '/proc/irq/N/smp_affinity_list is 0644 root (domain.md §3.5) → EACCES for others',
    o: { controller: 'x86-vector', irq: 40, requested: [1], write: { ok: false, errno: 'EACCES' }, before: side([0], [0], null, null), after: { ...side([0], [0], null, null), pending: false }, fire: NOFIRE },
    kind: 'refused', headline: /not root/,
  },
  {
    name: 'out of range', cite: 'lib/bitmap.c bitmap_parselist → -ERANGE for a CPU past nr_cpumask_bits',
    o: { controller: 'x86-vector', irq: 40, requested: [9999], write: { ok: false, errno: 'ERANGE' }, before: side([0], [0], null, null), after: { ...side([0], [0], null, null), pending: false }, fire: NOFIRE },
    kind: 'refused', headline: /out of range/,
  },
  {
    name: 'ITS move, message unchanged, no way to fire', cite: 'irq-gic-v3-its.c its_set_affinity: MOVI only, message unchanged (domain.md §5) — unchanged proves nothing',
    o: { controller: 'gic-its', irq: 61, requested: [2], write: { ok: true }, before: side([0], [0], ITS_MSG, itsDec), after: { ...side([2], [2], ITS_MSG, itsDec), pending: false }, fire: NOFIRE },
    kind: 'unconfirmed', headline: /unconfirmed/,
  },
  {
    name: 'ITS move, fired, counted on the new CPU', cite: 'its_set_affinity MOVI to the new collection → the LPI is delivered to CPU 2',
    o: { controller: 'gic-its', irq: 61, requested: [2], write: { ok: true }, before: side([0], [0], ITS_MSG, itsDec), after: { ...side([2], [2], ITS_MSG, itsDec), pending: false }, fire: fired([0, 0, 5, 0]) },
    kind: 'verified', headline: /moved and verified/,
  },
  {
    name: 'ITS lost MOVI: effective says CPU 2, counted on CPU 0', cite: 'without the MOVI the event stays mapped to collection 0 (irq-gic-v3-its.c its_send_movi)',
    o: { controller: 'gic-its', irq: 61, requested: [2], write: { ok: true }, before: side([0], [0], ITS_MSG, itsDec), after: { ...side([2], [2], ITS_MSG, itsDec), pending: false }, fire: fired([5, 0, 0, 0]) },
    kind: 'wrong', headline: /old CPU/,
  },
  {
    name: 'ITS per-vector-table rewrite recomposed the default address', cite: 'seed thread (20241120140337.GA772273@nvidia.com): any rewrite must keep the userspace address; ITS must not change the message',
    o: { controller: 'gic-its', irq: 61, requested: [2], write: { ok: true }, before: side([0], [0], { address: '0xeeee0040', data: 3 }, itsDec), after: { ...side([2], [2], ITS_MSG, itsDec), pending: false }, fire: NOFIRE },
    kind: 'wrong', headline: /message is wrong/,
  },
  {
    name: 'x86 no IR: destination moved to APIC 1', cite: 'arch/x86/kernel/apic/msi.c msi_set_affinity rewrites address (destid bits 19:12)',
    o: { controller: 'x86-vector', irq: 40, requested: [1], write: { ok: true }, apicIds: { 0: 0, 1: 1 }, before: side([0], [0], x86(0, 0x22), x86Dec(0, 0x22)), after: { ...side([1], [1], x86(1, 0x23), x86Dec(1, 0x23)), pending: false }, fire: NOFIRE },
    kind: 'verified', headline: /moved and verified/,
  },
  {
    name: 'x86 no IR: APIC IDs not equal to CPU numbers', cite: 'arch/x86/include/asm/msi.h: the address carries the APIC ID, not the CPU number (/proc/cpuinfo apicid)',
    o: { controller: 'x86-vector', irq: 40, requested: [1], write: { ok: true }, apicIds: { 0: 0, 1: 2 }, before: side([0], [0], x86(0, 0x22), x86Dec(0, 0x22)), after: { ...side([1], [1], x86(2, 0x23), x86Dec(2, 0x23)), pending: false }, fire: NOFIRE },
    kind: 'verified', headline: /moved and verified/,
  },
  {
    name: 'x86 no IR: effective moved, message still names the old APIC', cite: 'msi_set_affinity must rewrite the destination; a stale table entry keeps APIC 0',
    o: { controller: 'x86-vector', irq: 40, requested: [1], write: { ok: true }, apicIds: { 0: 0, 1: 1 }, before: side([0], [0], x86(0, 0x22), x86Dec(0, 0x22)), after: { ...side([1], [1], x86(0, 0x22), x86Dec(0, 0x22)), pending: false }, fire: NOFIRE },
    kind: 'wrong', headline: /message is wrong/,
  },
  {
    name: 'x86 no IR: move in progress', cite: 'arch/x86/kernel/apic/vector.c: move_in_progress until the first interrupt on the new vector; effective not yet inside the mask',
    o: { controller: 'x86-vector', irq: 40, requested: [1], write: { ok: true }, before: side([0], [0], x86(0, 0x22), x86Dec(0, 0x22)), after: { ...side([1], [0], x86(0, 0x22), x86Dec(0, 0x22)), pending: true }, fire: NOFIRE },
    kind: 'pending', headline: /not effective yet/,
  },
  {
    name: 'VT-d IR: message unchanged, IRTE retargeted (debugfs)', cite: 'drivers/iommu/intel/irq_remapping.c intel_ir_set_affinity: IRTE only, IRQ_SET_MASK_OK_DONE',
    o: { controller: 'intel-ir', irq: 45, requested: [1], write: { ok: true }, apicIds: { 0: 0, 1: 1 }, before: side([0], [0], IR_MSG, irDec(0)), after: { ...side([1], [1], IR_MSG, irDec(1)), pending: false }, fire: NOFIRE },
    kind: 'verified', headline: /moved and verified/,
  },
  {
    name: 'VT-d IR: stale IRTE', cite: 'intel_ir_set_affinity must modify the IRTE; debugfs still shows APIC 0',
    o: { controller: 'intel-ir', irq: 45, requested: [1], write: { ok: true }, apicIds: { 0: 0, 1: 1 }, before: side([0], [0], IR_MSG, irDec(0)), after: { ...side([1], [1], IR_MSG, irDec(0)), pending: false }, fire: NOFIRE },
    kind: 'wrong', headline: /stale/,
  },
  {
    name: 'VT-d IR: no debugfs, no fire', cite: 'the IR message never changes (domain.md §5): without the IRTE or a fired interrupt nothing proves the move',
    o: { controller: 'intel-ir', irq: 45, requested: [1], write: { ok: true }, before: side([0], [0], IR_MSG, irDec(null)), after: { ...side([1], [1], IR_MSG, irDec(null)), pending: false }, fire: NOFIRE },
    kind: 'unconfirmed', headline: /unconfirmed/,
  },
  {
    name: 'IMSIC: address moved to hart 2\'s mapped page', cite: 'irq-riscv-imsic-platform.c imsic_irq_set_affinity: new vector on the new hart, message rewritten',
    o: { controller: 'riscv-imsic', irq: 50, requested: [2], write: { ok: true }, doorbells: imsicPages, before: side([0], [0], imsic(0, 5), imsicDec(0, 5, '0x28000000')), after: { ...side([2], [2], imsic(2, 7), imsicDec(2, 7, '0x28002000')), pending: false }, fire: NOFIRE },
    kind: 'verified', headline: /moved and verified/,
  },
  {
    name: 'IMSIC: rewrite used the hart\'s physical page, not the mapped IOVA', cite: 'seed thread: the per-hart page must be mapped; a default (PA) address faults in the IOMMU',
    o: { controller: 'riscv-imsic', irq: 50, requested: [2], write: { ok: true }, doorbells: imsicPages.map((p) => ({ ...p, start: `0x${(BigInt(p.start) + 0x10000000n).toString(16)}`, last: `0x${(BigInt(p.last) + 0x10000000n).toString(16)}` })), before: side([0], [0], { address: '0x38000000', data: 5 }, imsicDec(0, 5, '0x38000000')), after: { ...side([2], [2], imsic(2, 7), imsicDec(2, 7, '0x28002000')), pending: false }, fire: NOFIRE },
    kind: 'wrong', headline: /message is wrong/,
  },
  {
    name: 'IMSIC: deferred move not done yet', cite: 'IRQCHIP_MOVE_DEFERRED: the move completes at the next interrupt (domain.md §5)',
    o: { controller: 'riscv-imsic', irq: 50, requested: [2], write: { ok: true }, doorbells: imsicPages, before: side([0], [0], imsic(0, 5), imsicDec(0, 5, '0x28000000')), after: { ...side([2], [0], imsic(0, 5), imsicDec(0, 5, '0x28000000')), pending: true }, fire: NOFIRE },
    kind: 'pending', headline: /not effective yet/,
  },
  {
    name: 'VT-d IR: move in progress but the IRTE still targets the old CPU', cite: 'intel_ir_set_affinity rewrites the IRTE synchronously; a stale one means the move can never complete',
    o: { controller: 'intel-ir', irq: 45, requested: [1], write: { ok: true }, apicIds: { 0: 0, 1: 1 }, before: side([0], [0], IR_MSG, irDec(0)), after: { ...side([1], [1], IR_MSG, irDec(0)), pending: true }, fire: NOFIRE },
    kind: 'wrong', headline: /stale/,
  },
  {
    name: 'x86 no IR: still pending after firing, counts only on the old CPU', cite: 'arch/x86 irq_move_irq completes a move at the next interrupt; pending afterwards with delivery on CPU 0 = never retargeted',
    o: { controller: 'x86-vector', irq: 40, requested: [1], write: { ok: true }, before: side([0], [0], x86(0, 0x22), x86Dec(0, 0x22)), after: { ...side([1], [1], x86(0, 0x22), x86Dec(0, 0x22)), pending: true }, fire: fired([4, 0]) },
    kind: 'wrong', headline: /old CPU/,
  },
  {
    name: 'IMSIC: deferred move pending, and the new address is not mapped', cite: 'the rewritten message is already in the device: an unmapped page faults whether or not the move completed',
    o: { controller: 'riscv-imsic', irq: 50, requested: [2], write: { ok: true }, doorbells: imsicPages, before: side([0], [0], imsic(0, 5), imsicDec(0, 5, '0x28000000')), after: { ...side([2], [0], { address: '0x48002000', data: 7 }, imsicDec(null, 7, '0x48002000')), pending: true }, fire: NOFIRE },
    kind: 'wrong', headline: /message is wrong/,
  },
  {
    name: 'x86 no IR, message unreadable, own traffic counted on the new CPU', cite: 'kernel/irq/proc.c show_interrupts counts per CPU: a count on the new effective CPU proves delivery there',
    o: { controller: 'x86-vector', irq: 34, requested: [1], write: { ok: true }, before: side([0, 1], [0], null, null), after: { ...side([1], [1], null, null), pending: false }, fire: { kind: 'observed', delta: [0, 3], ms: 1000 } },
    kind: 'verified', headline: /moved and verified/,
  },
  {
    name: 'x86 no IR, message unreadable, no traffic', cite: 'nothing read, nothing counted: the move cannot be confirmed',
    o: { controller: 'x86-vector', irq: 28, requested: [1], write: { ok: true }, before: side([0, 1], [0], null, null), after: { ...side([1], [1], null, null), pending: false }, fire: { kind: 'observed', delta: [0, 0], ms: 1000 } },
    kind: 'unconfirmed', headline: /unconfirmed/,
  },
];

describe('judgeMove (hand-written expectations)', () => {
  for (const r of rows) {
    it(`${r.name} — ${r.cite}`, () => {
      const v = judgeMove(r.o);
      expect(v.kind).toBe(r.kind);
      expect(v.headline).toMatch(r.headline);
      expect(v.explanation.length).toBeGreaterThan(20);
      expect(v.hint.length).toBeGreaterThan(5);
      expect(v.evidence[0]).toContain(`/proc/irq/${r.o.irq}/smp_affinity_list`);
    });
  }

  it('a refused write names the errno once: from the write\'s own message where it has one', () => {
    const base = rows[0]!.o;
    const withMsg = judgeMove({ ...base, write: { ok: false, errno: 'EPERM', message: 'write /proc/irq/36/smp_affinity_list failed: EPERM (1, Operation not permitted)' } });
    expect(withMsg.evidence[1]).toBe('the kernel refused the write: write /proc/irq/36/smp_affinity_list failed: EPERM (1, Operation not permitted); nothing changed');
    expect(judgeMove({ ...base, write: { ok: false, errno: 'EPERM' } }).evidence[1]).toBe('the kernel answered EPERM (1); nothing changed');
  });

  it('says when it assumed APIC ID = CPU number', () => {
    const r = rows.find((x) => x.name.startsWith('x86 no IR: destination moved'))!;
    const { apicIds: _drop, ...o } = r.o;
    expect(judgeMove(o).evidence.some((e) => e.includes('assuming APIC ID'))).toBe(true);
  });

  it('has a rule per controller, each citing its source', () => {
    for (const [k, rule] of Object.entries(CONTROLLER_RULES)) {
      expect(rule.controller).toBe(k);
      expect(rule.source.length).toBeGreaterThan(5);
    }
    expect(CONTROLLER_RULES['gic-its'].message).toBe('unchanged');
    expect(CONTROLLER_RULES['x86-vector'].message).toBe('x86-destination');
    expect(CONTROLLER_RULES['intel-ir'].message).toBe('unchanged');
    expect(CONTROLLER_RULES['riscv-imsic'].message).toBe('imsic-page');
  });
});

describe('why the kernel refused: the true reason, before the write where it can be read', () => {
  const its = (o: Partial<MoveObservation>): MoveObservation => ({
    controller: 'gic-its', irq: 86, requested: [2], write: { ok: false, errno: 'EINVAL' },
    before: side([0], [0], ITS_MSG, itsDec), after: { ...side([0], [0], ITS_MSG, itsDec), pending: false }, fire: NOFIRE, ...o,
  });

  it('an EINVAL for a mask that holds an online CPU is the controller\'s refusal, never "no online CPU" (irq-gic-v3-its.c its_set_affinity)', () => {
    const v = judgeMove(its({ online: [0, 1, 2, 3] }));
    expect(v.kind).toBe('refused');
    expect(`${v.headline} ${v.explanation}`).not.toMatch(/no online CPU/);
    expect(v.headline).toMatch(/interrupt controller would not move this vector/);
    expect(v.explanation).toMatch(/EINVAL \(22\) for a mask with online CPU 2.*its_set_affinity refuses a vLPI/);
    expect(v.evidence[0]).toBe('wrote 2 to /proc/irq/86/smp_affinity_list');
  });

  it('a vLPI known to be forwarded is named as such after the write', () => {
    const facts: IrqMoveFacts = { managed: false, noBalancing: false, forwardedToVcpu: true, readOnly: false, evidence: ['dstate lists IRQD_FORWARDED_TO_VCPU'] };
    const v = judgeMove(its({ online: [0, 1, 2, 3], facts }));
    expect(v.headline).toMatch(/forwarded to a vCPU \(GICv4 vLPI\)/);
    expect(v.hint).toMatch(/vCPU thread/);
  });

  it('"no online CPU" only when none of the requested CPUs was online (kernel/irq/proc.c write_irq_affinity)', () => {
    const v = judgeMove(its({ requested: [5], online: [0, 1, 2, 3] }));
    expect(v.headline).toBe('refused: the mask has no online CPU');
    expect(v.explanation).toMatch(/none of CPU 5 is online/);
    expect(v.hint).toMatch(/online now: 0,1,2,3/);
  });

  it('refuses a managed IRQ before writing, with the errno this kernel would answer (EPERM since 6.12, EIO before)', () => {
    const facts: IrqMoveFacts = { managed: true, noBalancing: false, forwardedToVcpu: false, readOnly: true, evidence: ['/sys/kernel/debug/irq/irqs/88: dstate 0x..., lists IRQD_AFFINITY_MANAGED'] };
    const now = refusalBeforeWrite(88, facts, '6.12.1');
    expect(now).toMatchObject({ errno: 'EPERM', headline: 'refused before writing: IRQ 88 is kernel-managed' });
    expect(now!.explanation).toMatch(/would answer EPERM \(1\), so Doorbell did not write/);
    expect(now!.evidence).toEqual([...facts.evidence, 'nothing was written']);
    const old = refusalBeforeWrite(88, facts, '6.6.30');
    expect(old).toMatchObject({ errno: 'EIO' });
    expect(old!.explanation).toMatch(/would answer EIO \(5\) \(EPERM \(1\) since 6\.12\)/);
  });

  it('a read-only smp_affinity_list alone says "not settable", not "managed"; nothing known says nothing', () => {
    const ro: IrqMoveFacts = { managed: null, noBalancing: null, forwardedToVcpu: null, readOnly: true, evidence: ['/proc/irq/40/smp_affinity_list is mode 0444 (no owner write)'] };
    const r = refusalBeforeWrite(40, ro, '6.12.0');
    expect(r!.headline).toBe('refused before writing: IRQ 40\'s affinity is not settable from user space');
    expect(r!.explanation).not.toMatch(/kernel-managed affinity/);
    const unknown: IrqMoveFacts = { managed: null, noBalancing: null, forwardedToVcpu: null, readOnly: false, evidence: ['/sys/kernel/debug/irq/irqs/40 not readable (EACCES (13))'] };
    expect(refusalBeforeWrite(40, unknown, '6.12.0')).toBeNull();
    expect(refusalBeforeWrite(40, null, '6.12.0')).toBeNull();
    // When the kernel then refuses, the explanation says what could not be read beforehand.
    const v = judgeMove({ controller: 'x86-vector', irq: 40, requested: [1], write: { ok: false, errno: 'EPERM' }, before: side([0], [0], null, null), after: { ...side([0], [0], null, null), pending: false }, fire: NOFIRE, facts: unknown });
    expect(v.explanation).toMatch(/EPERM \(1\).*Before writing, Doorbell read: \/sys\/kernel\/debug\/irq\/irqs\/40 not readable/);
  });
});
