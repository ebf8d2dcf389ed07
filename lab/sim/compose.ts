// SPDX-License-Identifier: MIT
// MSI message composition, per interrupt controller, as the kernel's irqchips write it
// (domain.md §5). Decoding is common/msi's job; these are the encoders the simulator programs
// into its devices' MSI-X tables.

export interface Msg { address: bigint; data: number }

/** x86 local APIC, no remapping (arch/x86/include/asm/msi.h, x86_vector_msi_compose_msg). */
export function composeX86Compat(apicId: number, vector: number): Msg {
  const lo = 0xfee00000n | (BigInt(apicId & 0xff) << 12n);
  const hi = BigInt(apicId >>> 8) << 40n;   // extended destination ID in address_hi bits 31:8
  return { address: hi | lo, data: vector & 0xff };   // fixed delivery, physical, edge
}

/** VT-d remappable format (drivers/iommu/intel/irq_remapping.c fill_msi_msg): handle in 19:5 and bit 2, format bit 4, SHV bit 3. */
export function composeIntelRemap(handle: number, subhandle: number): Msg {
  const a = 0xfee00000n | (BigInt(handle & 0x7fff) << 5n) | (1n << 4n) | (1n << 3n) | (BigInt((handle >> 15) & 1) << 2n);
  return { address: a, data: subhandle };
}

/** AMD-Vi: destination ignored, the IRTE index is the data (drivers/iommu/amd/iommu.c). */
export function composeAmdRemap(irteIndex: number): Msg {
  return { address: 0xfee00000n, data: irteIndex };
}

/** GITS_TRANSLATER is at +0x40 in the translater page; data = EventID (irq-gic-v3-its.c its_irq_compose_msi_msg). */
export const ITS_TRANSLATER_OFFSET = 0x40n;
export const ITS_TRANSLATER_PAGE = 0x10000n;

export function composeIts(doorbellPage: bigint, eventId: number): Msg {
  return { address: doorbellPage + ITS_TRANSLATER_OFFSET, data: eventId };
}

/** RISC-V IMSIC: address = the target hart's interrupt-file page, data = interrupt identity. */
export function composeImsic(page: bigint, identity: number): Msg {
  return { address: page, data: identity };
}

export function pageOf(addr: bigint, pageSize = 0x1000n): bigint {
  return addr & ~(pageSize - 1n);
}
