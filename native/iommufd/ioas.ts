// SPDX-License-Identifier: MIT
// IOAS: an I/O address space on an iommufd. IOMMU_IOAS_ALLOC, IOVA_RANGES (two-pass on EMSGSIZE),
// ALLOW_IOVAS, MAP, MAP_FILE, COPY, UNMAP. Every call returns errno as data.
import { allocUser, structCall } from '../sys/call.js';
import { type NativeResult, nok } from '../sys/result.js';
import { type CallCtx } from '../sys/trace.js';
import {
  IOMMUFD_CONST as K, IOMMUFD_IOCTL as IO, iommu_ioas_alloc, iommu_ioas_allow_iovas, iommu_ioas_copy,
  iommu_ioas_iova_ranges, iommu_ioas_map, iommu_ioas_map_file, iommu_ioas_unmap, iommu_iova_range,
} from '../uapi/iommufd.js';
import { decode, encodeInto, zeroed } from '../uapi/layout.js';

export interface IovaRangeBig {
  start: bigint;
  /** Inclusive, like struct iommu_iova_range. */
  last: bigint;
}

export function ioasAlloc(fd: number, ctx: CallCtx = {}): NativeResult<number> {
  const r = structCall(fd, 'IOMMU_IOAS_ALLOC', IO.IOMMU_IOAS_ALLOC, iommu_ioas_alloc, zeroed(iommu_ioas_alloc), ctx);
  return r.ok ? nok(Number(r.value.out_ioas_id)) : r;
}

/**
 * IOMMU_IOAS_IOVA_RANGES. "The ioctl will return -EMSGSIZE and set num_iovas to the required value
 * if num_iovas is too small": first pass with room for `guess` ranges, and if the kernel says
 * EMSGSIZE, a second pass with exactly num_iovas (the QEMU pattern). A range list can grow
 * between the passes if a device attaches concurrently: retried up to 4 times.
 */
export function ioasIovaRanges(fd: number, ioasId: number, ctx: CallCtx = {}, guess = 4): NativeResult<{ ranges: IovaRangeBig[]; alignment: bigint; passes: number }> {
  let cap = Math.max(guess, 0);
  for (let pass = 1; pass <= 4; pass++) {
    const ub = allocUser(cap * iommu_iova_range.size);
    try {
      const v = zeroed(iommu_ioas_iova_ranges, { ioas_id: ioasId, num_iovas: cap, allowed_iovas: cap ? ub.addr : 0n });
      const r = structCall(fd, 'IOMMU_IOAS_IOVA_RANGES', IO.IOMMU_IOAS_IOVA_RANGES, iommu_ioas_iova_ranges, v, ctx,
        { ioas_id: ioasId, num_iovas: cap, pass }, { ENOENT: `No IOAS ${ioasId} on this iommufd.` });
      if (!r.ok) {
        if (r.errno === 'EMSGSIZE' && pass < 4) {
          cap = Number(v.num_iovas);
          continue;
        }
        return r;
      }
      const n = Math.min(Number(r.value.num_iovas), cap);
      const raw = ub.read();
      const ranges: IovaRangeBig[] = [];
      for (let i = 0; i < n; i++) {
        const e = decode(iommu_iova_range, raw, i * iommu_iova_range.size);
        ranges.push({ start: e.start as bigint, last: e.last as bigint });
      }
      return nok({ ranges, alignment: r.value.out_iova_alignment as bigint, passes: pass });
    } finally {
      ub.free();
    }
  }
  /* c8 ignore next */
  throw new Error('unreachable');
}

/** IOMMU_IOAS_ALLOW_IOVAS: replaces the whole allowed list; an empty list clears it. */
export function ioasAllowIovas(fd: number, ioasId: number, ranges: readonly IovaRangeBig[], ctx: CallCtx = {}): NativeResult<void> {
  const ub = allocUser(ranges.length * iommu_iova_range.size);
  try {
    const raw = Buffer.alloc(ranges.length * iommu_iova_range.size);
    ranges.forEach((rg, i) => encodeInto(iommu_iova_range, raw, { start: rg.start, last: rg.last }, i * iommu_iova_range.size));
    if (ranges.length) ub.write(raw);
    const v = zeroed(iommu_ioas_allow_iovas, { ioas_id: ioasId, num_iovas: ranges.length, allowed_iovas: ranges.length ? ub.addr : 0n });
    const r = structCall(fd, 'IOMMU_IOAS_ALLOW_IOVAS', IO.IOMMU_IOAS_ALLOW_IOVAS, iommu_ioas_allow_iovas, v, ctx,
      { ioas_id: ioasId, num_iovas: ranges.length }, {
        EINVAL: 'The current IOVA ranges are already narrower than the requested ones (an attached device reserves part of them), or a range is malformed.',
      });
    return r.ok ? nok(undefined) : r;
  } finally {
    ub.free();
  }
}

export interface MapRequest {
  ioasId: number;
  /** Process virtual address of memory that stays mapped until the IOVA is unmapped. */
  userVa: bigint;
  length: bigint;
  /** Fixed IOVA (IOMMU_IOAS_MAP_FIXED_IOVA); omitted = kernel picks within the allowed ranges. */
  iova?: bigint;
  readable: boolean;
  writeable: boolean;
}

function mapFlags(req: { iova?: bigint; readable: boolean; writeable: boolean }): number {
  return (req.iova !== undefined ? K.IOMMU_IOAS_MAP_FIXED_IOVA : 0) |
    (req.readable ? K.IOMMU_IOAS_MAP_READABLE : 0) | (req.writeable ? K.IOMMU_IOAS_MAP_WRITEABLE : 0);
}

const MAP_HINTS = {
  EEXIST: 'The fixed IOVA range overlaps an existing mapping; unmap it or let the kernel choose.',
  ENOSPC: 'No free IOVA space of that size within the allowed ranges.',
  EINVAL: 'IOVA or length is not aligned to out_iova_alignment, the range is outside the allowed IOVA ranges, or no READABLE/WRITEABLE flag was given.',
  ENOMEM: 'Pinning the pages failed: raise RLIMIT_MEMLOCK (ulimit -l) or map less.',
  EFAULT: 'user_va is not mapped memory in this process.',
};

/** IOMMU_IOAS_MAP: returns the IOVA the mapping was placed at (the fixed one, or the kernel's choice). */
export function ioasMap(fd: number, req: MapRequest, ctx: CallCtx = {}): NativeResult<{ iova: bigint }> {
  const v = zeroed(iommu_ioas_map, { flags: mapFlags(req), ioas_id: req.ioasId, user_va: req.userVa, length: req.length, iova: req.iova ?? 0n });
  const r = structCall(fd, 'IOMMU_IOAS_MAP', IO.IOMMU_IOAS_MAP, iommu_ioas_map, v, ctx,
    { ioas_id: req.ioasId, flags: Number(v.flags), user_va: req.userVa, length: req.length, iova: req.iova }, MAP_HINTS);
  return r.ok ? nok({ iova: r.value.iova as bigint }) : r;
}

/** IOMMU_IOAS_MAP_FILE (6.13+): map a memfd (or, 6.19+, a VFIO dma-buf) range. ENOTTY before 6.13. */
export function ioasMapFile(fd: number, req: { ioasId: number; fileFd: number; start: bigint; length: bigint; iova?: bigint; readable: boolean; writeable: boolean }, ctx: CallCtx = {}): NativeResult<{ iova: bigint }> {
  const v = zeroed(iommu_ioas_map_file, { flags: mapFlags(req), ioas_id: req.ioasId, fd: req.fileFd, start: req.start, length: req.length, iova: req.iova ?? 0n });
  const r = structCall(fd, 'IOMMU_IOAS_MAP_FILE', IO.IOMMU_IOAS_MAP_FILE, iommu_ioas_map_file, v, ctx,
    { ioas_id: req.ioasId, file_fd: req.fileFd, start: req.start, length: req.length, iova: req.iova }, MAP_HINTS);
  return r.ok ? nok({ iova: r.value.iova as bigint }) : r;
}

/** IOMMU_IOAS_COPY: the source range must exactly match an earlier MAP. */
export function ioasCopy(fd: number, req: { dstIoasId: number; srcIoasId: number; srcIova: bigint; length: bigint; dstIova?: bigint; readable: boolean; writeable: boolean }, ctx: CallCtx = {}): NativeResult<{ iova: bigint }> {
  const v = zeroed(iommu_ioas_copy, {
    flags: mapFlags({ iova: req.dstIova, readable: req.readable, writeable: req.writeable } as { iova?: bigint; readable: boolean; writeable: boolean }),
    dst_ioas_id: req.dstIoasId, src_ioas_id: req.srcIoasId, length: req.length, dst_iova: req.dstIova ?? 0n, src_iova: req.srcIova,
  });
  if (req.dstIova === undefined) v.flags = Number(v.flags) & ~K.IOMMU_IOAS_MAP_FIXED_IOVA;
  const r = structCall(fd, 'IOMMU_IOAS_COPY', IO.IOMMU_IOAS_COPY, iommu_ioas_copy, v, ctx,
    { dst_ioas_id: req.dstIoasId, src_ioas_id: req.srcIoasId, src_iova: req.srcIova, length: req.length, dst_iova: req.dstIova }, MAP_HINTS);
  return r.ok ? nok({ iova: r.value.dst_iova as bigint }) : r;
}

/**
 * IOMMU_IOAS_UNMAP: the range must cover whole earlier mappings (no splitting); iova 0 with length
 * U64_MAX unmaps everything. ENOENT when nothing is mapped there (QEMU treats that as success; we
 * report it and let the caller decide). Returns the number of bytes unmapped.
 */
export function ioasUnmap(fd: number, req: { ioasId: number; iova: bigint; length: bigint }, ctx: CallCtx = {}): NativeResult<{ unmapped: bigint }> {
  const v = zeroed(iommu_ioas_unmap, { ioas_id: req.ioasId, iova: req.iova, length: req.length });
  const r = structCall(fd, 'IOMMU_IOAS_UNMAP', IO.IOMMU_IOAS_UNMAP, iommu_ioas_unmap, v, ctx,
    { ioas_id: req.ioasId, iova: req.iova, length: req.length }, {
      ENOENT: 'Nothing is mapped in that IOVA range.',
      EINVAL: 'The range would split an existing mapping; unmap whole mappings.',
    });
  return r.ok ? nok({ unmapped: r.value.length as bigint }) : r;
}
