// SPDX-License-Identifier: MIT
// The IOAS (struct iommufd_ioas / io_pagetable): areas, reserved ranges, allowed ranges and the
// errno rules of drivers/iommu/iommufd/io_pagetable.c (iopt_check_iova, iopt_unmap_iova_range,
// iopt_reserve_iova, iopt_set_allow_iova).
import type { ErrnoName } from '../../common/errno.js';

export const U64_MAX = (1n << 64n) - 1n;

export interface Area {
  iova: bigint;
  last: bigint;
  label: string;
  flags: string[];
  userVa: bigint | null;
  /** A doorbell page userspace mapped (per-vector-table profile): the PA it reaches. */
  doorbellPa: bigint | null;
}

export interface Reserved { start: bigint; last: bigint; type: string; owner: string }

const overlaps = (a0: bigint, a1: bigint, b0: bigint, b1: bigint) => a0 <= b1 && b0 <= a1;

export class Ioas {
  areas: Area[] = [];
  reserved: Reserved[] = [];
  allowed: { start: bigint; last: bigint }[] = [];
  /** iopt->iova_alignment: 1 until a domain with a larger minimum page joins. */
  alignment = 1n;
  /** Aperture of the attached domains, intersected ([0, U64_MAX] with none). */
  aperture = { start: 0n, last: U64_MAX };
  /** HWPT ids using this IOAS (a destroy then answers EBUSY). */
  users = new Set<number>();
  constructor(readonly id: number) {}

  /** iopt_check_iova: alignment → EINVAL, overflow → EOVERFLOW, reserved → EINVAL, area → EEXIST. */
  check(iova: bigint, length: bigint): ErrnoName | null {
    if (length === 0n) return 'EINVAL';
    if (iova % this.alignment !== 0n || length % this.alignment !== 0n) return 'EINVAL';
    const last = iova + length - 1n;
    if (last > U64_MAX) return 'EOVERFLOW';
    if (last > this.aperture.last) return 'EINVAL';
    if (this.reserved.some((r) => overlaps(iova, last, r.start, r.last))) return 'EINVAL';
    if (this.areas.some((a) => overlaps(iova, last, a.iova, a.last))) return 'EEXIST';
    return null;
  }

  /** Automatic IOVA: the lowest aligned hole, inside the allowed list when one is set (iopt_alloc_iova). */
  allocIova(length: bigint): bigint | null {
    const align = this.alignment > 0x1000n ? this.alignment : 0x1000n;
    const windows = this.allowed.length > 0 ? this.allowed : this.ranges();
    for (const w of windows) {
      let cand = ((w.start + align - 1n) / align) * align;
      while (cand + length - 1n <= w.last) {
        const last = cand + length - 1n;
        const block = [...this.areas.map((a) => ({ s: a.iova, l: a.last })), ...this.reserved.map((r) => ({ s: r.start, l: r.last }))]
          .filter((b) => overlaps(cand, last, b.s, b.l))
          .sort((x, y) => (x.l < y.l ? 1 : -1))[0];
        if (!block) return cand;
        cand = ((block.l + 1n + align - 1n) / align) * align;
      }
    }
    return null;
  }

  insert(area: Area): void {
    this.areas.push(area);
    this.areas.sort((a, b) => (a.iova < b.iova ? -1 : 1));
  }

  /** iopt_unmap_iova_range: only whole areas; a split → ENOENT; nothing unmapped → ENOENT. Returns areas to remove. */
  unmapPlan(iova: bigint, length: bigint): { errno: ErrnoName } | { areas: Area[] } {
    if (length === 0n) return { errno: 'EINVAL' };
    const all = iova === 0n && length === U64_MAX;
    const last = all ? U64_MAX : iova + length - 1n;
    if (last > U64_MAX) return { errno: 'EOVERFLOW' };
    const hit = this.areas.filter((a) => overlaps(iova, last, a.iova, a.last));
    if (hit.some((a) => a.iova < iova || a.last > last)) return { errno: 'ENOENT' };
    // iopt_unmap_all: "If the IOVAs are empty then unmap all succeeds".
    if (hit.length === 0 && !all) return { errno: 'ENOENT' };
    return { areas: hit };
  }

  remove(areas: Area[]): bigint {
    let n = 0n;
    for (const a of areas) {
      n += a.last - a.iova + 1n;
      this.areas.splice(this.areas.indexOf(a), 1);
    }
    return n;
  }

  /** iopt_reserve_iova for a device's reserved regions: an area or an allowed range inside → EADDRINUSE. */
  canReserve(regions: { start: bigint; last: bigint }[]): ErrnoName | null {
    for (const r of regions) {
      if (this.areas.some((a) => overlaps(r.start, r.last, a.iova, a.last))) return 'EADDRINUSE';
      if (this.allowed.some((a) => overlaps(r.start, r.last, a.start, a.last))) return 'EADDRINUSE';
    }
    return null;
  }

  /** IOMMU_IOAS_IOVA_RANGES: the aperture minus reserved ranges, in ascending order. */
  ranges(): { start: bigint; last: bigint }[] {
    const holes = [...this.reserved].sort((a, b) => (a.start < b.start ? -1 : 1));
    const out: { start: bigint; last: bigint }[] = [];
    let cur = this.aperture.start;
    for (const h of holes) {
      if (h.last < cur) continue;
      if (h.start > this.aperture.last) break;
      if (h.start > cur) out.push({ start: cur, last: h.start - 1n });
      if (h.last >= this.aperture.last) return out;
      cur = h.last + 1n;
    }
    if (cur <= this.aperture.last) out.push({ start: cur, last: this.aperture.last });
    return out;
  }

  /** The area (and so the mapping) an IOVA falls in. */
  lookup(iova: bigint): Area | null {
    return this.areas.find((a) => iova >= a.iova && iova <= a.last) ?? null;
  }
}
