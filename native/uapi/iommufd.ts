// SPDX-License-Identifier: MIT
// include/uapi/linux/iommufd.h, pinned to Linux 7.3 (Debian linux-libc-dev 7.3.4-1~bpo13+1; fetch it
// with scripts/uapi-headers.sh). Data only: layouts with the kernel's field names, request numbers
// and enum values. Kernel-doc text is quoted (shortened) above each struct.
//
// DOC: General ioctl format (from the header): the ioctl interface follows a general format to
// allow for extensibility. Each ioctl is passed a structure pointer as the argument providing the
// size of the structure in the first u32. The kernel checks that any structure space beyond what
// it understands is 0. This allows userspace to use the backward compatible portion while
// consistently using the newer, larger, structures. ioctls use a standard meaning for common
// errnos: ENOTTY the IOCTL number itself is not supported at all; E2BIG the IOCTL number is
// supported, but the provided structure has non-zero in a part the kernel does not understand;
// EOPNOTSUPP the IOCTL number is supported, and the structure is understood, however a known field
// has a value the kernel does not understand or support; EINVAL everything about the IOCTL was
// understood, but a field is not correct; ENOENT an ID or IOVA provided does not exist; ENOMEM out
// of memory; EOVERFLOW mathematics overflowed. As well as additional errnos, within specific ioctls.
import { _IO, defineStruct } from './layout.js';

export const UAPI_LINUX_VERSION = '7.3';
export const IOMMUFD_TYPE = 0x3b; // ';'

export const IOMMUFD_CMD = {
  IOMMUFD_CMD_BASE: 0x80,
  IOMMUFD_CMD_DESTROY: 0x80,
  IOMMUFD_CMD_IOAS_ALLOC: 0x81,
  IOMMUFD_CMD_IOAS_ALLOW_IOVAS: 0x82,
  IOMMUFD_CMD_IOAS_COPY: 0x83,
  IOMMUFD_CMD_IOAS_IOVA_RANGES: 0x84,
  IOMMUFD_CMD_IOAS_MAP: 0x85,
  IOMMUFD_CMD_IOAS_UNMAP: 0x86,
  IOMMUFD_CMD_OPTION: 0x87,
  IOMMUFD_CMD_VFIO_IOAS: 0x88,
  IOMMUFD_CMD_HWPT_ALLOC: 0x89,
  IOMMUFD_CMD_GET_HW_INFO: 0x8a,
  IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING: 0x8b,
  IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP: 0x8c,
  IOMMUFD_CMD_HWPT_INVALIDATE: 0x8d,
  IOMMUFD_CMD_FAULT_QUEUE_ALLOC: 0x8e,
  IOMMUFD_CMD_IOAS_MAP_FILE: 0x8f,
  IOMMUFD_CMD_VIOMMU_ALLOC: 0x90,
  IOMMUFD_CMD_VDEVICE_ALLOC: 0x91,
  IOMMUFD_CMD_IOAS_CHANGE_PROCESS: 0x92,
  IOMMUFD_CMD_VEVENTQ_ALLOC: 0x93,
  IOMMUFD_CMD_HW_QUEUE_ALLOC: 0x94,
  IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA: 0x95,
} as const;

const C = IOMMUFD_CMD;
/** Request numbers: every one is _IO(';', nr), no size or direction bits. */
export const IOMMUFD_IOCTL = {
  IOMMU_DESTROY: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_DESTROY),
  IOMMU_IOAS_ALLOC: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_IOAS_ALLOC),
  IOMMU_IOAS_ALLOW_IOVAS: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_IOAS_ALLOW_IOVAS),
  IOMMU_IOAS_COPY: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_IOAS_COPY),
  IOMMU_IOAS_IOVA_RANGES: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_IOAS_IOVA_RANGES),
  IOMMU_IOAS_MAP: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_IOAS_MAP),
  IOMMU_IOAS_UNMAP: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_IOAS_UNMAP),
  IOMMU_OPTION: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_OPTION),
  IOMMU_VFIO_IOAS: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_VFIO_IOAS),
  IOMMU_HWPT_ALLOC: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_HWPT_ALLOC),
  IOMMU_GET_HW_INFO: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_GET_HW_INFO),
  IOMMU_HWPT_SET_DIRTY_TRACKING: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING),
  IOMMU_HWPT_GET_DIRTY_BITMAP: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP),
  IOMMU_HWPT_INVALIDATE: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_HWPT_INVALIDATE),
  IOMMU_FAULT_QUEUE_ALLOC: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_FAULT_QUEUE_ALLOC),
  IOMMU_IOAS_MAP_FILE: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_IOAS_MAP_FILE),
  IOMMU_VIOMMU_ALLOC: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_VIOMMU_ALLOC),
  IOMMU_VDEVICE_ALLOC: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_VDEVICE_ALLOC),
  IOMMU_IOAS_CHANGE_PROCESS: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_IOAS_CHANGE_PROCESS),
  IOMMU_VEVENTQ_ALLOC: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_VEVENTQ_ALLOC),
  IOMMU_HW_QUEUE_ALLOC: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_HW_QUEUE_ALLOC),
  IOMMU_IOAS_NOIOMMU_GET_PA: _IO(IOMMUFD_TYPE, C.IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA),
} as const;
export type IommufdIoctlName = keyof typeof IOMMUFD_IOCTL;

/** Enum and flag values (names exactly as in the header). */
export const IOMMUFD_CONST = {
  // enum iommufd_ioas_map_flags
  IOMMU_IOAS_MAP_FIXED_IOVA: 1 << 0,
  IOMMU_IOAS_MAP_WRITEABLE: 1 << 1,
  IOMMU_IOAS_MAP_READABLE: 1 << 2,
  // enum iommufd_option / iommufd_option_ops
  IOMMU_OPTION_RLIMIT_MODE: 0,
  IOMMU_OPTION_HUGE_PAGES: 1,
  IOMMU_OPTION_OP_SET: 0,
  IOMMU_OPTION_OP_GET: 1,
  // enum iommufd_vfio_ioas_op
  IOMMU_VFIO_IOAS_GET: 0,
  IOMMU_VFIO_IOAS_SET: 1,
  IOMMU_VFIO_IOAS_CLEAR: 2,
  // enum iommufd_hwpt_alloc_flags
  IOMMU_HWPT_ALLOC_NEST_PARENT: 1 << 0,
  IOMMU_HWPT_ALLOC_DIRTY_TRACKING: 1 << 1,
  IOMMU_HWPT_FAULT_ID_VALID: 1 << 2,
  IOMMU_HWPT_ALLOC_PASID: 1 << 3,
  // enum iommu_hwpt_data_type
  IOMMU_HWPT_DATA_NONE: 0,
  IOMMU_HWPT_DATA_VTD_S1: 1,
  IOMMU_HWPT_DATA_ARM_SMMUV3: 2,
  IOMMU_HWPT_DATA_AMD_GUEST: 3,
  // enum iommu_hw_info_type
  IOMMU_HW_INFO_TYPE_NONE: 0,
  IOMMU_HW_INFO_TYPE_DEFAULT: 0,
  IOMMU_HW_INFO_TYPE_INTEL_VTD: 1,
  IOMMU_HW_INFO_TYPE_ARM_SMMUV3: 2,
  IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV: 3,
  IOMMU_HW_INFO_TYPE_AMD: 4,
  // enum iommufd_hw_capabilities
  IOMMU_HW_CAP_DIRTY_TRACKING: 1 << 0,
  IOMMU_HW_CAP_PCI_PASID_EXEC: 1 << 1,
  IOMMU_HW_CAP_PCI_PASID_PRIV: 1 << 2,
  IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED: 1 << 3,
  // enum iommufd_hw_info_flags
  IOMMU_HW_INFO_FLAG_INPUT_TYPE: 1 << 0,
  // enum iommufd_hwpt_set_dirty_tracking_flags
  IOMMU_HWPT_DIRTY_TRACKING_ENABLE: 1,
  // enum iommu_viommu_type
  IOMMU_VIOMMU_TYPE_DEFAULT: 0,
  IOMMU_VIOMMU_TYPE_ARM_SMMUV3: 1,
  IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV: 2,
} as const;

/** struct iommu_destroy - ioctl(IOMMU_DESTROY). @id: iommufd object ID to destroy. Can be any destroyable object type. */
export const iommu_destroy = defineStruct('iommu_destroy', { size: 8, align: 4 }, [
  ['size', 'u32', 0], ['id', 'u32', 4]]);

/** struct iommu_ioas_alloc - ioctl(IOMMU_IOAS_ALLOC). @flags: Must be 0. @out_ioas_id: Output IOAS ID for the allocated object. */
export const iommu_ioas_alloc = defineStruct('iommu_ioas_alloc', { size: 12, align: 4 }, [
  ['size', 'u32', 0], ['flags', 'u32', 4], ['out_ioas_id', 'u32', 8]]);

/** struct iommu_iova_range. @start: First IOVA. @last: Inclusive last IOVA. */
export const iommu_iova_range = defineStruct('iommu_iova_range', { size: 16, align: 8 }, [
  ['start', 'aligned_u64', 0], ['last', 'aligned_u64', 8]]);

/**
 * struct iommu_ioas_iova_ranges - ioctl(IOMMU_IOAS_IOVA_RANGES).
 * @num_iovas: Input/Output total number of ranges in the IOAS. @allowed_iovas: Pointer to the output
 * array of struct iommu_iova_range. @out_iova_alignment: Minimum alignment required for mapping IOVA.
 * "The ioctl will return -EMSGSIZE and set num_iovas to the required value if num_iovas is too small."
 */
export const iommu_ioas_iova_ranges = defineStruct('iommu_ioas_iova_ranges', { size: 32, align: 8 }, [
  ['size', 'u32', 0], ['ioas_id', 'u32', 4], ['num_iovas', 'u32', 8], ['__reserved', 'u32', 12],
  ['allowed_iovas', 'aligned_u64', 16], ['out_iova_alignment', 'aligned_u64', 24]]);

/**
 * struct iommu_ioas_allow_iovas - ioctl(IOMMU_IOAS_ALLOW_IOVAS). Ensure a range of IOVAs are always
 * available for allocation. "This call replaces the entire allowed list with the given list."
 */
export const iommu_ioas_allow_iovas = defineStruct('iommu_ioas_allow_iovas', { size: 24, align: 8 }, [
  ['size', 'u32', 0], ['ioas_id', 'u32', 4], ['num_iovas', 'u32', 8], ['__reserved', 'u32', 12],
  ['allowed_iovas', 'aligned_u64', 16]]);

/**
 * struct iommu_ioas_map - ioctl(IOMMU_IOAS_MAP). @user_va: Userspace pointer to start mapping from.
 * @length: Number of bytes to map. @iova: IOVA the mapping was placed at. If
 * IOMMU_IOAS_MAP_FIXED_IOVA is set then this must be provided as input.
 */
export const iommu_ioas_map = defineStruct('iommu_ioas_map', { size: 40, align: 8 }, [
  ['size', 'u32', 0], ['flags', 'u32', 4], ['ioas_id', 'u32', 8], ['__reserved', 'u32', 12],
  ['user_va', 'aligned_u64', 16], ['length', 'aligned_u64', 24], ['iova', 'aligned_u64', 32]]);

/** struct iommu_ioas_noiommu_get_pa - ioctl(IOMMU_IOAS_NOIOMMU_GET_PA) (7.3). For noiommu devices doing unsafe DMA only. */
export const iommu_ioas_noiommu_get_pa = defineStruct('iommu_ioas_noiommu_get_pa', { size: 40, align: 8 }, [
  ['size', 'u32', 0], ['flags', 'u32', 4], ['ioas_id', 'u32', 8], ['__reserved', 'u32', 12],
  ['iova', 'aligned_u64', 16], ['length', 'aligned_u64', 24], ['out_phys', 'aligned_u64', 32]]);

/** struct iommu_ioas_map_file - ioctl(IOMMU_IOAS_MAP_FILE) (6.13). @fd: the memfd or supported dma-buf file to map. @start: byte offset from start of the file. */
export const iommu_ioas_map_file = defineStruct('iommu_ioas_map_file', { size: 40, align: 8 }, [
  ['size', 'u32', 0], ['flags', 'u32', 4], ['ioas_id', 'u32', 8], ['fd', 's32', 12],
  ['start', 'aligned_u64', 16], ['length', 'aligned_u64', 24], ['iova', 'aligned_u64', 32]]);

/** struct iommu_ioas_copy - ioctl(IOMMU_IOAS_COPY). "The src iova/length must exactly match a range used with IOMMU_IOAS_MAP." */
export const iommu_ioas_copy = defineStruct('iommu_ioas_copy', { size: 40, align: 8 }, [
  ['size', 'u32', 0], ['flags', 'u32', 4], ['dst_ioas_id', 'u32', 8], ['src_ioas_id', 'u32', 12],
  ['length', 'aligned_u64', 16], ['dst_iova', 'aligned_u64', 24], ['src_iova', 'aligned_u64', 32]]);

/**
 * struct iommu_ioas_unmap - ioctl(IOMMU_IOAS_UNMAP). @length: Number of bytes to unmap, and return
 * back the bytes unmapped. "The iova/length must be a superset of a previously mapped range ...
 * Splitting or truncating ranges is not allowed. The values 0 to U64_MAX will unmap everything."
 */
export const iommu_ioas_unmap = defineStruct('iommu_ioas_unmap', { size: 24, align: 8 }, [
  ['size', 'u32', 0], ['ioas_id', 'u32', 4], ['iova', 'aligned_u64', 8], ['length', 'aligned_u64', 16]]);

/** struct iommu_option - iommu option multiplexer. @option_id: One of enum iommufd_option. @op: One of enum iommufd_option_ops. @val64: Option value to set or value returned on get. */
export const iommu_option = defineStruct('iommu_option', { size: 24, align: 8 }, [
  ['size', 'u32', 0], ['option_id', 'u32', 4], ['op', 'u16', 8], ['__reserved', 'u16', 10],
  ['object_id', 'u32', 12], ['val64', 'aligned_u64', 16]]);

/** struct iommu_vfio_ioas - ioctl(IOMMU_VFIO_IOAS). Set or Get the IOAS that VFIO compatibility will use. */
export const iommu_vfio_ioas = defineStruct('iommu_vfio_ioas', { size: 12, align: 4 }, [
  ['size', 'u32', 0], ['ioas_id', 'u32', 4], ['op', 'u16', 8], ['__reserved', 'u16', 10]]);

/**
 * struct iommu_hwpt_alloc - ioctl(IOMMU_HWPT_ALLOC). @dev_id: The device to allocate this HWPT for.
 * @pt_id: The IOAS or HWPT or vIOMMU to connect this HWPT to. @out_hwpt_id: The ID of the new HWPT.
 * @data_type: One of enum iommu_hwpt_data_type. @fault_id: Valid only if IOMMU_HWPT_FAULT_ID_VALID.
 */
export const iommu_hwpt_alloc = defineStruct('iommu_hwpt_alloc', { size: 48, align: 8 }, [
  ['size', 'u32', 0], ['flags', 'u32', 4], ['dev_id', 'u32', 8], ['pt_id', 'u32', 12],
  ['out_hwpt_id', 'u32', 16], ['__reserved', 'u32', 20], ['data_type', 'u32', 24], ['data_len', 'u32', 28],
  ['data_uptr', 'aligned_u64', 32], ['fault_id', 'u32', 40], ['__reserved2', 'u32', 44]]);

/** struct iommu_hwpt_arm_smmuv3 - ARM SMMUv3 nested STE (IOMMU_HWPT_DATA_ARM_SMMUV3). @ste: The first two double words of the user space Stream Table Entry (little-endian). */
export const iommu_hwpt_arm_smmuv3 = defineStruct('iommu_hwpt_arm_smmuv3', { size: 16, align: 8 }, [
  ['ste', 'aligned_u64', 0, { count: 2 }]]);

/**
 * struct iommu_hw_info - ioctl(IOMMU_GET_HW_INFO). @data_len: Input the length of a user buffer in
 * bytes. Output the length of data that kernel supports. @in_data_type/@out_data_type: one shared
 * field. @out_max_pasid_log2: 0 means no PASID support (6.15). @out_capabilities: enum iommufd_hw_capabilities.
 */
export const iommu_hw_info = defineStruct('iommu_hw_info', { size: 40, align: 8 }, [
  ['size', 'u32', 0], ['flags', 'u32', 4], ['dev_id', 'u32', 8], ['data_len', 'u32', 12],
  ['data_uptr', 'aligned_u64', 16], ['in_data_type', 'u32', 24], ['out_data_type', 'u32', 24, { union: true }],
  ['out_max_pasid_log2', 'u8', 28], ['__reserved', 'u8', 29, { count: 3 }], ['out_capabilities', 'aligned_u64', 32]]);

/** struct iommu_hw_info_vtd - Intel VT-d hardware information. @cap_reg/@ecap_reg: Value of Intel VT-d capability/extended capability register. */
export const iommu_hw_info_vtd = defineStruct('iommu_hw_info_vtd', { size: 24, align: 8 }, [
  ['flags', 'u32', 0], ['__reserved', 'u32', 4], ['cap_reg', 'aligned_u64', 8], ['ecap_reg', 'aligned_u64', 16]]);

/** struct iommu_hw_info_arm_smmuv3 - ARM SMMUv3 hardware information. @idr: Implemented features for ARM SMMU Non-secure programming interface. */
export const iommu_hw_info_arm_smmuv3 = defineStruct('iommu_hw_info_arm_smmuv3', { size: 40, align: 4 }, [
  ['flags', 'u32', 0], ['__reserved', 'u32', 4], ['idr', 'u32', 8, { count: 6 }], ['iidr', 'u32', 32], ['aidr', 'u32', 36]]);

/** struct iommu_hw_info_amd - AMD IOMMU device info. @efr/@efr2: Value of AMD IOMMU Extended Feature Register (EFR/EFR2). */
export const iommu_hw_info_amd = defineStruct('iommu_hw_info_amd', { size: 16, align: 8 }, [
  ['efr', 'aligned_u64', 0], ['efr2', 'aligned_u64', 8]]);

/** struct iommu_hwpt_set_dirty_tracking - ioctl(IOMMU_HWPT_SET_DIRTY_TRACKING). */
export const iommu_hwpt_set_dirty_tracking = defineStruct('iommu_hwpt_set_dirty_tracking', { size: 16, align: 4 }, [
  ['size', 'u32', 0], ['flags', 'u32', 4], ['hwpt_id', 'u32', 8], ['__reserved', 'u32', 12]]);

/** struct iommu_hwpt_get_dirty_bitmap - ioctl(IOMMU_HWPT_GET_DIRTY_BITMAP). */
export const iommu_hwpt_get_dirty_bitmap = defineStruct('iommu_hwpt_get_dirty_bitmap', { size: 48, align: 8 }, [
  ['size', 'u32', 0], ['hwpt_id', 'u32', 4], ['flags', 'u32', 8], ['__reserved', 'u32', 12],
  ['iova', 'aligned_u64', 16], ['length', 'aligned_u64', 24], ['page_size', 'aligned_u64', 32], ['data', 'aligned_u64', 40]]);

/** struct iommu_hwpt_invalidate - ioctl(IOMMU_HWPT_INVALIDATE). @entry_num: Input the number of cache invalidation requests in the array. Output the number of requests successfully handled by kernel. */
export const iommu_hwpt_invalidate = defineStruct('iommu_hwpt_invalidate', { size: 32, align: 8 }, [
  ['size', 'u32', 0], ['hwpt_id', 'u32', 4], ['data_uptr', 'aligned_u64', 8], ['data_type', 'u32', 16],
  ['entry_len', 'u32', 20], ['entry_num', 'u32', 24], ['__reserved', 'u32', 28]]);

/** struct iommu_fault_alloc - ioctl(IOMMU_FAULT_QUEUE_ALLOC). */
export const iommu_fault_alloc = defineStruct('iommu_fault_alloc', { size: 16, align: 4 }, [
  ['size', 'u32', 0], ['flags', 'u32', 4], ['out_fault_id', 'u32', 8], ['out_fault_fd', 'u32', 12]]);

/**
 * struct iommu_viommu_alloc - ioctl(IOMMU_VIOMMU_ALLOC) (6.13). @type: enum iommu_viommu_type.
 * @dev_id: The device's physical IOMMU will be used to back the virtual IOMMU. @hwpt_id: ID of a
 * nesting parent HWPT to associate to. @out_viommu_id: Output virtual IOMMU ID.
 */
export const iommu_viommu_alloc = defineStruct('iommu_viommu_alloc', { size: 40, align: 8 }, [
  ['size', 'u32', 0], ['flags', 'u32', 4], ['type', 'u32', 8], ['dev_id', 'u32', 12], ['hwpt_id', 'u32', 16],
  ['out_viommu_id', 'u32', 20], ['data_len', 'u32', 24], ['__reserved', 'u32', 28], ['data_uptr', 'aligned_u64', 32]]);

/**
 * struct iommu_vdevice_alloc - ioctl(IOMMU_VDEVICE_ALLOC) (6.13). @virt_id: Virtual device ID per
 * vIOMMU, e.g. vSID of ARM SMMUv3, vDeviceID of AMD IOMMU, and vRID of Intel VT-d. "User should use
 * IOMMU_DESTROY to destroy the virtual device before destroying the physical device."
 */
export const iommu_vdevice_alloc = defineStruct('iommu_vdevice_alloc', { size: 24, align: 8 }, [
  ['size', 'u32', 0], ['viommu_id', 'u32', 4], ['dev_id', 'u32', 8], ['out_vdevice_id', 'u32', 12], ['virt_id', 'aligned_u64', 16]]);

/** struct iommu_ioas_change_process - ioctl(IOMMU_IOAS_CHANGE_PROCESS) (6.13). */
export const iommu_ioas_change_process = defineStruct('iommu_ioas_change_process', { size: 8, align: 4 }, [
  ['size', 'u32', 0], ['__reserved', 'u32', 4]]);

/** struct iommu_veventq_alloc - ioctl(IOMMU_VEVENTQ_ALLOC) (6.15). */
export const iommu_veventq_alloc = defineStruct('iommu_veventq_alloc', { size: 32, align: 4 }, [
  ['size', 'u32', 0], ['flags', 'u32', 4], ['viommu_id', 'u32', 8], ['type', 'u32', 12], ['veventq_depth', 'u32', 16],
  ['out_veventq_id', 'u32', 20], ['out_veventq_fd', 'u32', 24], ['__reserved', 'u32', 28]]);

/** struct iommu_hw_queue_alloc - ioctl(IOMMU_HW_QUEUE_ALLOC) (6.17). */
export const iommu_hw_queue_alloc = defineStruct('iommu_hw_queue_alloc', { size: 40, align: 8 }, [
  ['size', 'u32', 0], ['flags', 'u32', 4], ['viommu_id', 'u32', 8], ['type', 'u32', 12], ['index', 'u32', 16],
  ['out_hw_queue_id', 'u32', 20], ['nesting_parent_iova', 'aligned_u64', 24], ['length', 'aligned_u64', 32]]);

export const IOMMUFD_STRUCTS = [
  iommu_destroy, iommu_ioas_alloc, iommu_iova_range, iommu_ioas_iova_ranges, iommu_ioas_allow_iovas, iommu_ioas_map,
  iommu_ioas_noiommu_get_pa, iommu_ioas_map_file, iommu_ioas_copy, iommu_ioas_unmap, iommu_option, iommu_vfio_ioas,
  iommu_hwpt_alloc, iommu_hwpt_arm_smmuv3, iommu_hw_info, iommu_hw_info_vtd, iommu_hw_info_arm_smmuv3, iommu_hw_info_amd,
  iommu_hwpt_set_dirty_tracking, iommu_hwpt_get_dirty_bitmap, iommu_hwpt_invalidate, iommu_fault_alloc,
  iommu_viommu_alloc, iommu_vdevice_alloc, iommu_ioas_change_process, iommu_veventq_alloc, iommu_hw_queue_alloc,
] as const;
