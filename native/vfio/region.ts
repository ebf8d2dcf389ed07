// SPDX-License-Identifier: MIT
// Device regions: VFIO_DEVICE_GET_REGION_INFO with its capability chain, and access by pread/pwrite
// of exact width or mmap. For vfio-pci, region i lives at file offset i << 40, but always use the
// offset the kernel reports.
//
// Capability chains: if the chain does not fit, the kernel does not fail; it sets
// VFIO_REGION_INFO_FLAG_CAPS, leaves cap_offset 0 and raises argsz to the size it needs. We then
// call again with a buffer of that size (bounded retries).
import { LabFailure } from '../../common/errors.js';
import { bufferCall } from '../sys/call.js';
import { preadExact, pwriteExact } from '../sys/fd.js';
import { type Mapping, MAP_SHARED, mmap, PROT_READ, PROT_WRITE } from '../sys/mman.js';
import { type NativeResult, nok } from '../sys/result.js';
import { type CallCtx } from '../sys/trace.js';
import { decode, encode } from '../uapi/layout.js';
import {
  VFIO_CONST as K, VFIO_IOCTL as IO, vfio_info_cap_header, vfio_region_info, vfio_region_info_cap_sparse_mmap,
  vfio_region_info_cap_type, vfio_region_sparse_mmap_area,
} from '../uapi/vfio.js';

export interface RegionCap {
  id: number;
  version: number;
  /** VFIO_REGION_INFO_CAP_SPARSE_MMAP (1): the only ranges that may be mmap'ed. */
  sparse?: { offset: bigint; size: bigint }[];
  /** VFIO_REGION_INFO_CAP_TYPE (2). */
  type?: { type: number; subtype: number };
  /** VFIO_REGION_INFO_CAP_MSIX_MAPPABLE (3): the MSI-X table may be mmap'ed with the BAR. */
  msixMappable?: boolean;
}

export interface RegionInfo {
  index: number;
  /** VFIO_REGION_INFO_FLAG_*: READ 1, WRITE 2, MMAP 4, CAPS 8. */
  flags: number;
  size: bigint;
  offset: bigint;
  caps: RegionCap[];
  /** How many GET_REGION_INFO calls it took (2 when the chain needed a bigger buffer). */
  calls: number;
}

/**
 * Walk a capability chain in an INFO buffer. Offsets (`first`, each header's `next`) are relative
 * to the start of the buffer; 0 ends the chain. A malformed chain (offset out of bounds, a loop)
 * throws LabFailure naming the region and the offset.
 */
export function parseRegionCaps(buf: Buffer, first: number, what = 'region'): RegionCap[] {
  const caps: RegionCap[] = [];
  const seen = new Set<number>();
  let off = first;
  while (off !== 0) {
    if (seen.has(off) || off < vfio_region_info.size || off + vfio_info_cap_header.size > buf.length) {
      throw new LabFailure({
        op: 'VFIO_DEVICE_GET_REGION_INFO', message: `${what}: malformed capability chain at offset ${off} (buffer ${buf.length} bytes)`,
        hint: 'The kernel returned a chain Doorbell cannot follow; report it with the kernel version.', detail: { offset: off, argsz: buf.length },
      });
    }
    seen.add(off);
    const h = decode(vfio_info_cap_header, buf, off);
    const cap: RegionCap = { id: Number(h.id), version: Number(h.version) };
    if (cap.id === K.VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
      const s = decode(vfio_region_info_cap_sparse_mmap, buf, off);
      const n = Number(s.nr_areas);
      cap.sparse = [];
      for (let i = 0; i < n; i++) {
        const at = off + vfio_region_info_cap_sparse_mmap.size + i * vfio_region_sparse_mmap_area.size;
        const a = decode(vfio_region_sparse_mmap_area, buf, at);
        cap.sparse.push({ offset: a.offset as bigint, size: a.size as bigint });
      }
    } else if (cap.id === K.VFIO_REGION_INFO_CAP_TYPE) {
      const t = decode(vfio_region_info_cap_type, buf, off);
      cap.type = { type: Number(t.type), subtype: Number(t.subtype) };
    } else if (cap.id === K.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) {
      cap.msixMappable = true;
    }
    caps.push(cap);
    off = Number(h.next);
  }
  return caps;
}

export function regionInfo(fd: number, index: number, ctx: CallCtx = {}, initialArgsz = vfio_region_info.size): NativeResult<RegionInfo> {
  let argsz = Math.max(initialArgsz, vfio_region_info.size);
  for (let calls = 1; calls <= 4; calls++) {
    const buf = encode(vfio_region_info, { argsz, index }, argsz - vfio_region_info.size);
    const r = bufferCall(fd, 'VFIO_DEVICE_GET_REGION_INFO', IO.VFIO_DEVICE_GET_REGION_INFO, buf, ctx, { index, argsz }, {
      EINVAL: `Region index ${index} is beyond num_regions, or the device is not bound yet.`,
    });
    if (!r.ok) return r;
    const h = decode(vfio_region_info, buf);
    const need = Number(h.argsz);
    const flags = Number(h.flags);
    if ((flags & K.VFIO_REGION_INFO_FLAG_CAPS) && need > argsz && calls < 4) {
      argsz = need;
      continue;
    }
    const caps = (flags & K.VFIO_REGION_INFO_FLAG_CAPS) && Number(h.cap_offset) ? parseRegionCaps(buf, Number(h.cap_offset), `region ${index}`) : [];
    return nok({ index, flags, size: h.size as bigint, offset: h.offset as bigint, caps, calls });
  }
  /* c8 ignore next */
  throw new Error('unreachable');
}

/** Read `width` bytes (1, 2, 4 or 8: one access of that width) at `off` inside the region. */
export function regionRead(fd: number, region: RegionInfo, off: bigint | number, width: 1 | 2 | 4 | 8): NativeResult<bigint> {
  const r = preadExact(fd, width, region.offset + BigInt(off), `pread region ${region.index} +0x${off.toString(16)}`);
  if (!r.ok) return r;
  const b = r.value;
  return nok(width === 1 ? BigInt(b.readUInt8(0)) : width === 2 ? BigInt(b.readUInt16LE(0)) : width === 4 ? BigInt(b.readUInt32LE(0)) : b.readBigUInt64LE(0));
}

/** Write `value` with one access of `width` bytes. Recorded in the trace as a write. */
export function regionWrite(fd: number, region: RegionInfo, off: bigint | number, width: 1 | 2 | 4 | 8, value: bigint | number, ctx: CallCtx = {}): NativeResult<void> {
  const b = Buffer.alloc(width);
  const v = BigInt(value);
  if (width === 1) b.writeUInt8(Number(v & 0xffn));
  else if (width === 2) b.writeUInt16LE(Number(v & 0xffffn));
  else if (width === 4) b.writeUInt32LE(Number(v & 0xffffffffn));
  else b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return pwriteExact(fd, b, region.offset + BigInt(off), ctx, `pwrite region ${region.index} +0x${off.toString(16)}`);
}

/** mmap part of a region (the region must have FLAG_MMAP; with SPARSE_MMAP, stay inside an area). */
export function regionMmap(fd: number, region: RegionInfo, off: bigint, length: number, ctx: CallCtx = {}): NativeResult<Mapping> {
  const prot = (region.flags & K.VFIO_REGION_INFO_FLAG_READ ? PROT_READ : 0) | (region.flags & K.VFIO_REGION_INFO_FLAG_WRITE ? PROT_WRITE : 0);
  return mmap(length, prot, MAP_SHARED, fd, region.offset + off, ctx, `region ${region.index}`);
}
