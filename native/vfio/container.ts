// SPDX-License-Identifier: MIT
// The legacy VFIO container (/dev/vfio/vfio; with CONFIG_IOMMUFD_VFIO_CONTAINER served by iommufd's
// compatibility layer): API version, extensions, SET_IOMMU, type1 info and DMA map/unmap.
import { bufferCall, plainCall, structCall } from '../sys/call.js';
import { closeFd, O_RDWR, openPath } from '../sys/fd.js';
import { type NativeResult, nok } from '../sys/result.js';
import { type CallCtx } from '../sys/trace.js';
import { decode, encode, zeroed } from '../uapi/layout.js';
import {
  VFIO_CONST as K, VFIO_IOCTL as IO, vfio_info_cap_header, vfio_iommu_type1_dma_map, vfio_iommu_type1_dma_unmap,
  vfio_iommu_type1_info, vfio_iommu_type1_info_cap_iova_range, vfio_iova_range,
} from '../uapi/vfio.js';

export const CONTAINER_PATH = '/dev/vfio/vfio';

export function openContainer(opts: { path?: string; ctx?: CallCtx } = {}): NativeResult<number> {
  const p = opts.path ?? CONTAINER_PATH;
  return openPath(p, O_RDWR, opts.ctx, (errno) => errno === 2
    ? `${p} does not exist: load vfio (modprobe vfio-pci) or enable CONFIG_VFIO_CONTAINER / CONFIG_IOMMUFD_VFIO_CONTAINER.`
    : `open ${p} failed.`);
}

export function closeContainer(fd: number): NativeResult<void> {
  return closeFd(fd, `vfio container ${fd}`);
}

/** VFIO_GET_API_VERSION: must be VFIO_API_VERSION (0). */
export function apiVersion(fd: number, ctx: CallCtx = {}): NativeResult<number> {
  return plainCall(fd, 'VFIO_GET_API_VERSION', IO.VFIO_GET_API_VERSION, { kind: 'none' }, ctx);
}

/** VFIO_CHECK_EXTENSION(ext): > 0 when supported (e.g. VFIO_TYPE1v2_IOMMU = 3). */
export function checkExtension(fd: number, ext: number, ctx: CallCtx = {}): NativeResult<boolean> {
  const r = plainCall(fd, 'VFIO_CHECK_EXTENSION', IO.VFIO_CHECK_EXTENSION, { kind: 'value', value: ext }, ctx, { ext });
  return r.ok ? nok(r.value > 0) : r;
}

/** VFIO_SET_IOMMU(type): needs a group set on the container first. */
export function setIommu(fd: number, type: number = K.VFIO_TYPE1v2_IOMMU, ctx: CallCtx = {}): NativeResult<void> {
  const r = plainCall(fd, 'VFIO_SET_IOMMU', IO.VFIO_SET_IOMMU, { kind: 'value', value: type }, ctx, { type }, {
    EINVAL: 'No group is attached to the container yet, or the IOMMU type is not supported (check VFIO_CHECK_EXTENSION).',
    EBUSY: 'The container already has an IOMMU set.',
  });
  return r.ok ? nok(undefined) : r;
}

export interface Type1Info {
  flags: number;
  iovaPgsizes: bigint;
  /** From VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, inclusive ends. */
  iovaRanges: { start: bigint; end: bigint }[];
}

/** VFIO_IOMMU_GET_INFO with the capability chain (argsz grow-and-retry, like region info). */
export function iommuInfo(fd: number, ctx: CallCtx = {}): NativeResult<Type1Info> {
  let argsz = vfio_iommu_type1_info.size;
  for (let call = 1; call <= 4; call++) {
    const buf = encode(vfio_iommu_type1_info, { argsz }, argsz - vfio_iommu_type1_info.size);
    const r = bufferCall(fd, 'VFIO_IOMMU_GET_INFO', IO.VFIO_IOMMU_GET_INFO, buf, ctx, { argsz });
    if (!r.ok) return r;
    const h = decode(vfio_iommu_type1_info, buf);
    const flags = Number(h.flags);
    if ((flags & K.VFIO_IOMMU_INFO_CAPS) && Number(h.argsz) > argsz && call < 4) {
      argsz = Number(h.argsz);
      continue;
    }
    const iovaRanges: Type1Info['iovaRanges'] = [];
    let off = flags & K.VFIO_IOMMU_INFO_CAPS ? Number(h.cap_offset) : 0;
    const seen = new Set<number>();
    while (off && !seen.has(off) && off + vfio_info_cap_header.size <= buf.length) {
      seen.add(off);
      const ch = decode(vfio_info_cap_header, buf, off);
      if (Number(ch.id) === K.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
        const c = decode(vfio_iommu_type1_info_cap_iova_range, buf, off);
        for (let i = 0; i < Number(c.nr_iovas); i++) {
          const at = off + vfio_iommu_type1_info_cap_iova_range.size + i * vfio_iova_range.size;
          if (at + vfio_iova_range.size > buf.length) break;
          const rg = decode(vfio_iova_range, buf, at);
          iovaRanges.push({ start: rg.start as bigint, end: rg.end as bigint });
        }
      }
      off = Number(ch.next);
    }
    return nok({ flags, iovaPgsizes: h.iova_pgsizes as bigint, iovaRanges });
  }
  /* c8 ignore next */
  throw new Error('unreachable');
}

/** VFIO_IOMMU_MAP_DMA: vaddr must stay mapped until unmapped. READ and/or WRITE required. */
export function mapDma(fd: number, req: { vaddr: bigint; iova: bigint; size: bigint; read: boolean; write: boolean }, ctx: CallCtx = {}): NativeResult<void> {
  const flags = (req.read ? K.VFIO_DMA_MAP_FLAG_READ : 0) | (req.write ? K.VFIO_DMA_MAP_FLAG_WRITE : 0);
  const v = zeroed(vfio_iommu_type1_dma_map, { flags, vaddr: req.vaddr, iova: req.iova, size: req.size });
  const r = structCall(fd, 'VFIO_IOMMU_MAP_DMA', IO.VFIO_IOMMU_MAP_DMA, vfio_iommu_type1_dma_map, v, ctx,
    { vaddr: req.vaddr, iova: req.iova, size: req.size, flags }, {
      EEXIST: 'The IOVA range overlaps an existing mapping.',
      EINVAL: 'IOVA/size not aligned to the IOMMU page size, outside the valid IOVA ranges, or no READ/WRITE flag.',
      ENOMEM: 'Pinning failed: raise RLIMIT_MEMLOCK.',
      ENOSPC: 'Too many DMA mappings (dma_entry_limit).',
    });
  return r.ok ? nok(undefined) : r;
}

/** VFIO_IOMMU_UNMAP_DMA: returns the bytes actually unmapped. */
export function unmapDma(fd: number, req: { iova: bigint; size: bigint; all?: boolean }, ctx: CallCtx = {}): NativeResult<{ unmapped: bigint }> {
  const v = zeroed(vfio_iommu_type1_dma_unmap, { flags: req.all ? K.VFIO_DMA_UNMAP_FLAG_ALL : 0, iova: req.all ? 0n : req.iova, size: req.all ? 0n : req.size });
  const r = structCall(fd, 'VFIO_IOMMU_UNMAP_DMA', IO.VFIO_IOMMU_UNMAP_DMA, vfio_iommu_type1_dma_unmap, v, ctx, { iova: req.iova, size: req.size, all: req.all ?? false });
  return r.ok ? nok({ unmapped: r.value.size as bigint }) : r;
}
