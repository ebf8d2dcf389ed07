// SPDX-License-Identifier: MIT
// The iommufd file descriptor (/dev/iommu): open/close, IOMMU_DESTROY, IOMMU_OPTION,
// IOMMU_GET_HW_INFO, IOMMU_VFIO_IOAS. Every call returns errno as data.
import { closeFd, O_RDWR, openPath } from '../sys/fd.js';
import { allocUser, structCall } from '../sys/call.js';
import { type NativeResult, nok } from '../sys/result.js';
import { type CallCtx } from '../sys/trace.js';
import { IOMMUFD_CONST as K, IOMMUFD_IOCTL as IO, iommu_destroy, iommu_hw_info, iommu_option, iommu_vfio_ioas } from '../uapi/iommufd.js';
import { zeroed } from '../uapi/layout.js';

export const IOMMUFD_PATH = '/dev/iommu';

/**
 * open("/dev/iommu", O_RDWR). ENOENT means the kernel has no iommufd (CONFIG_IOMMUFD unset: every
 * stock Debian kernel up to 7.3) or no IOMMU; EACCES means the node is 0660 root and this user is
 * not in its group.
 */
export function openIommufd(ctx: CallCtx = {}, path = IOMMUFD_PATH): NativeResult<number> {
  return openPath(path, O_RDWR, ctx, (errno) => {
    if (errno === 2) return `${path} does not exist: this kernel has no iommufd (CONFIG_IOMMUFD) or no IOMMU is enabled (intel_iommu=on / iommu.passthrough=0). Use the legacy VFIO container path or --lab sim.`;
    if (errno === 13 || errno === 1) return `${path} is mode 0660: run as root or add a udev rule giving your group access.`;
    return `open ${path} failed; check dmesg for iommufd errors.`;
  });
}

export function closeIommufd(fd: number): NativeResult<void> {
  return closeFd(fd, `iommufd ${fd}`);
}

/** IOMMU_DESTROY: any destroyable object (IOAS, HWPT, vIOMMU, vDEVICE, fault queue). EBUSY while referenced. */
export function destroy(fd: number, id: number, ctx: CallCtx = {}): NativeResult<void> {
  const r = structCall(fd, 'IOMMU_DESTROY', IO.IOMMU_DESTROY, iommu_destroy, zeroed(iommu_destroy, { id }), ctx, { id }, {
    EBUSY: `Object ${id} is still referenced (attached device, child HWPT/vIOMMU, or mappings in use); detach first.`,
    ENOENT: `No iommufd object ${id} on this fd.`,
  });
  return r.ok ? nok(undefined) : r;
}

/**
 * IOMMU_OPTION get/set. RLIMIT_MODE (0) is global (objectId 0, needs privilege); HUGE_PAGES (1) is
 * per IOAS. Any other id gives EOPNOTSUPP on 7.3: the proposed SW_MSI_START/SIZE (2/3) never merged.
 */
export function option(fd: number, req: { optionId: number; op: 'get' | 'set'; objectId: number; val?: bigint }, ctx: CallCtx = {}): NativeResult<bigint> {
  const v = zeroed(iommu_option, {
    option_id: req.optionId,
    op: req.op === 'get' ? K.IOMMU_OPTION_OP_GET : K.IOMMU_OPTION_OP_SET,
    object_id: req.objectId,
    val64: req.val ?? 0n,
  });
  const r = structCall(fd, 'IOMMU_OPTION', IO.IOMMU_OPTION, iommu_option, v, ctx,
    { option_id: req.optionId, op: req.op, object_id: req.objectId, val64: req.val }, {
      EOPNOTSUPP: `Option ${req.optionId} is not known to this kernel (7.3 has RLIMIT_MODE=0 and HUGE_PAGES=1 only).`,
      EPERM: 'Setting RLIMIT_MODE needs CAP_SYS_RESOURCE.',
    });
  return r.ok ? nok(r.value.val64 as bigint) : r;
}

export interface HwInfo {
  /** enum iommu_hw_info_type: 1 INTEL_VTD, 2 ARM_SMMUV3, 3 TEGRA241_CMDQV, 4 AMD, 0 none. */
  type: number;
  capabilities: bigint;
  maxPasidLog2: number;
  /** The vendor block (iommu_hw_info_vtd, _arm_smmuv3, _amd), as long as the kernel reported. */
  data: Uint8Array;
}

/**
 * IOMMU_GET_HW_INFO for a bound device (devId from VFIO_DEVICE_BIND_IOMMUFD). The kernel fills at
 * most data_len bytes of the vendor block and reports its own length in data_len.
 */
export function getHwInfo(fd: number, devId: number, ctx: CallCtx = {}, bufLen = 256): NativeResult<HwInfo> {
  const ub = allocUser(bufLen);
  try {
    const v = zeroed(iommu_hw_info, { dev_id: devId, data_len: bufLen, data_uptr: ub.addr });
    const r = structCall(fd, 'IOMMU_GET_HW_INFO', IO.IOMMU_GET_HW_INFO, iommu_hw_info, v, ctx, { dev_id: devId, data_len: bufLen }, {
      ENOENT: `Device object ${devId} is not bound to this iommufd.`,
    });
    if (!r.ok) return r;
    const len = Math.min(Number(r.value.data_len), bufLen);
    return nok({
      type: Number(r.value.in_data_type),
      capabilities: r.value.out_capabilities as bigint,
      maxPasidLog2: Number(r.value.out_max_pasid_log2),
      data: new Uint8Array(ub.read().subarray(0, len)),
    });
  } finally {
    ub.free();
  }
}

/** IOMMU_VFIO_IOAS: get/set/clear the IOAS the /dev/vfio/vfio compatibility container uses. */
export function vfioIoas(fd: number, op: 'get' | 'set' | 'clear', ioasId = 0, ctx: CallCtx = {}): NativeResult<number> {
  const code = op === 'get' ? K.IOMMU_VFIO_IOAS_GET : op === 'set' ? K.IOMMU_VFIO_IOAS_SET : K.IOMMU_VFIO_IOAS_CLEAR;
  const r = structCall(fd, 'IOMMU_VFIO_IOAS', IO.IOMMU_VFIO_IOAS, iommu_vfio_ioas, zeroed(iommu_vfio_ioas, { ioas_id: ioasId, op: code }), ctx, { op, ioas_id: ioasId });
  return r.ok ? nok(Number(r.value.ioas_id)) : r;
}
