// SPDX-License-Identifier: MIT
// The rules. Each names where it can be evaluated: a rule that cannot run on this lab says why,
// it never passes by default.
import { formatCpuList } from '../cpulist.js';
import { big } from '../model/hex.js';
import type { AddressSpace, DeviceVectors, MsiMessage, VectorRow } from '../model/index.js';
import { predictAttach, predictMap } from './predict.js';
import type { Applicability, CheckInput, CheckRule, Finding } from './types.js';

const OK: Applicability = { ok: true };
const no = (why: string): Applicability => ({ ok: false, why });

/** The message the device holds, else the kernel's cached one. */
function msgOf(v: VectorRow): { m: MsiMessage; src: string } | null {
  if (v.message.ok) return { m: v.message.value, src: v.message.from.source };
  if (v.cachedMessage.ok) return { m: v.cachedMessage.value, src: `${v.cachedMessage.from.source} (cached)` };
  return null;
}

function allocated(dv: DeviceVectors): VectorRow[] {
  return dv.vectors.filter((v) => v.irq !== null);
}

/** A space's vector markers by BDF and index (a 2048-vector device has 2048 markers per space). */
const markerIndex = new WeakMap<AddressSpace, Map<string, AddressSpace['vectors'][number]>>();
function markerOf(s: AddressSpace, bdf: string, index: number): AddressSpace['vectors'][number] | undefined {
  let m = markerIndex.get(s);
  if (!m) {
    m = new Map();
    for (const x of s.vectors) { const k = `${x.bdf}/${x.index}`; if (!m.has(k)) m.set(k, x); }
    markerIndex.set(s, m);
  }
  return m.get(`${bdf}/${index}`);
}

function spacesOf(input: CheckInput, bdf: string): AddressSpace[] {
  // `unavailable` marks a space read only in part (e.g. mappings another process made): its doorbells still count.
  return input.spaces.filter((s) => s.devices.includes(bdf));
}

const X86 = new Set(['x86-vector', 'intel-ir', 'amd-ir']);
const X86_WINDOW = { start: 0xfee00000n, last: 0xfeefffffn };

function feature(input: CheckInput, id: string): 'yes' | 'no' | 'unknown' | null {
  return input.lab?.features.find((f) => f.id === id)?.state ?? null;
}

function vsub(dv: DeviceVectors, v: VectorRow) {
  return { bdf: dv.bdf, index: v.index, irq: v.irq };
}

function apicCpu(input: CheckInput, apic: number): { cpu: number | null; note: string | null } {
  const map = input.apicIds;
  if (!map || Object.keys(map).length === 0) return { cpu: apic, note: `APIC IDs unknown; APIC ${apic} assumed to be CPU ${apic}` };
  for (const [cpu, id] of Object.entries(map)) if (id === apic) return { cpu: Number(cpu), note: null };
  return { cpu: null, note: `APIC ${apic} is no CPU's APIC ID` };
}

export const vectorOutsideDoorbell: CheckRule = {
  id: 'vector-outside-doorbell',
  title: 'Vector address outside every doorbell mapping',
  severity: 'error',
  explanation: 'A device raises an MSI by writing its message address; behind an IOMMU that address is an IOVA that must translate to a doorbell (ITS GITS_TRANSLATER page, IMSIC interrupt file, the x86 0xFEE window). An address no doorbell mapping covers faults in the IOMMU and the interrupt is lost.',
  hint: 'Map the doorbell page at the vector\'s address (or rewrite the vector to the mapped doorbell IOVA); on upstream kernels check the msi reserved region and the SW_MSI window.',
  where: 'devices with an address space (IOAS or IOMMU group) whose doorbells are known; x86 vectors anywhere (the 0xFEE window is architectural)',
  source: 'domain.md §5, §5.1 (iommu_dma_prepare_msi, msi_msg_set_addr); arch/x86/include/asm/msi.h',
  applies(input) {
    const withMsg = input.vectors.flatMap((dv) => allocated(dv).filter((v) => msgOf(v) !== null).map((v) => ({ dv, v })));
    if (withMsg.length === 0) return no('no vector\'s message is readable (MSI-X table not mappable, no IRQ debugfs, or not root)');
    return withMsg.some(({ dv, v }) => X86.has(v.controller) || spacesOf(input, dv.bdf).length > 0)
      ? OK : no('the doorbells of these vectors are not known (no IOMMU address space, and not the architectural x86 window)');
  },
  run(input) {
    const out: Finding[] = [];
    for (const dv of input.vectors) {
      const spaces = spacesOf(input, dv.bdf);
      for (const v of allocated(dv)) {
        const mm = msgOf(v);
        if (!mm) continue;
        const addr = big(mm.m.address);
        const ev = [`message ${mm.m.address} data 0x${(mm.m.data >>> 0).toString(16)} (${mm.src})`];
        if (spaces.length > 0) {
          for (const s of spaces) {
            const marker = markerOf(s, dv.bdf, v.index);
            let why: string | null = null;
            if (marker) {
              if (!marker.hits.ok) why = marker.hits.why;
            } else if (!s.doorbells.some((d) => addr >= big(d.start) && addr <= big(d.last))) {
              why = `${mm.m.address} is inside none of the ${s.doorbells.length} doorbell page(s) of ${s.label}`;
            }
            if (why !== null) {
              out.push({
                rule: this.id, severity: this.severity, title: this.title, subject: { ...vsub(dv, v), space: s.id },
                message: `vector ${v.index} (IRQ ${v.irq}) of ${dv.bdf} writes to ${mm.m.address}: ${why}`,
                explanation: this.explanation, hint: this.hint,
                evidence: [...ev, `address space ${s.id}: doorbells ${s.doorbells.map((d) => `${d.start}–${d.last} (${d.mappedBy})`).join(', ') || 'none'}`],
              });
            }
          }
        } else if (X86.has(v.controller) && (addr < X86_WINDOW.start || addr > X86_WINDOW.last)) {
          out.push({
            rule: this.id, severity: this.severity, title: this.title, subject: vsub(dv, v),
            message: `vector ${v.index} (IRQ ${v.irq}) of ${dv.bdf} writes to ${mm.m.address}, outside the x86 interrupt window 0xfee00000–0xfeefffff`,
            explanation: this.explanation, hint: this.hint, evidence: ev,
          });
        }
      }
    }
    return out;
  },
};

export const targetOutsideEffective: CheckRule = {
  id: 'target-outside-effective',
  title: 'Decoded target CPU not in the effective affinity',
  severity: 'error',
  explanation: 'The kernel reports the CPU an interrupt goes to as effective_affinity; the message (x86 without remapping: destination APIC in the address; IMSIC: the hart page) or the IRTE (x86 with remapping) is what the hardware obeys. When they disagree, interrupts land where the kernel does not expect them.',
  hint: 'Move the vector again to make the kernel rewrite the message/IRTE; if it persists, the rewrite is lost (stale MSI-X entry or IRTE cache) — report the controller driver.',
  where: 'x86 without remapping and RISC-V IMSIC (target in the message); x86 with remapping when debugfs shows the IRTE target; not GIC ITS (the target collection is not in the message)',
  source: 'domain.md §5; arch/x86/kernel/apic/msi.c; drivers/iommu/intel/irq_remapping.c; irq-riscv-imsic-platform.c',
  applies(input) {
    for (const dv of input.vectors) {
      for (const v of allocated(dv)) {
        if (!v.effective.ok) continue;
        const d = v.decoded;
        if (d.kind === 'x86-compat' || (d.kind === 'imsic' && d.hart !== null)) return OK;
        if ((d.kind === 'intel-remap' || d.kind === 'amd-remap') && d.irteTargetApicId !== null) return OK;
      }
    }
    const kinds = new Set(input.vectors.flatMap((dv) => allocated(dv).map((v) => v.decoded.kind)));
    if (kinds.has('its') || kinds.has('v2m')) return no('GIC ITS/v2m messages carry no CPU (the ITS collection or the distributor routes them): fire the vector to see where it lands');
    if (kinds.has('intel-remap') || kinds.has('amd-remap')) return no('the IRTE target is not readable (needs /sys/kernel/debug/irq, CONFIG_GENERIC_IRQ_DEBUGFS, root)');
    return no('no vector has both a decoded target and a readable effective affinity');
  },
  run(input) {
    const out: Finding[] = [];
    for (const dv of input.vectors) {
      for (const v of allocated(dv)) {
        if (!v.effective.ok) continue;
        const eff = v.effective.value;
        const d = v.decoded;
        // A pending move legitimately still has the old target in the message (x86 compat, IMSIC); the
        // IRTE, though, is rewritten synchronously by intel_ir_set_affinity, so it is checked regardless.
        if (v.pending && d.kind !== 'intel-remap' && d.kind !== 'amd-remap') continue;
        let target: { cpu: number | null; what: string; note: string | null } | null = null;
        if (d.kind === 'x86-compat') { const c = apicCpu(input, d.destApicId); target = { cpu: c.cpu, what: `message destination APIC ${d.destApicId}`, note: c.note }; }
        else if ((d.kind === 'intel-remap' || d.kind === 'amd-remap') && d.irteTargetApicId !== null) { const c = apicCpu(input, d.irteTargetApicId); target = { cpu: c.cpu, what: `IRTE target APIC ${d.irteTargetApicId} (debugfs)`, note: c.note }; }
        else if (d.kind === 'imsic' && d.hart !== null) target = { cpu: d.hart, what: `IMSIC page ${d.page} of hart ${d.hart}`, note: null };
        if (!target) continue;
        if (target.cpu !== null && eff.includes(target.cpu)) continue;
        out.push({
          rule: this.id, severity: this.severity, title: this.title, subject: vsub(dv, v),
          message: `vector ${v.index} (IRQ ${v.irq}) of ${dv.bdf}: ${target.what}${target.cpu !== null ? ` = CPU ${target.cpu}` : ''}, but effective affinity is ${formatCpuList(eff)}`,
          explanation: this.explanation, hint: this.hint,
          evidence: [target.what, `effective_affinity_list ${formatCpuList(eff)}`, ...(target.note ? [target.note] : [])],
        });
      }
    }
    return out;
  },
};

export const countsOutsideEffective: CheckRule = {
  id: 'counts-outside-effective',
  title: 'Interrupts counted outside the effective affinity',
  severity: 'warning',
  explanation: 'Since the previous refresh this vector was counted on CPUs outside its effective affinity: the hardware still targets another CPU (a lost ITS MOVI, a stale IRTE, a message the rewrite never reached).',
  hint: 'Fire the vector once more; if the counts keep landing outside, move it again and report the controller driver.',
  where: 'any lab with two samples of the counters (after the first refresh)',
  source: 'kernel/irq/proc.c show_interrupts, /proc/irq/N/effective_affinity_list',
  applies(input) {
    return input.countDeltas ? OK : no('needs two samples of the counters (run again after a refresh)');
  },
  run(input) {
    const out: Finding[] = [];
    const deltas = input.countDeltas ?? {};
    for (const dv of input.vectors) {
      for (const v of allocated(dv)) {
        if (!v.effective.ok || v.irq === null) continue;
        const d = deltas[v.irq];
        if (!d) continue;
        const eff = v.effective.value;
        const bad = d.map((n, cpu) => ({ n, cpu })).filter((x) => x.n > 0 && !eff.includes(x.cpu));
        // A pending move takes one more interrupt on the old CPU to complete (x86 irq_move_irq, IMSIC);
        // more than that while still pending means the move is stuck.
        if (bad.length === 0 || (v.pending && bad.reduce((a, x) => a + x.n, 0) <= 1)) continue;
        out.push({
          rule: this.id, severity: this.severity, title: this.title, subject: vsub(dv, v),
          message: `vector ${v.index} (IRQ ${v.irq}) of ${dv.bdf} was counted on CPU ${bad.map((x) => `${x.cpu} (+${x.n})`).join(', ')}, outside effective ${formatCpuList(eff)}`,
          explanation: this.explanation, hint: this.hint,
          evidence: [`count increase per CPU: ${d.join('/')}`, `effective_affinity_list ${formatCpuList(eff)}`],
        });
      }
    }
    return out;
  },
};

export const rewriteLostUserAddress: CheckRule = {
  id: 'rewrite-lost-user-address',
  title: 'Rewrite lost the userspace-provided MSI address',
  severity: 'error',
  explanation: 'With a per-vector MSI address from userspace (RFC prepare action, or the seed thread\'s per-index table), any rewrite of the message — an affinity move on IMSIC or x86, a per-vector-table ITS update — must keep that address. A vector now pointing at the kernel\'s default doorbell (the SW_MSI window or the physical page) lost it; in a nested setup the guest\'s device writes go nowhere.',
  hint: 'Re-run the VMM\'s per-vector address setup for this vector and report the kernel rewrite path (msi_msg_set_addr must use the userspace IOVA).',
  where: 'address spaces with userspace-created doorbell areas (profiles rfc-v1 and per-vector-table); upstream kernels have no userspace MSI address to lose',
  source: 'seed thread (Jason Gunthorpe, 20 Nov 2024, 20241120140337.GA772273@nvidia.com); domain.md §1, §5',
  applies(input) {
    return input.spaces.some((s) => s.doorbells.some((d) => d.mappedBy === 'user-area'))
      ? OK : no('no address space has a userspace-created doorbell area, so there is no userspace MSI address to lose (upstream uAPI has none)');
  },
  run(input) {
    const out: Finding[] = [];
    for (const s of input.spaces) {
      const user = s.doorbells.filter((d) => d.mappedBy === 'user-area');
      if (user.length === 0) continue;
      for (const dv of input.vectors.filter((x) => s.devices.includes(x.bdf))) {
        for (const v of allocated(dv)) {
          const mm = msgOf(v);
          if (!mm) continue;
          const a = big(mm.m.address);
          if (user.some((d) => a >= big(d.start) && a <= big(d.last))) continue;
          const kernel = s.doorbells.find((d) => d.mappedBy !== 'user-area' && a >= big(d.start) && a <= big(d.last));
          const paOf = s.doorbells.find((d) => d.pa !== null && a >= big(d.pa) && a <= big(d.pa) + (big(d.last) - big(d.start)));
          const msiResv = s.reserved.find((r) => r.type === 'msi' && a >= big(r.start) && a <= big(r.last));
          const what = kernel ? `the kernel-managed doorbell ${kernel.start} (${kernel.label})` : paOf ? `the physical doorbell ${paOf.pa} (untranslated default)` : msiResv ? `the kernel's msi window ${msiResv.start}–${msiResv.last}` : null;
          if (!what) continue;  // outside everything: vector-outside-doorbell reports it
          out.push({
            rule: this.id, severity: this.severity, title: this.title, subject: { ...vsub(dv, v), space: s.id },
            message: `vector ${v.index} (IRQ ${v.irq}) of ${dv.bdf} writes to ${mm.m.address}, ${what}, not to a userspace doorbell area (${user.map((d) => d.start).join(', ')})`,
            explanation: this.explanation, hint: this.hint,
            evidence: [`message ${mm.m.address} (${mm.src})`, `userspace doorbell areas: ${user.map((d) => `${d.start}–${d.last}`).join(', ')}`],
          });
        }
      }
    }
    return out;
  },
};

export const cachedDiffers: CheckRule = {
  id: 'cached-message-differs',
  title: 'Cached (debugfs) message differs from the device\'s table',
  severity: 'error',
  explanation: 'The kernel\'s composed message (debugfs irq/irqs/N) is what it believes the device holds; the MSI-X table entry is what the device actually writes. A difference means a rewrite did not reach the device, or something else (a VMM, a driver) wrote the table.',
  hint: 'Mask and unmask the vector (or move it) so the kernel writes the entry again; find who wrote the table.',
  where: 'vectors whose MSI-X table entry and debugfs message are both readable (root, debugfs mounted, table mappable)',
  source: 'kernel/irq/debugfs.c; drivers/pci/msi/msi.c pci_write_msg_msix',
  applies(input) {
    return input.vectors.some((dv) => allocated(dv).some((v) => v.message.ok && v.cachedMessage.ok))
      ? OK : no('no vector has both the device\'s table entry and the kernel\'s cached message readable (needs root, debugfs and a mappable MSI-X table)');
  },
  run(input) {
    const out: Finding[] = [];
    for (const dv of input.vectors) {
      for (const v of allocated(dv)) {
        if (!v.message.ok || !v.cachedMessage.ok) continue;
        const a = v.message.value, c = v.cachedMessage.value;
        if (big(a.address) === big(c.address) && (a.data >>> 0) === (c.data >>> 0)) continue;
        if (v.masked.ok && v.masked.value && (a.data >>> 0) === 0 && big(a.address) === 0n) continue; // never written: masked and zero
        out.push({
          rule: this.id, severity: this.severity, title: this.title, subject: vsub(dv, v),
          message: `vector ${v.index} (IRQ ${v.irq}) of ${dv.bdf}: device holds ${a.address}/0x${(a.data >>> 0).toString(16)}, kernel composed ${c.address}/0x${(c.data >>> 0).toString(16)}`,
          explanation: this.explanation, hint: this.hint,
          evidence: [`table (${v.message.from.source}${v.message.from.path ? ` ${v.message.from.path}` : ''}): ${a.address} 0x${(a.data >>> 0).toString(16)}`, `cached (${v.cachedMessage.from.source}${v.cachedMessage.from.path ? ` ${v.cachedMessage.from.path}` : ''}): ${c.address} 0x${(c.data >>> 0).toString(16)}`],
        });
      }
    }
    return out;
  },
};

export const groupNotViable: CheckRule = {
  id: 'group-not-viable',
  title: 'IOMMU group not viable for VFIO',
  severity: 'error',
  explanation: 'VFIO hands a whole IOMMU group to userspace: every member must be bound to vfio-pci (or a harmless driver, or unbound). Until then opening the group or binding the device to iommufd fails.',
  hint: 'Bind every device of the group to vfio-pci (or unbind it) — on a lab machine, never the machine\'s own disk or network.',
  where: 'machines with an IOMMU (IOMMU groups exist)',
  source: 'drivers/vfio/group.c vfio_group_viable; drivers/iommu/iommu.c iommu_group_dma_owner_claimed',
  applies(input) {
    return input.groups.length > 0 ? OK : no('no IOMMU groups (no IOMMU, or iommu=off)');
  },
  run(input) {
    const out: Finding[] = [];
    const vfioBdfs = new Set(input.devices.filter((d) => d.binding.kind === 'vfio-cdev' || d.binding.kind === 'vfio-group').map((d) => d.bdf));
    for (const g of input.groups) {
      if (g.viable.ok) continue;
      const wants = g.devices.filter((b) => vfioBdfs.has(b));
      if (wants.length === 0) continue;  // nobody asked for VFIO here: not viable is harmless
      out.push({
        rule: this.id, severity: this.severity, title: this.title, subject: { group: g.id },
        message: `group ${g.id} holds ${wants.join(', ')} bound to vfio-pci, but is not viable: ${g.viable.why}`,
        explanation: this.explanation, hint: this.hint,
        evidence: [`members: ${g.devices.join(', ')}`],
      });
    }
    return out;
  },
};

export const unsafeInterrupts: CheckRule = {
  id: 'unsafe-interrupts',
  title: 'Unsafe interrupts allowed',
  severity: 'warning',
  explanation: 'allow_unsafe_interrupts lets VFIO/iommufd assign a device on a platform without MSI isolation (IRQ_DOMAIN_FLAG_ISOLATED_MSI): the device can then write any MSI doorbell and inject interrupts into the host or other guests.',
  hint: 'Only for a trusted lab: turn it off (iommufd.allow_unsafe_interrupts=0, vfio_iommu_type1.allow_unsafe_interrupts=0) on anything shared.',
  where: 'labs that report the allow_unsafe_interrupts module parameter',
  source: 'drivers/iommu/iommufd/device.c iommufd_device_bind (allow_unsafe_interrupts)',
  applies(input) {
    const s = feature(input, 'unsafe-interrupts');
    return s === 'yes' || s === 'no' ? OK : no('this lab does not report allow_unsafe_interrupts (/sys/module/iommufd/parameters/allow_unsafe_interrupts)');
  },
  run(input) {
    const f = input.lab?.features.find((x) => x.id === 'unsafe-interrupts');
    if (!f || f.state !== 'yes') return [];
    return [{
      rule: this.id, severity: this.severity, title: this.title, subject: {},
      message: 'allow_unsafe_interrupts is on: devices may be assigned without MSI isolation',
      explanation: this.explanation, hint: this.hint, evidence: [f.how],
    }];
  },
};

export const reservedConflict: CheckRule = {
  id: 'reserved-region-conflict',
  title: 'Mapping or attach the kernel would refuse (reserved region)',
  severity: 'error',
  explanation: 'iommufd refuses a fixed-IOVA map that intersects a reserved IOVA (the msi window, RMRRs, holes outside the aperture) with EINVAL, and an attach whose device reserved regions overlap an existing mapping with EADDRINUSE — predicted here before the kernel says so.',
  hint: 'Move the mapping out of the reserved region (see the allowed IOVA ranges), or map after attaching every device so the reserved regions are known.',
  where: 'address spaces with known reserved regions (an IOMMU); planned mappings and group reserved regions',
  source: 'drivers/iommu/iommufd/io_pagetable.c iopt_check_iova, iopt_reserve_iova',
  applies(input) {
    return input.spaces.some((s) => s.reserved.length > 0 || s.allowed.length > 0) || input.groups.some((g) => g.reserved.length > 0)
      ? OK : no('no address space or group reports reserved regions (no IOMMU)');
  },
  run(input) {
    const out: Finding[] = [];
    for (const p of input.planned ?? []) {
      const s = input.spaces.find((x) => x.id === p.space);
      if (!s) continue;
      const r = predictMap(s, big(p.iova), big(p.length));
      if (r.ok) continue;
      out.push({
        rule: this.id, severity: this.severity, title: this.title, subject: { space: s.id },
        message: `planned map ${p.label ?? ''} at ${p.iova} (+${p.length}) would fail with ${r.errno}: ${r.why}`.replace('map  at', 'map at'),
        explanation: this.explanation, hint: this.hint, evidence: [`prediction for IOMMU_IOAS_MAP FIXED_IOVA in ${s.id}`],
      });
    }
    // Existing mappings against the reserved regions of each member's group (attach would fail).
    for (const s of input.spaces) {
      if (s.kind !== 'ioas' || s.mappings.length === 0) continue;
      for (const bdf of s.devices) {
        const d = input.devices.find((x) => x.bdf === bdf);
        const g = d?.iommuGroup == null ? null : input.groups.find((x) => x.id === d.iommuGroup);
        if (!g) continue;
        const r = predictAttach(s, g.reserved);
        if (r.ok) continue;
        out.push({
          rule: this.id, severity: this.severity, title: this.title, subject: { space: s.id, bdf, group: g.id },
          message: `${bdf} (group ${g.id}) in ${s.id}: ${r.why} — an attach would fail with ${r.errno}`,
          explanation: this.explanation, hint: this.hint, evidence: [`reserved_regions of group ${g.id}: ${g.reserved.map((x) => `${x.start}–${x.last} ${x.type}`).join(', ')}`],
        });
      }
    }
    return out;
  },
};

export const enabledWithoutEventfd: CheckRule = {
  id: 'vector-without-eventfd',
  title: 'Vector enabled without an eventfd',
  severity: 'warning',
  explanation: 'A VFIO vector that is allocated but has no trigger eventfd (VFIO_DEVICE_SET_IRQS with fd -1) has no handler: its interrupts are not listed in /proc/interrupts and go nowhere.',
  hint: 'Assign an eventfd to every enabled vector (VFIO_DEVICE_SET_IRQS DATA_EVENTFD|ACTION_TRIGGER), or enable fewer vectors.',
  where: 'devices bound to vfio-pci whose eventfd state is known (VFIO session in this process, the simulator)',
  source: 'drivers/vfio/pci/vfio_pci_intrs.c vfio_msi_set_vector_signal',
  applies(input) {
    const vfio = new Set(input.devices.filter((d) => d.binding.kind === 'vfio-cdev' || d.binding.kind === 'vfio-group').map((d) => d.bdf));
    if (vfio.size === 0) return no('no device is bound to vfio-pci, so no vector has a VFIO eventfd to check');
    return input.vectors.some((dv) => vfio.has(dv.bdf) && allocated(dv).some((v) => v.eventfd !== 'unknown'))
      ? OK : no('the eventfd state of no VFIO vector is known (only the process holding the VFIO device knows it)');
  },
  run(input) {
    const out: Finding[] = [];
    for (const dv of input.vectors) {
      const dev = input.devices.find((d) => d.bdf === dv.bdf);
      if (dev && dev.binding.kind !== 'vfio-cdev' && dev.binding.kind !== 'vfio-group') continue;
      for (const v of allocated(dv)) {
        if (v.eventfd !== 'none') continue;
        out.push({
          rule: this.id, severity: this.severity, title: this.title, subject: vsub(dv, v),
          message: `vector ${v.index} (IRQ ${v.irq}) of ${dv.bdf} is enabled but has no eventfd`,
          explanation: this.explanation, hint: this.hint, evidence: [`eventfd: none${v.masked.ok ? `, masked: ${v.masked.value}` : ''}`],
        });
      }
    }
    return out;
  },
};

export const msixTableTooSmall: CheckRule = {
  id: 'msix-table-too-small',
  title: 'MSI-X table smaller than the vectors asked for',
  severity: 'error',
  explanation: 'The MSI-X capability\'s table size (Message Control QSIZE + 1) bounds the vectors a driver can enable; asking for more makes pci_alloc_irq_vectors / VFIO_DEVICE_SET_IRQS fail (EINVAL) or silently fall back to fewer vectors.',
  hint: 'Ask for at most the table size, or check the device/firmware exposes the full table.',
  where: 'devices whose MSI-X capability is readable (root for config space past 64 bytes)',
  source: 'include/uapi/linux/pci_regs.h PCI_MSIX_FLAGS_QSIZE; drivers/vfio/pci/vfio_pci_intrs.c vfio_msi_enable',
  applies(input) {
    return input.devices.some((d) => d.msix.ok && d.msix.value !== null) ? OK : no('no device has a readable MSI-X capability');
  },
  run(input) {
    const out: Finding[] = [];
    for (const d of input.devices) {
      if (!d.msix.ok || d.msix.value === null) continue;
      const size = d.msix.value.tableSize;
      const dv = input.vectors.find((x) => x.bdf === d.bdf);
      const msix = dv?.vectors.filter((v) => v.kind === 'msix') ?? [];
      const highest = msix.length ? Math.max(...msix.map((v) => v.index)) + 1 : 0;
      const asked = Math.max(input.requestedVectors?.[d.bdf] ?? 0, highest);
      if (asked <= size) continue;
      out.push({
        rule: this.id, severity: this.severity, title: this.title, subject: { bdf: d.bdf },
        message: `${d.bdf} asks for ${asked} MSI-X vectors but its table has ${size} entries`,
        explanation: this.explanation, hint: this.hint,
        evidence: [`MSI-X table size ${size} (${d.msix.from.source})`, `vectors asked for: ${asked}`],
      });
    }
    return out;
  },
};

export const RULES: CheckRule[] = [
  vectorOutsideDoorbell, targetOutsideEffective, countsOutsideEffective, rewriteLostUserAddress, cachedDiffers,
  groupNotViable, unsafeInterrupts, reservedConflict, enabledWithoutEventfd, msixTableTooSmall,
];

