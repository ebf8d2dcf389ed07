// SPDX-License-Identifier: MIT
// include/uapi/linux/vfio.h, pinned to Linux 7.3 (Debian linux-libc-dev 7.3.4-1~bpo13+1; fetch it
// with scripts/uapi-headers.sh). Data only: layouts with the kernel's field names, request numbers
// and flag values.
//
// The header comments say _IOR/_IOW/_IOWR, but every macro is _IO(VFIO_TYPE, VFIO_BASE + k): the
// request carries no size; the struct carries it in `argsz`. The kernel rejects argsz < minsz with
// EINVAL and unknown flag bits with EINVAL. INFO ioctls with capability chains raise argsz on
// output when the chain did not fit: "Callers of INFO ioctls passing insufficiently sized buffers
// will see the capability chain flag bit set, a zero value for the first capability offset (if
// available within the provided argsz), and argsz will be updated to report the necessary buffer
// size. For compatibility, the INFO ioctl will not report error in this case, but the capability
// chain will not be available."
import { _IO, defineStruct } from './layout.js';

export const VFIO_TYPE = 0x3b; // ';'
export const VFIO_BASE = 100;

/** Request numbers. Note the shared numbers: BASE+12..14 mean IOMMU_* on a container fd and DEVICE_*_HOT_RESET on a device fd. */
export const VFIO_IOCTL = {
  VFIO_GET_API_VERSION: _IO(VFIO_TYPE, VFIO_BASE + 0),
  VFIO_CHECK_EXTENSION: _IO(VFIO_TYPE, VFIO_BASE + 1),
  VFIO_SET_IOMMU: _IO(VFIO_TYPE, VFIO_BASE + 2),
  VFIO_GROUP_GET_STATUS: _IO(VFIO_TYPE, VFIO_BASE + 3),
  VFIO_GROUP_SET_CONTAINER: _IO(VFIO_TYPE, VFIO_BASE + 4),
  VFIO_GROUP_UNSET_CONTAINER: _IO(VFIO_TYPE, VFIO_BASE + 5),
  VFIO_GROUP_GET_DEVICE_FD: _IO(VFIO_TYPE, VFIO_BASE + 6),
  VFIO_DEVICE_GET_INFO: _IO(VFIO_TYPE, VFIO_BASE + 7),
  VFIO_DEVICE_GET_REGION_INFO: _IO(VFIO_TYPE, VFIO_BASE + 8),
  VFIO_DEVICE_GET_IRQ_INFO: _IO(VFIO_TYPE, VFIO_BASE + 9),
  VFIO_DEVICE_SET_IRQS: _IO(VFIO_TYPE, VFIO_BASE + 10),
  VFIO_DEVICE_RESET: _IO(VFIO_TYPE, VFIO_BASE + 11),
  VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: _IO(VFIO_TYPE, VFIO_BASE + 12),
  VFIO_DEVICE_PCI_HOT_RESET: _IO(VFIO_TYPE, VFIO_BASE + 13),
  VFIO_DEVICE_FEATURE: _IO(VFIO_TYPE, VFIO_BASE + 17),
  VFIO_DEVICE_BIND_IOMMUFD: _IO(VFIO_TYPE, VFIO_BASE + 18),
  VFIO_DEVICE_ATTACH_IOMMUFD_PT: _IO(VFIO_TYPE, VFIO_BASE + 19),
  VFIO_DEVICE_DETACH_IOMMUFD_PT: _IO(VFIO_TYPE, VFIO_BASE + 20),
  VFIO_IOMMU_GET_INFO: _IO(VFIO_TYPE, VFIO_BASE + 12),
  VFIO_IOMMU_MAP_DMA: _IO(VFIO_TYPE, VFIO_BASE + 13),
  VFIO_IOMMU_UNMAP_DMA: _IO(VFIO_TYPE, VFIO_BASE + 14),
} as const;
export type VfioIoctlName = keyof typeof VFIO_IOCTL;

export const VFIO_CONST = {
  VFIO_API_VERSION: 0,
  VFIO_TYPE1_IOMMU: 1,
  VFIO_TYPE1v2_IOMMU: 3,
  VFIO_NOIOMMU_IOMMU: 8,
  VFIO_UNMAP_ALL: 9,
  VFIO_GROUP_FLAGS_VIABLE: 1 << 0,
  VFIO_GROUP_FLAGS_CONTAINER_SET: 1 << 1,
  VFIO_DEVICE_FLAGS_RESET: 1 << 0,
  VFIO_DEVICE_FLAGS_PCI: 1 << 1,
  VFIO_DEVICE_FLAGS_PLATFORM: 1 << 2,
  VFIO_DEVICE_FLAGS_AMBA: 1 << 3,
  VFIO_DEVICE_FLAGS_CCW: 1 << 4,
  VFIO_DEVICE_FLAGS_AP: 1 << 5,
  VFIO_DEVICE_FLAGS_FSL_MC: 1 << 6,
  VFIO_DEVICE_FLAGS_CAPS: 1 << 7,
  VFIO_DEVICE_FLAGS_CDX: 1 << 8,
  VFIO_REGION_INFO_FLAG_READ: 1 << 0,
  VFIO_REGION_INFO_FLAG_WRITE: 1 << 1,
  VFIO_REGION_INFO_FLAG_MMAP: 1 << 2,
  VFIO_REGION_INFO_FLAG_CAPS: 1 << 3,
  VFIO_REGION_INFO_CAP_SPARSE_MMAP: 1,
  VFIO_REGION_INFO_CAP_TYPE: 2,
  VFIO_REGION_INFO_CAP_MSIX_MAPPABLE: 3,
  VFIO_IRQ_INFO_EVENTFD: 1 << 0,
  VFIO_IRQ_INFO_MASKABLE: 1 << 1,
  VFIO_IRQ_INFO_AUTOMASKED: 1 << 2,
  VFIO_IRQ_INFO_NORESIZE: 1 << 3,
  VFIO_IRQ_SET_DATA_NONE: 1 << 0,
  VFIO_IRQ_SET_DATA_BOOL: 1 << 1,
  VFIO_IRQ_SET_DATA_EVENTFD: 1 << 2,
  VFIO_IRQ_SET_ACTION_MASK: 1 << 3,
  VFIO_IRQ_SET_ACTION_UNMASK: 1 << 4,
  VFIO_IRQ_SET_ACTION_TRIGGER: 1 << 5,
  VFIO_IRQ_SET_DATA_TYPE_MASK: 0x7,
  VFIO_IRQ_SET_ACTION_TYPE_MASK: 0x38,
  VFIO_PCI_BAR0_REGION_INDEX: 0,
  VFIO_PCI_BAR5_REGION_INDEX: 5,
  VFIO_PCI_ROM_REGION_INDEX: 6,
  VFIO_PCI_CONFIG_REGION_INDEX: 7,
  VFIO_PCI_VGA_REGION_INDEX: 8,
  VFIO_PCI_NUM_REGIONS: 9,
  VFIO_PCI_INTX_IRQ_INDEX: 0,
  VFIO_PCI_MSI_IRQ_INDEX: 1,
  VFIO_PCI_MSIX_IRQ_INDEX: 2,
  VFIO_PCI_ERR_IRQ_INDEX: 3,
  VFIO_PCI_REQ_IRQ_INDEX: 4,
  VFIO_PCI_NUM_IRQS: 5,
  VFIO_DEVICE_BIND_FLAG_TOKEN: 1 << 0,
  VFIO_DEVICE_ATTACH_PASID: 1 << 0,
  VFIO_DEVICE_DETACH_PASID: 1 << 0,
  VFIO_IOMMU_INFO_PGSIZES: 1 << 0,
  VFIO_IOMMU_INFO_CAPS: 1 << 1,
  VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE: 1,
  VFIO_DMA_MAP_FLAG_READ: 1 << 0,
  VFIO_DMA_MAP_FLAG_WRITE: 1 << 1,
  VFIO_DMA_MAP_FLAG_VADDR: 1 << 2,
  VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP: 1 << 0,
  VFIO_DMA_UNMAP_FLAG_ALL: 1 << 1,
  VFIO_DMA_UNMAP_FLAG_VADDR: 1 << 2,
} as const;

/** struct vfio_info_cap_header. "This offset field is relative to the start of the INFO buffer, as is the next field within each capability header." */
export const vfio_info_cap_header = defineStruct('vfio_info_cap_header', { size: 8, align: 4 }, [
  ['id', 'u16', 0], ['version', 'u16', 2], ['next', 'u32', 4]]);

/** struct vfio_group_status - VFIO_GROUP_GET_STATUS. flags: VIABLE, CONTAINER_SET. */
export const vfio_group_status = defineStruct('vfio_group_status', { size: 8, align: 4 }, [
  ['argsz', 'u32', 0], ['flags', 'u32', 4]]);

/** struct vfio_device_info - VFIO_DEVICE_GET_INFO. num_regions: Max region index + 1. num_irqs: Max IRQ index + 1. */
export const vfio_device_info = defineStruct('vfio_device_info', { size: 24, align: 4 }, [
  ['argsz', 'u32', 0], ['flags', 'u32', 4], ['num_regions', 'u32', 8], ['num_irqs', 'u32', 12],
  ['cap_offset', 'u32', 16], ['pad', 'u32', 20]]);

/** struct vfio_region_info - VFIO_DEVICE_GET_REGION_INFO. size: Region size (bytes). offset: Region offset from start of device fd. */
export const vfio_region_info = defineStruct('vfio_region_info', { size: 32, align: 8 }, [
  ['argsz', 'u32', 0], ['flags', 'u32', 4], ['index', 'u32', 8], ['cap_offset', 'u32', 12],
  ['size', 'aligned_u64', 16], ['offset', 'aligned_u64', 24]]);

/** struct vfio_region_sparse_mmap_area: offset of mmap'able area within region, and its size. */
export const vfio_region_sparse_mmap_area = defineStruct('vfio_region_sparse_mmap_area', { size: 16, align: 8 }, [
  ['offset', 'aligned_u64', 0], ['size', 'aligned_u64', 8]]);

/**
 * struct vfio_region_info_cap_sparse_mmap (cap id 1). "When specified, the user should only mmap the
 * offset ranges specified by the areas array. mmaps outside of the areas specified may fail (such as
 * the range covering a PCI MSI-X table)."
 */
export const vfio_region_info_cap_sparse_mmap = defineStruct('vfio_region_info_cap_sparse_mmap', { size: 16, align: 8 }, [
  ['header', vfio_info_cap_header, 0], ['nr_areas', 'u32', 8], ['reserved', 'u32', 12],
  ['areas', vfio_region_sparse_mmap_area, 16, { flex: true }]]);

/** struct vfio_region_info_cap_type (cap id 2): type global per bus driver, subtype type specific. */
export const vfio_region_info_cap_type = defineStruct('vfio_region_info_cap_type', { size: 16, align: 4 }, [
  ['header', vfio_info_cap_header, 0], ['type', 'u32', 8], ['subtype', 'u32', 12]]);

/** struct vfio_irq_info - VFIO_DEVICE_GET_IRQ_INFO. count: Number of IRQs within this index. */
export const vfio_irq_info = defineStruct('vfio_irq_info', { size: 16, align: 4 }, [
  ['argsz', 'u32', 0], ['flags', 'u32', 4], ['index', 'u32', 8], ['count', 'u32', 12]]);

/**
 * struct vfio_irq_set - VFIO_DEVICE_SET_IRQS. "DATA_EVENTFD binds the specified ACTION to the
 * provided __s32 eventfd. A value of -1 can be used to either de-assign interrupts if already
 * assigned or skip un-assigned interrupts." data[] follows the 20-byte header, packed.
 */
export const vfio_irq_set = defineStruct('vfio_irq_set', { size: 20, align: 4 }, [
  ['argsz', 'u32', 0], ['flags', 'u32', 4], ['index', 'u32', 8], ['start', 'u32', 12], ['count', 'u32', 16],
  ['data', 'u8', 20, { flex: true }]]);

/** struct vfio_device_bind_iommufd - VFIO_DEVICE_BIND_IOMMUFD (6.6). out_devid: handle for this device/iommufd bond, used as dev_id in IOMMUFD commands. */
export const vfio_device_bind_iommufd = defineStruct('vfio_device_bind_iommufd', { size: 24, align: 8 }, [
  ['argsz', 'u32', 0], ['flags', 'u32', 4], ['iommufd', 's32', 8], ['out_devid', 'u32', 12], ['token_uuid_ptr', 'aligned_u64', 16]]);

/** struct vfio_device_attach_iommufd_pt - VFIO_DEVICE_ATTACH_IOMMUFD_PT. pt_id: Input the target id (ioas or hwpt); output the input ioas id or the attached hwpt id. */
export const vfio_device_attach_iommufd_pt = defineStruct('vfio_device_attach_iommufd_pt', { size: 16, align: 4 }, [
  ['argsz', 'u32', 0], ['flags', 'u32', 4], ['pt_id', 'u32', 8], ['pasid', 'u32', 12]]);

/** struct vfio_device_detach_iommufd_pt - VFIO_DEVICE_DETACH_IOMMUFD_PT. "After it, the device or the pasid should be in a blocking DMA state." */
export const vfio_device_detach_iommufd_pt = defineStruct('vfio_device_detach_iommufd_pt', { size: 12, align: 4 }, [
  ['argsz', 'u32', 0], ['flags', 'u32', 4], ['pasid', 'u32', 8]]);

/** struct vfio_iommu_type1_info - VFIO_IOMMU_GET_INFO. iova_pgsizes: Bitmap of supported page sizes. */
export const vfio_iommu_type1_info = defineStruct('vfio_iommu_type1_info', { size: 24, align: 8 }, [
  ['argsz', 'u32', 0], ['flags', 'u32', 4], ['iova_pgsizes', 'aligned_u64', 8], ['cap_offset', 'u32', 16], ['pad', 'u32', 20]]);

/** struct vfio_iova_range: start and inclusive end of a valid IOVA range (type1 IOVA_RANGE cap). */
export const vfio_iova_range = defineStruct('vfio_iova_range', { size: 16, align: 8 }, [
  ['start', 'u64', 0], ['end', 'u64', 8]]);

/** struct vfio_iommu_type1_info_cap_iova_range (cap id 1 on VFIO_IOMMU_GET_INFO). */
export const vfio_iommu_type1_info_cap_iova_range = defineStruct('vfio_iommu_type1_info_cap_iova_range', { size: 16, align: 8 }, [
  ['header', vfio_info_cap_header, 0], ['nr_iovas', 'u32', 8], ['reserved', 'u32', 12],
  ['iova_ranges', vfio_iova_range, 16, { flex: true }]]);

/** struct vfio_iommu_type1_dma_map - VFIO_IOMMU_MAP_DMA. "Caller sets argsz. READ &/ WRITE required." */
export const vfio_iommu_type1_dma_map = defineStruct('vfio_iommu_type1_dma_map', { size: 32, align: 8 }, [
  ['argsz', 'u32', 0], ['flags', 'u32', 4], ['vaddr', 'u64', 8], ['iova', 'u64', 16], ['size', 'u64', 24]]);

/** struct vfio_iommu_type1_dma_unmap - VFIO_IOMMU_UNMAP_DMA. "The actual unmapped size is returned in the size field." */
export const vfio_iommu_type1_dma_unmap = defineStruct('vfio_iommu_type1_dma_unmap', { size: 24, align: 8 }, [
  ['argsz', 'u32', 0], ['flags', 'u32', 4], ['iova', 'u64', 8], ['size', 'u64', 16], ['data', 'u8', 24, { flex: true }]]);

export const VFIO_STRUCTS = [
  vfio_info_cap_header, vfio_group_status, vfio_device_info, vfio_region_info, vfio_region_sparse_mmap_area,
  vfio_region_info_cap_sparse_mmap, vfio_region_info_cap_type, vfio_irq_info, vfio_irq_set, vfio_device_bind_iommufd,
  vfio_device_attach_iommufd_pt, vfio_device_detach_iommufd_pt, vfio_iommu_type1_info, vfio_iova_range,
  vfio_iommu_type1_info_cap_iova_range, vfio_iommu_type1_dma_map, vfio_iommu_type1_dma_unmap,
] as const;
