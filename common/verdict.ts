// SPDX-License-Identifier: MIT
// The verdict on one affinity move: what the kernel answered to the /proc/irq/N/smp_affinity_list
// write, what the requested and effective masks read back, and whether the vector's message after
// the move obeys the rule of the interrupt controller that composed it (domain.md §5):
//   GICv3 ITS, GICv2m   its_set_affinity sends MOVI / the SPI is rerouted: address and data unchanged
//   x86 vector, no IR   msi_set_affinity rewrites the message: the new destination APIC is in the address
//   Intel/AMD IR        intel_ir_set_affinity rewrites the IRTE only: message unchanged, IRTE target moved
//   RISC-V IMSIC        a new vector on the new hart: the address is that hart's interrupt-file page,
//                       which the device must be able to reach (mapped behind the IOMMU)
// Where the message never changes, "unchanged" proves nothing, so the move is only verified when the
// device was made to interrupt and the count rose on the new effective CPU. Pure and table-driven.
import { ERRNO } from './errno.js';
import { big, type Hex } from './model/hex.js';
import type { DoorbellPage } from './model/addrspace.js';
import type { ControllerKind, DecodedMessage, MsiMessage } from './model/vector.js';

export type VerdictKind = 'verified' | 'pending' | 'refused' | 'wrong' | 'unconfirmed';

export interface MoveSide {
  affinity: number[] | null;
  effective: number[] | null;
  /** The device's own message (MSI-X table / MSI capability), or null when unreadable. */
  message: MsiMessage | null;
  /** The kernel's cached composed message (debugfs), or null. */
  cached: MsiMessage | null;
  decoded: DecodedMessage | null;
}

export type FireResult =
  | { kind: 'unavailable'; why: string }
  | { kind: 'failed'; why: string }
  /** The device was made to interrupt; `delta` = per-CPU count increase (indexed by CPU number). */
  | { kind: 'fired'; delta: number[] }
  /** Nothing could fire it; the device's own traffic was watched for `ms`. */
  | { kind: 'observed'; delta: number[]; ms: number };

export interface MoveObservation {
  controller: ControllerKind;
  irq: number;
  requested: number[];
  write: { ok: true } | { ok: false; errno: string; message?: string };
  before: MoveSide;
  after: MoveSide & { pending: boolean };
  /** Kernel release (uname -r), to explain EIO before 6.12. */
  kernelRelease?: string | null;
  /** Online CPUs when the write was made: an EINVAL for a mask holding one is the controller's, not the online check's. */
  online?: readonly number[] | null;
  /** What Doorbell could read about the IRQ before writing (absent: nothing was read). */
  facts?: IrqMoveFacts | null;
  /** CPU number → x86 APIC ID (/proc/cpuinfo `apicid`). Absent: assumed equal, and said so. */
  apicIds?: Record<number, number> | null;
  /** The doorbell pages of the device's address space (IMSIC: one per hart). Absent: not known. */
  doorbells?: DoorbellPage[] | null;
  /** Hart ID → CPU number, for IMSIC pages (absent: hart = CPU). */
  hartToCpu?: Record<number, number> | null;
  fire: FireResult;
}

export interface AffinityVerdict {
  kind: VerdictKind;
  /** Plain words: "moved and verified", "refused: managed IRQ", … */
  headline: string;
  explanation: string;
  hint: string;
  /** Each step of the loop, in order, as the UI and the CLI print it. */
  evidence: string[];
  errno: string | null;
  /** The controller rule applied (the `ControllerRule.id`). */
  rule: string | null;
}

export type MessageRule = 'unchanged' | 'x86-destination' | 'imsic-page';

export interface ControllerRule {
  id: string;
  controller: ControllerKind;
  name: string;
  message: MessageRule;
  /** Where the rule comes from (kernel source, domain.md §5). */
  source: string;
  /** Can the message (or IRTE) alone prove the hardware now targets the new CPU? */
  messageProves: boolean;
}

export const CONTROLLER_RULES: Record<ControllerKind, ControllerRule> = {
  'gic-its': { id: 'its-movi', controller: 'gic-its', name: 'GICv3 ITS', message: 'unchanged', messageProves: false, source: 'drivers/irqchip/irq-gic-v3-its.c its_set_affinity (MOVI; message unchanged)' },
  'gic-v2m': { id: 'v2m-spi', controller: 'gic-v2m', name: 'GICv2m', message: 'unchanged', messageProves: false, source: 'drivers/irqchip/irq-gic-v2m.c (SPI rerouted at the distributor; message unchanged)' },
  'x86-vector': { id: 'x86-compat', controller: 'x86-vector', name: 'x86 local APIC (no remapping)', message: 'x86-destination', messageProves: true, source: 'arch/x86/kernel/apic/msi.c msi_set_affinity; arch/x86/include/asm/msi.h' },
  'intel-ir': { id: 'intel-irte', controller: 'intel-ir', name: 'Intel VT-d interrupt remapping', message: 'unchanged', messageProves: false, source: 'drivers/iommu/intel/irq_remapping.c intel_ir_set_affinity (IRTE only, IRQ_SET_MASK_OK_DONE)' },
  'amd-ir': { id: 'amd-irte', controller: 'amd-ir', name: 'AMD-Vi interrupt remapping', message: 'unchanged', messageProves: false, source: 'drivers/iommu/amd/iommu.c amd_ir_set_affinity (IRTE only)' },
  'riscv-imsic': { id: 'imsic-page', controller: 'riscv-imsic', name: 'RISC-V AIA IMSIC', message: 'imsic-page', messageProves: true, source: 'drivers/irqchip/irq-riscv-imsic-platform.c imsic_irq_set_affinity (new vector, message rewritten)' },
  unknown: { id: 'unknown', controller: 'unknown', name: 'unknown interrupt controller', message: 'unchanged', messageProves: false, source: 'no rule: the controller is not known' },
};

/**
 * What Doorbell read about an IRQ before moving it. write_irq_affinity (kernel/irq/proc.c) refuses
 * any write when irq_can_set_affinity_usr() is false — IRQD_AFFINITY_MANAGED, IRQD_PER_CPU,
 * IRQD_NO_BALANCING, or a chip without irq_set_affinity — with EPERM since 6.12 and EIO before;
 * since 6.12 register_irq_proc also creates smp_affinity{,_list} without S_IWUSR for those IRQs
 * (as they are when first requested). its_set_affinity (drivers/irqchip/irq-gic-v3-its.c) refuses
 * an IRQD_FORWARDED_TO_VCPU interrupt (a GICv4 vLPI) with EINVAL. null: not known; `evidence` says
 * what was read.
 */
export interface IrqMoveFacts {
  managed: boolean | null;
  /** IRQD_PER_CPU or IRQD_NO_BALANCING. */
  noBalancing: boolean | null;
  forwardedToVcpu: boolean | null;
  /** smp_affinity_list has no owner-write bit (only 6.12+ create it so). */
  readOnly: boolean | null;
  evidence: string[];
}

/** Before 6.12 write_irq_affinity answered EIO where it now answers EPERM (unknown release: EPERM). */
export function notSettableErrno(kernelRelease?: string | null): 'EPERM' | 'EIO' {
  const m = /^(\d+)\.(\d+)/.exec(kernelRelease ?? '');
  if (!m) return 'EPERM';
  const a = Number(m[1]), b = Number(m[2]);
  return a > 6 || (a === 6 && b >= 12) ? 'EPERM' : 'EIO';
}

const en = (name: string): string => `${name}${name in ERRNO ? ` (${ERRNO[name as keyof typeof ERRNO]})` : ''}`;

const MANAGED_HINT = 'Move a vector that is not managed (VFIO vectors never are), or change how the driver spreads its queues (its queue-count parameter; isolcpus=managed_irq,CPUS keeps managed vectors off isolated CPUs).';
const VLPI_HINT = 'A forwarded vLPI follows its vCPU: pin the VMM\'s vCPU thread (taskset, cgroup cpuset) instead. To move it on the host, the VMM must stop forwarding it first (unmap the vLPI).';

/**
 * A refusal Doorbell can give before writing, from facts it read (null: nothing it read rules the
 * write out; the kernel's answer, if any, is explained after the write).
 */
export function refusalBeforeWrite(irq: number, f: IrqMoveFacts | null | undefined, kernelRelease?: string | null):
  { errno: string; headline: string; explanation: string; hint: string; evidence: string[] } | null {
  if (!f) return null;
  const eno = notSettableErrno(kernelRelease);
  const would = `write_irq_affinity (kernel/irq/proc.c) would answer ${en(eno)}${eno === 'EIO' ? ' (EPERM (1) since 6.12)' : ''}`;
  const evidence = [...f.evidence, 'nothing was written'];
  if (f.managed) {
    return {
      errno: eno, evidence,
      headline: `refused before writing: IRQ ${irq} is kernel-managed`,
      explanation: `IRQ ${irq} has kernel-managed affinity (IRQD_AFFINITY_MANAGED): its driver allocated the vectors with PCI_IRQ_AFFINITY, so the kernel spread them over the CPUs and keeps each on its CPUs (when all of them go offline the vector is shut down, not moved: kernel/irq/cpuhotplug.c). User space cannot set it (irq_can_set_affinity_usr() is false): ${would}, so Doorbell did not write.`,
      hint: MANAGED_HINT,
    };
  }
  if (f.forwardedToVcpu) {
    return {
      errno: 'EINVAL', evidence,
      headline: `refused before writing: IRQ ${irq} is forwarded to a vCPU (GICv4 vLPI)`,
      explanation: `IRQ ${irq} is delivered straight to a vCPU as a virtual LPI (IRQD_FORWARDED_TO_VCPU): its affinity is the vCPU's, and the ITS moves it with VMOVP when the vCPU runs elsewhere. its_set_affinity (drivers/irqchip/irq-gic-v3-its.c) refuses a host move of it with ${en('EINVAL')}, so Doorbell did not write.`,
      hint: VLPI_HINT,
    };
  }
  if (f.noBalancing) {
    return {
      errno: eno, evidence,
      headline: `refused before writing: IRQ ${irq} is per-CPU or marked no-balancing`,
      explanation: `IRQ ${irq} is per-CPU or was requested with IRQF_NOBALANCING (IRQD_PER_CPU / IRQD_NO_BALANCING): user space cannot set its affinity (irq_can_set_affinity_usr() is false), ${would}, so Doorbell did not write.`,
      hint: 'Its driver fixes where it runs. Move another vector.',
    };
  }
  if (f.readOnly) {
    return {
      errno: eno, evidence,
      headline: `refused before writing: IRQ ${irq}'s affinity is not settable from user space`,
      explanation: `/proc/irq/${irq}/smp_affinity_list has no write permission: since 6.12 the kernel creates it so when irq_can_set_affinity_usr() is false at the IRQ's first request — a managed, per-CPU or no-balancing IRQ, or a chip that cannot set affinity (kernel/irq/proc.c register_irq_proc). ${would[0]!.toUpperCase()}${would.slice(1)}, so Doorbell did not write.`,
      hint: `To see which, read /sys/kernel/debug/irq/irqs/${irq} (dstate) as root with debugfs mounted. ${MANAGED_HINT}`,
    };
  }
  return null;
}

export interface RefusalContext {
  /** The mask that was written, and the CPUs online then (an EINVAL for a mask holding an online CPU is the controller's). */
  requested?: readonly number[];
  online?: readonly number[] | null;
  controller?: ControllerKind;
  facts?: IrqMoveFacts | null;
}

/** What each refusal of write_irq_affinity (kernel/irq/proc.c) means. */
export function refusalText(errno: string, kernelRelease?: string | null, ctx: RefusalContext = {}): { headline: string; explanation: string; hint: string } {
  // Said when the kernel refused what Doorbell's own reading did not predict.
  const unread = ctx.facts && ctx.facts.managed !== true && ctx.facts.evidence.length > 0 ? ` Before writing, Doorbell read: ${ctx.facts.evidence.join('; ')}.` : '';
  switch (errno) {
    case 'EPERM':
      return {
        headline: 'refused: this IRQ\'s affinity is not settable (managed IRQ)',
        explanation: `The kernel answered ${en('EPERM')}: the IRQ is managed (the driver asked for kernel-spread affinity, PCI_IRQ_AFFINITY), per-CPU, or marked no-balancing; since 6.12 its affinity files are created read-only (kernel/irq/proc.c write_irq_affinity, irq_can_set_affinity_usr).${unread}`,
        hint: `Managed vectors follow CPU hotplug only. ${MANAGED_HINT}`,
      };
    case 'EIO':
      return {
        headline: 'refused: this IRQ\'s affinity is not settable (managed IRQ, kernel before 6.12)',
        explanation: `The kernel answered ${en('EIO')}, which kernels before 6.12 return for a managed, per-CPU or no-balancing IRQ (kernel/irq/proc.c write_irq_affinity)${kernelRelease ? `; this kernel is ${kernelRelease}` : ''}.${unread}`,
        hint: `Managed vectors follow CPU hotplug only. ${MANAGED_HINT}`,
      };
    case 'EINVAL': {
      if (ctx.facts?.forwardedToVcpu) {
        return {
          headline: 'refused: the vector is forwarded to a vCPU (GICv4 vLPI)',
          explanation: `The kernel answered ${en('EINVAL')}: the interrupt is a virtual LPI delivered to a vCPU (IRQD_FORWARDED_TO_VCPU), and its_set_affinity (drivers/irqchip/irq-gic-v3-its.c) refuses to move it from the host.`,
          hint: VLPI_HINT,
        };
      }
      const req = ctx.requested ?? [];
      const online = ctx.online ? new Set(ctx.online) : null;
      if (online && req.length > 0 && !req.some((c) => online.has(c))) {
        return {
          headline: 'refused: the mask has no online CPU',
          explanation: `The kernel answered ${en('EINVAL')}: none of CPU ${req.join(',')} is online, and write_irq_affinity (kernel/irq/proc.c) refuses a mask that targets no online CPU.`,
          hint: `Include at least one online CPU (online now: ${[...online].sort((a, b) => a - b).join(',') || 'none'}; /sys/devices/system/cpu/online).`,
        };
      }
      if (online && req.some((c) => online.has(c))) {
        const its = ctx.controller === 'gic-its';
        return {
          headline: 'refused: the interrupt controller would not move this vector',
          explanation: `The kernel answered ${en('EINVAL')} for a mask with online CPU ${req.filter((c) => online.has(c)).join(',')}, so write_irq_affinity accepted the mask and the refusal came from irq_set_affinity, i.e. the ${ctx.controller && ctx.controller !== 'unknown' ? CONTROLLER_RULES[ctx.controller].name : 'interrupt controller'}'s irq_set_affinity callback${its ? ': its_set_affinity refuses a vLPI forwarded to a vCPU (GICv4), which is what it answers EINVAL for' : ''}.`,
          hint: its ? `If the device is passed through to a guest with GICv4, the vector follows its vCPU: ${VLPI_HINT}` : 'See the kernel log (dmesg) for the controller\'s reason.',
        };
      }
      return {
        headline: 'refused: the mask has no online CPU, or the controller refused it',
        explanation: `The kernel answered ${en('EINVAL')}: either the CPU list holds no online CPU (kernel/irq/proc.c write_irq_affinity), or the controller refused the move (GICv3 ITS refuses a vLPI forwarded to a vCPU, irq-gic-v3-its.c its_set_affinity). Which CPUs were online is not known here.`,
        hint: 'Check that the list holds an online CPU (/sys/devices/system/cpu/online); if it does, see the kernel log (dmesg) for the controller\'s reason.',
      };
    }
    case 'ERANGE':
    case 'EOVERFLOW':
      return {
        headline: 'refused: the CPU list is out of range',
        explanation: `The kernel answered ${en(errno)}: the list names a CPU past nr_cpu_ids (lib/bitmap-str.c bitmap_parselist).`,
        hint: 'Use CPU numbers below the number of possible CPUs.',
      };
    case 'ENOSPC':
      return {
        headline: 'refused: no free interrupt vector on the target CPU',
        explanation: `The kernel answered ${en('ENOSPC')}: the target CPUs have no free vector left (x86 vector matrix exhaustion, arch/x86/kernel/apic/vector.c assign_vector_locked).`,
        hint: 'Pick CPUs with fewer interrupts, or spread the device\'s vectors over more CPUs.',
      };
    case 'EACCES':
      return {
        headline: 'refused: not allowed to write /proc/irq (not root)',
        explanation: `The write was refused with ${en('EACCES')}: /proc/irq/N/smp_affinity_list is 0644 owned by root.`,
        hint: 'Run Doorbell as root (or via sudo) to change affinities.',
      };
    case 'EBUSY':
      return {
        headline: 'refused: a previous move of this vector is still in flight',
        explanation: `The kernel answered ${en('EBUSY')}: the controller has a move of this vector pending (IMSIC moves complete at the next interrupt).`,
        hint: 'Let the device interrupt once, then try again.',
      };
    default:
      return {
        headline: `refused: the kernel answered ${errno}`,
        explanation: `irq_set_affinity() returned ${en(errno)}, passed through by write_irq_affinity (kernel/irq/proc.c).`,
        hint: 'See the kernel log (dmesg) for the controller\'s reason.',
      };
  }
}

function sameMsg(a: MsiMessage, b: MsiMessage): boolean {
  try { return big(a.address) === big(b.address) && (a.data >>> 0) === (b.data >>> 0); } catch { return false; }
}

function fmtMsg(m: MsiMessage): string {
  return `address ${m.address} data 0x${(m.data >>> 0).toString(16)}`;
}

function list(cpus: readonly number[] | null): string {
  return cpus === null ? '?' : cpus.length === 0 ? '(none)' : cpus.join(',');
}

function pageHolding(pages: readonly DoorbellPage[], address: Hex): DoorbellPage | null {
  let a: bigint;
  try { a = big(address); } catch { return null; }
  return pages.find((p) => a >= big(p.start) && a <= big(p.last)) ?? null;
}

/** Judge one move. */
export function judgeMove(o: MoveObservation): AffinityVerdict {
  const rule = CONTROLLER_RULES[o.controller];
  const ev: string[] = [];
  ev.push(`wrote ${o.requested.join(',')} to /proc/irq/${o.irq}/smp_affinity_list`);
  if (!o.write.ok) {
    const t = refusalText(o.write.errno, o.kernelRelease, { requested: o.requested, online: o.online ?? null, controller: o.controller, facts: o.facts ?? null });
    // The write's own message names the errno where it has one; it is said once.
    const m = o.write.message;
    ev.push(`${m && m.includes(o.write.errno) ? `the kernel refused the write: ${m}` : `the kernel answered ${en(o.write.errno)}${m ? ` (${m})` : ''}`}; nothing changed`);
    return { kind: 'refused', ...t, evidence: ev, errno: o.write.errno, rule: null };
  }
  const a = o.after, b = o.before;
  ev.push(`requested affinity reads back ${list(a.affinity)} (was ${list(b.affinity)}); effective ${list(a.effective)} (was ${list(b.effective)})`);
  const mk = (kind: VerdictKind, headline: string, explanation: string, hint: string): AffinityVerdict =>
    ({ kind, headline, explanation, hint, evidence: ev, errno: null, rule: rule.id });

  const eff = a.effective;
  const outside = eff === null ? [] : eff.filter((c) => !o.requested.includes(c));
  const m0 = b.message ?? b.cached, m1 = a.message ?? a.cached;
  // Wrong regardless of whether the move has completed: the message broke a rule that holds at all times.
  const changedUnchanged = rule.message === 'unchanged' && m0 !== null && m1 !== null && !sameMsg(m0, m1);
  const lostMessage = (): AffinityVerdict => {
    ev.push(`message changed from ${fmtMsg(m0!)} to ${fmtMsg(m1!)}`);
    return mk('wrong', 'moved but the message is wrong',
      `${rule.name} must not change the message on an affinity move (${rule.source}), yet the device's address or data changed: the rewrite recomposed the message, so a userspace-provided doorbell address (per-vector IOVA) was lost and the device now writes to ${m1!.address}.`,
      'Rewrite the vector with the userspace-provided address (re-run the VMM\'s per-vector setup) and report the kernel bug: any rewrite must keep the userspace address.');
  };
  const unmappedPage = rule.message === 'imsic-page' && o.doorbells && m1 !== null && pageHolding(o.doorbells, m1.address) === null;
  const unmapped = (): AffinityVerdict => {
    ev.push(`address ${m1!.address} is inside no mapped doorbell page`);
    return mk('wrong', 'moved but the message is wrong',
      `The IMSIC move rewrote the address to ${m1!.address}, which is not a mapped interrupt-file page of this device's address space: the device's write will fault in the IOMMU and the interrupt is lost. If the address is the hart's physical page, the rewrite dropped the userspace-provided IOVA.`,
      'Map every hart\'s IMSIC page in the IOAS (or fix the rewrite to use the userspace-provided IOVA), then move the vector again.');
  };
  if (a.pending || (eff !== null && (eff.length === 0 || outside.length > 0))) {
    if (changedUnchanged) return lostMessage();
    if (unmappedPage) return unmapped();
    // Remapping updates the IRTE synchronously (intel_ir_set_affinity), even while the vector move is in flight.
    const d = a.decoded;
    const irte = d && (d.kind === 'intel-remap' || d.kind === 'amd-remap') ? d.irteTargetApicId : null;
    if (irte !== null && irte !== undefined) {
      const cpu = apicToCpu(irte, o.apicIds, ev);
      if (cpu === null || !o.requested.includes(cpu)) {
        ev.push(`the IRTE still targets APIC ${irte}${cpu !== null ? ` (CPU ${cpu})` : ''}, outside the requested ${o.requested.join(',')}; the move can never complete`);
        return mk('wrong', 'moved but the interrupt remapping entry is stale',
          `The IRTE the message points at still targets APIC ${irte}: interrupts keep landing on the old CPU and the kernel's move stays in progress forever (${rule.source}).`,
          'The IRTE update or its invalidation was lost: check the IOMMU driver (interrupt entry cache flush); moving the vector again rewrites the IRTE.');
      }
    }
    const f0 = o.fire;
    if (f0.kind === 'fired') {
      const rose0 = f0.delta.map((n, cpu) => ({ n, cpu })).filter((x) => x.n > 0);
      if (rose0.length > 0 && rose0.every((x) => !o.requested.includes(x.cpu))) {
        ev.push(`fired the vector after the move: counts rose only on CPU ${rose0.map((x) => `${x.cpu} (+${x.n})`).join(', ')}, and the move is still in progress`);
        return mk('wrong', 'moved but interrupts still arrive on the old CPU',
          `The kernel took the new mask, but interrupts are still delivered to CPU ${rose0.map((x) => x.cpu).join(',')} and the move never completes: the hardware was never retargeted.`,
          'Move the vector again; if the counts still land on the old CPU, report the controller driver.');
      }
    }
    ev.push(a.pending && outside.length === 0 && eff !== null && eff.length > 0
      ? `the kernel reports the move still in progress (effective ${list(eff)}): the old target stays live until the next interrupt`
      : `effective affinity ${list(eff)} is not inside the requested ${o.requested.join(',')}: the move is pending`);
    return mk('pending', 'accepted but not effective yet',
      `The kernel took the new mask, but the hardware still targets CPU ${list(eff)}. Moves on ${rule.name} complete at the next interrupt of this vector (deferred move), or the controller kept the old target.`,
      'Let the device interrupt (or fire it) and refresh; if it stays pending, the controller never finished the move.');
  }
  if (eff === null) ev.push('effective affinity cannot be read (no CONFIG_GENERIC_IRQ_EFFECTIVE_AFF_MASK on this kernel?)');

  // The controller's rule on the message.
  ev.push(`controller: ${rule.name} — rule: ${rule.source}`);
  let messageProof = false;
  if (a.message && a.cached && !sameMsg(a.message, a.cached)) {
    ev.push(`the device holds ${fmtMsg(a.message)} but the kernel composed ${fmtMsg(a.cached)}`);
  }
  if (!m1) {
    ev.push('the message after the move cannot be read (MSI-X table not readable, no debugfs)');
  } else if (rule.message === 'unchanged') {
    if (!m0) ev.push(`message now ${fmtMsg(m1)}; the message before the move was not readable, so "unchanged" cannot be checked`);
    else if (changedUnchanged) return lostMessage();
    else ev.push(`message unchanged (${fmtMsg(m1)}), as ${rule.name} requires — which alone does not prove the move`);
    // IR: the IRTE target (debugfs) is the proof.
    const d = a.decoded;
    const target = d && (d.kind === 'intel-remap' || d.kind === 'amd-remap') ? d.irteTargetApicId : null;
    if ((o.controller === 'intel-ir' || o.controller === 'amd-ir') && eff !== null) {
      if (target === null) ev.push('the IRTE target cannot be read (needs debugfs), so the message cannot prove the move');
      else {
        const cpu = apicToCpu(target, o.apicIds, ev);
        if (cpu === null || !eff.includes(cpu)) {
          ev.push(`the IRTE still targets APIC ${target}${cpu !== null ? ` (CPU ${cpu})` : ''}, outside effective ${list(eff)}`);
          return mk('wrong', 'moved but the interrupt remapping entry is stale',
            `The kernel reports effective CPU ${list(eff)}, but the IRTE the message points at still targets APIC ${target}: interrupts keep landing on the old CPU (${rule.source}).`,
            'The IRTE update or its invalidation was lost: check the IOMMU driver (interrupt entry cache flush); moving the vector again rewrites the IRTE.');
        }
        ev.push(`IRTE target APIC ${target} is CPU ${cpu}, inside effective ${list(eff)}`);
        messageProof = true;
      }
    }
  } else if (rule.message === 'x86-destination') {
    const d = a.decoded;
    if (!d || d.kind !== 'x86-compat') {
      ev.push(`message ${fmtMsg(m1)} is not an x86 compatibility-format interrupt message`);
      return mk('wrong', 'moved but the message is wrong',
        `After the move the vector's address ${m1.address} is not in the x86 interrupt window 0xFEExxxxx (arch/x86/include/asm/msi.h): the device's write will not raise an interrupt.`,
        'Re-enable the vector so the kernel recomposes the message; report the driver or kernel that wrote this address.');
    }
    const cpu = apicToCpu(d.destApicId, o.apicIds, ev);
    if (eff !== null && (cpu === null || !eff.includes(cpu))) {
      ev.push(`message ${fmtMsg(m1)} targets APIC ${d.destApicId}${cpu !== null ? ` (CPU ${cpu})` : ''}, outside effective ${list(eff)}`);
      return mk('wrong', 'moved but the message is wrong',
        `The kernel reports effective CPU ${list(eff)}, but the device's message still names APIC ${d.destApicId}: on x86 without remapping the destination lives in the address, and msi_set_affinity must rewrite it (${rule.source}).`,
        'Refresh once: if it persists, the rewrite never reached the device (a masked or stale MSI-X table).');
    }
    if (eff !== null) {
      ev.push(`message ${fmtMsg(m1)} names APIC ${d.destApicId} = CPU ${cpu}, inside effective ${list(eff)}`);
      messageProof = true;
    }
  } else {
    // IMSIC: the address must be a mapped interrupt-file page of a hart in the effective mask.
    if (!o.doorbells) ev.push('the IMSIC pages of this address space are not known, so the new address cannot be checked');
    else {
      const page = pageHolding(o.doorbells, m1.address);
      if (!page) return unmapped();
      const hartCpu = page.hart === undefined ? null : o.hartToCpu?.[page.hart] ?? page.hart;
      if (eff !== null && (hartCpu === null || !eff.includes(hartCpu))) {
        ev.push(`address ${m1.address} is the page of hart ${page.hart ?? '?'}, outside effective ${list(eff)}`);
        return mk('wrong', 'moved but the message is wrong',
          `The address ${m1.address} is the interrupt file of hart ${page.hart ?? '?'}, but the kernel reports effective CPU ${list(eff)}: the message was not rewritten for the new hart.`,
          'Refresh once (IMSIC moves are deferred); if it persists, the rewrite never reached the device.');
      }
      if (eff !== null) {
        ev.push(`address ${m1.address} is the mapped page of hart ${page.hart}, inside effective ${list(eff)}`);
        messageProof = true;
      }
    }
  }

  // Fire, and watch the count land.
  const f = o.fire;
  const watched = f.kind === 'fired' || f.kind === 'observed' ? f : null;
  const rose = watched ? watched.delta.map((d, cpu) => ({ d, cpu })).filter((x) => x.d > 0) : [];
  if (f.kind === 'observed' && rose.length === 0) ev.push(`watched the device's own traffic for ${f.ms} ms: no interrupt arrived`);
  if (watched && eff !== null && (f.kind === 'fired' || rose.length > 0)) {
    const onEff = rose.filter((x) => eff.includes(x.cpu));
    const elsewhere = rose.filter((x) => !eff.includes(x.cpu));
    const how = f.kind === 'observed' ? `the device's own traffic (${f.ms} ms)` : 'the test interrupt';
    if (rose.length === 0) {
      ev.push('fired the vector: no count rose on any CPU');
      return mk(messageProof ? 'verified' : 'unconfirmed', messageProof ? 'moved and verified (message), but the test interrupt was not counted' : 'moved, unconfirmed: the test interrupt was not delivered',
        'Doorbell made the device interrupt but no CPU counted it: the vector may be masked, have no handler, or the message may fault before it reaches a doorbell.',
        'Check the vector is unmasked and has an eventfd or handler; see the checks for an unmapped doorbell.');
    }
    ev.push(`${f.kind === 'observed' ? `watched the device's own traffic for ${f.ms} ms` : 'fired the vector'}: counts rose on CPU ${rose.map((x) => `${x.cpu} (+${x.d})`).join(', ')}`);
    if (onEff.length === 0) {
      return mk('wrong', 'moved but interrupts still arrive on the old CPU',
        `The kernel reports effective CPU ${list(eff)}, but ${how} was counted on CPU ${elsewhere.map((x) => x.cpu).join(',')}: the hardware was never retargeted${o.controller === 'gic-its' ? ' (a lost MOVI: the event is still mapped to the old collection)' : o.controller === 'intel-ir' || o.controller === 'amd-ir' ? ' (a stale IRTE)' : ''}.`,
        'Move the vector again; if the counts still land on the old CPU, report the controller driver.');
    }
    return mk('verified', 'moved and verified', `${how[0]!.toUpperCase()}${how.slice(1)} was counted on CPU ${onEff.map((x) => x.cpu).join(',')}, inside the effective affinity${elsewhere.length > 0 ? ` (and on CPU ${elsewhere.map((x) => x.cpu).join(',')} while the move completed)` : ''}.`, 'Nothing to do.');
  }
  if (f.kind === 'unavailable') ev.push(`cannot make the device interrupt here: ${f.why}`);
  else if (f.kind === 'failed') ev.push(`firing the vector failed: ${f.why}`);
  if (messageProof) return mk('verified', 'moved and verified', `The re-read ${o.controller === 'riscv-imsic' || o.controller === 'x86-vector' ? 'message' : 'IRTE'} targets the new effective CPU (${rule.name}).`, 'Nothing to do.');
  return mk('unconfirmed', 'moved, unconfirmed',
    rule.message === 'unchanged'
      ? `The kernel took the move and reports effective CPU ${list(eff)}. ${rule.name} keeps the message unchanged, so the message cannot prove the move; only an interrupt counted on the new CPU can.`
      : `The kernel took the move and reports effective CPU ${list(eff)}, but the new message could not be read or checked.`,
    'Generate traffic on the device (or fire it from a VFIO lab) and watch the counts move to the new CPU.');
}

function apicToCpu(apic: number, map: Record<number, number> | null | undefined, ev: string[]): number | null {
  if (!map || Object.keys(map).length === 0) {
    ev.push(`APIC IDs of the CPUs are not known; assuming APIC ID ${apic} = CPU ${apic}`);
    return apic;
  }
  for (const [cpu, id] of Object.entries(map)) if (id === apic) return Number(cpu);
  return null;
}

/** One affinity edit as the LabApi and the CLI report it. */
export interface EditResult {
  /** The journal record of the change (null when nothing was written). */
  changeId: string | null;
  bdf: string;
  index: number;
  irq: number | null;
  requested: string;
  before: { affinity: string | null; effective: string | null };
  after: { affinity: string | null; effective: string | null; pending: boolean };
  verdict: AffinityVerdict;
  /** e.g. irqbalance running and likely to undo the change. */
  warnings: string[];
}

export type RecoveryAction = 'restore' | 'nothing-to-do' | 'changed-elsewhere' | 'gone';

/** Outstanding journaled changes of one IRQ, and what a restore would do with them. */
export interface RecoveryItem {
  irq: number;
  bdf: string;
  index: number;
  /** The mask before Doorbell's first outstanding change, and the last one it wrote. */
  original: string;
  lastWritten: string;
  current: string | null;
  action: RecoveryAction;
  why: string;
  changes: string[];
  /** An intent without a result: a Doorbell process died in the middle of this edit. */
  interrupted: boolean;
  /**
   * Who made the changes: 'ended' when any was made by a Doorbell process no longer running (a
   * crash, a kill, a closed window, a finished CLI command) — only these are offered at start;
   * 'this' when all are this core's (its Undo covers them); 'other' for another running Doorbell.
   */
  run: 'this' | 'other' | 'ended';
}

export interface RestoreOutcome extends RecoveryItem {
  result: EditResult | null;
}

/** Lines of the journal file that could not be read as records: never dropped, always said. */
export interface JournalDamage {
  file: string;
  /** Unreadable lines in all. */
  count: number;
  /** The first of them (at most 20), with why. */
  lines: { line: number; reason: string }[];
  /** No line of the file is a Doorbell record: it is some other file. */
  notJournal: boolean;
  /** "the journal at PATH has N unreadable lines (first at line L: reason)…" */
  message: string;
  /** What to do. */
  hint: string;
}

/** A journal entry as the UI lists it. */
export interface JournalEntry {
  id: string;
  at: number;
  /** Lab the change was made on (`linux`, `sim:…`). */
  lab: string;
  bdf: string;
  index: number;
  /** Recorded beside BDF and index: IRQ numbers are reused after a rebind or reboot. */
  irq: number;
  /** smp_affinity_list before and after, in the kernel's list form. */
  old: string;
  new: string;
  /** What asked for it: `set`, `spread`, `pin`, `undo`, `restore`. */
  why: string;
  result: { ok: boolean; errno: string | null; verdict: string | null; headline: string | null } | null;
  closed: { how: string; note: string } | null;
}
