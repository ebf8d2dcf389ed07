// SPDX-License-Identifier: MIT
// vIOMMU (6.13): a VM's slice of a physical IOMMU, on top of a nesting-parent HWPT.
import { allocUser, structCall } from '../sys/call.js';
import { type NativeResult, nok } from '../sys/result.js';
import { type CallCtx } from '../sys/trace.js';
import { IOMMUFD_IOCTL as IO, iommu_viommu_alloc } from '../uapi/iommufd.js';
import { zeroed } from '../uapi/layout.js';

/** IOMMU_VIOMMU_ALLOC: type is enum iommu_viommu_type (1 ARM_SMMUV3, 2 TEGRA241_CMDQV). ENOTTY before 6.13. */
export function viommuAlloc(fd: number, req: { type: number; devId: number; hwptId: number; data?: Uint8Array }, ctx: CallCtx = {}): NativeResult<number> {
  const len = req.data?.length ?? 0;
  const ub = allocUser(len);
  try {
    if (len) ub.write(Buffer.from(req.data!));
    const v = zeroed(iommu_viommu_alloc, { type: req.type, dev_id: req.devId, hwpt_id: req.hwptId, data_len: len, data_uptr: len ? ub.addr : 0n });
    const r = structCall(fd, 'IOMMU_VIOMMU_ALLOC', IO.IOMMU_VIOMMU_ALLOC, iommu_viommu_alloc, v, ctx,
      { type: req.type, dev_id: req.devId, hwpt_id: req.hwptId }, {
        EOPNOTSUPP: 'This IOMMU driver has no vIOMMU of that type.',
        EINVAL: 'hwpt_id must be a NEST_PARENT HWPT on the same IOMMU instance as the device.',
      });
    return r.ok ? nok(Number(r.value.out_viommu_id)) : r;
  } finally {
    ub.free();
  }
}
