// SPDX-License-Identifier: MIT
// HWPT: a hardware page table (iommu_domain). IOMMU_HWPT_ALLOC (6.6) and
// IOMMU_HWPT_SET_DIRTY_TRACKING (6.7).
import { allocUser, structCall } from '../sys/call.js';
import { type NativeResult, nok } from '../sys/result.js';
import { type CallCtx } from '../sys/trace.js';
import { IOMMUFD_IOCTL as IO, iommu_hwpt_alloc, iommu_hwpt_set_dirty_tracking } from '../uapi/iommufd.js';
import { zeroed } from '../uapi/layout.js';

export interface HwptAllocRequest {
  devId: number;
  /** IOAS (kernel-managed paging HWPT), parent HWPT or vIOMMU (nested HWPT). */
  ptId: number;
  /** enum iommufd_hwpt_alloc_flags: NEST_PARENT 1, DIRTY_TRACKING 2, FAULT_ID_VALID 4, PASID 8. */
  flags: number;
  /** enum iommu_hwpt_data_type; 0 (NONE) for a paging HWPT. */
  dataType?: number;
  /** Vendor stage-1 data, e.g. struct iommu_hwpt_arm_smmuv3 (16 bytes, little-endian STE words). */
  data?: Uint8Array;
  faultId?: number;
}

export function hwptAlloc(fd: number, req: HwptAllocRequest, ctx: CallCtx = {}): NativeResult<number> {
  const len = req.data?.length ?? 0;
  const ub = allocUser(len);
  try {
    if (len) ub.write(Buffer.from(req.data!));
    const v = zeroed(iommu_hwpt_alloc, {
      flags: req.flags, dev_id: req.devId, pt_id: req.ptId, data_type: req.dataType ?? 0,
      data_len: len, data_uptr: len ? ub.addr : 0n, fault_id: req.faultId ?? 0,
    });
    const r = structCall(fd, 'IOMMU_HWPT_ALLOC', IO.IOMMU_HWPT_ALLOC, iommu_hwpt_alloc, v, ctx,
      { dev_id: req.devId, pt_id: req.ptId, flags: req.flags, data_type: req.dataType ?? 0, data_len: len }, {
        EOPNOTSUPP: 'This IOMMU does not support the requested flags or data type (nesting, dirty tracking, PASID).',
        ENOENT: `Device ${req.devId} or pt ${req.ptId} does not exist on this iommufd.`,
      });
    return r.ok ? nok(Number(r.value.out_hwpt_id)) : r;
  } finally {
    ub.free();
  }
}

export function hwptSetDirtyTracking(fd: number, hwptId: number, enable: boolean, ctx: CallCtx = {}): NativeResult<void> {
  const v = zeroed(iommu_hwpt_set_dirty_tracking, { hwpt_id: hwptId, flags: enable ? 1 : 0 });
  const r = structCall(fd, 'IOMMU_HWPT_SET_DIRTY_TRACKING', IO.IOMMU_HWPT_SET_DIRTY_TRACKING, iommu_hwpt_set_dirty_tracking, v, ctx, { hwpt_id: hwptId, enable });
  return r.ok ? nok(undefined) : r;
}
