// SPDX-License-Identifier: MIT
// vDEVICE (6.13): a device's virtual ID (vSID, vRID, vDeviceID) on a vIOMMU. Destroy it with
// IOMMU_DESTROY before closing the device fd, or its ID leaks until the iommufd is closed.
import { structCall } from '../sys/call.js';
import { type NativeResult, nok } from '../sys/result.js';
import { type CallCtx } from '../sys/trace.js';
import { IOMMUFD_IOCTL as IO, iommu_vdevice_alloc } from '../uapi/iommufd.js';
import { zeroed } from '../uapi/layout.js';

export function vdeviceAlloc(fd: number, req: { viommuId: number; devId: number; virtId: bigint }, ctx: CallCtx = {}): NativeResult<number> {
  const v = zeroed(iommu_vdevice_alloc, { viommu_id: req.viommuId, dev_id: req.devId, virt_id: req.virtId });
  const r = structCall(fd, 'IOMMU_VDEVICE_ALLOC', IO.IOMMU_VDEVICE_ALLOC, iommu_vdevice_alloc, v, ctx,
    { viommu_id: req.viommuId, dev_id: req.devId, virt_id: req.virtId }, {
      EEXIST: 'The device already has a vDEVICE on this vIOMMU, or the virt_id is taken.',
    });
  return r.ok ? nok(Number(r.value.out_vdevice_id)) : r;
}
