// SPDX-License-Identifier: MIT
// Predict the kernel's answer to a fixed-IOVA map or a device attach before it is tried.
// drivers/iommu/iommufd/io_pagetable.c iopt_check_iova: a misaligned IOVA → EINVAL, iova+length-1
// overflowing → EOVERFLOW, a range that intersects a reserved IOVA (the group's reserved_regions,
// the SW_MSI window, holes outside the allowed ranges) → EINVAL, a range over an existing area →
// EEXIST. iopt_reserve_iova (device attach, iopt_table_enforce_dev_resv_regions): a new device's
// reserved region over an existing area → EADDRINUSE.
import { big, hex, U64_MAX } from '../model/hex.js';
import type { AddressSpace, IovaRange } from '../model/addrspace.js';
import type { ReservedRegion } from '../model/lab.js';

export type Prediction =
  | { ok: true; why: string }
  | { ok: false; errno: 'EINVAL' | 'EEXIST' | 'EOVERFLOW' | 'EADDRINUSE'; why: string; conflict: (IovaRange & { what: string }) | null };

const PAGE = 0x1000n;

function overlaps(a0: bigint, a1: bigint, r: IovaRange): boolean {
  return a0 <= big(r.last) && big(r.start) <= a1;
}

/** Would IOMMU_IOAS_MAP with IOMMU_IOAS_MAP_FIXED_IOVA at [iova, iova+length) succeed in `space`? */
export function predictMap(space: AddressSpace, iova: bigint, length: bigint, alignment: bigint = PAGE): Prediction {
  if (length <= 0n) return { ok: false, errno: 'EINVAL', why: 'a zero length is refused', conflict: null };
  if (iova % alignment !== 0n) return { ok: false, errno: 'EINVAL', why: `IOVA ${hex(iova)} is not aligned to the IOAS alignment ${hex(alignment)}`, conflict: null };
  const last = iova + length - 1n;
  if (last > U64_MAX) return { ok: false, errno: 'EOVERFLOW', why: `${hex(iova)} + ${hex(length)} overflows 64 bits`, conflict: null };
  for (const r of space.reserved) {
    if (overlaps(iova, last, r)) {
      return { ok: false, errno: 'EINVAL', why: `[${hex(iova)}, ${hex(last)}] intersects the reserved ${r.type} region ${r.start}–${r.last}`, conflict: { start: r.start, last: r.last, what: `reserved (${r.type})` } };
    }
  }
  // Outside the allowed ranges is reserved too (the kernel reports the complement of its reserved tree).
  if (space.allowed.length > 0 && !space.allowed.some((r) => iova >= big(r.start) && last <= big(r.last))) {
    const hole = space.allowed.find((r) => overlaps(iova, last, r));
    return { ok: false, errno: 'EINVAL', why: `[${hex(iova)}, ${hex(last)}] is not inside one allowed IOVA range (IOMMU_IOAS_IOVA_RANGES)${hole ? `; it runs past ${hole.start}–${hole.last}` : ''}`, conflict: null };
  }
  for (const m of space.mappings) {
    if (overlaps(iova, last, m)) return { ok: false, errno: 'EEXIST', why: `[${hex(iova)}, ${hex(last)}] overlaps the existing mapping ${m.start}–${m.last} (${m.label})`, conflict: { start: m.start, last: m.last, what: m.label } };
  }
  for (const d of space.doorbells) {
    if (d.mappedBy === 'user-area' && overlaps(iova, last, d)) return { ok: false, errno: 'EEXIST', why: `[${hex(iova)}, ${hex(last)}] overlaps the doorbell area ${d.start}–${d.last} (${d.label})`, conflict: { start: d.start, last: d.last, what: d.label } };
  }
  return { ok: true, why: `[${hex(iova)}, ${hex(last)}] is free and allowed` };
}

/** Would attaching a device with `reserved` regions to `space` succeed (existing areas vs its reserved regions)? */
export function predictAttach(space: AddressSpace, reserved: readonly ReservedRegion[]): Prediction {
  for (const r of reserved) {
    if (r.type === 'direct-relaxable') continue; // relaxable RMRRs are not enforced for VFIO (iommu.c)
    const r0 = big(r.start), r1 = big(r.last);
    for (const m of space.mappings) {
      if (overlaps(r0, r1, m)) {
        return { ok: false, errno: 'EADDRINUSE', why: `the device's reserved ${r.type} region ${r.start}–${r.last} overlaps the existing mapping ${m.start}–${m.last} (${m.label})`, conflict: { start: m.start, last: m.last, what: m.label } };
      }
    }
  }
  return { ok: true, why: 'no existing mapping overlaps the device\'s reserved regions' };
}
