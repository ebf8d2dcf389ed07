/* SPDX-License-Identifier: MIT */
/* Prints what gcc sees in the real uAPI headers: sizeof/alignof of every struct Doorbell lays out,
 * offsetof/sizeof of every field, and every request number and constant. Compiled and compared with
 * the tables in native/uapi/ by test/native/uapi/layout.test.ts:
 *   gcc -std=gnu11 -I"$(scripts/uapi-headers.sh)" -o layout test/native/uapi/layout.c */
#include <stdio.h>
#include <stddef.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

#define S(t) printf("struct %s %zu %zu\n", #t, sizeof(struct t), _Alignof(struct t))
#define F(t, f) printf("field %s.%s %zu %zu\n", #t, #f, offsetof(struct t, f), sizeof(((struct t *)0)->f))
#define X(t, f) printf("field %s.%s %zu 0\n", #t, #f, offsetof(struct t, f)) /* flexible array */
#define K(c) printf("const %s %lld\n", #c, (long long)(c))

int main(void)
{
	/* ---- iommufd.h ---- */
	S(iommu_destroy); F(iommu_destroy, size); F(iommu_destroy, id);
	S(iommu_ioas_alloc); F(iommu_ioas_alloc, size); F(iommu_ioas_alloc, flags); F(iommu_ioas_alloc, out_ioas_id);
	S(iommu_iova_range); F(iommu_iova_range, start); F(iommu_iova_range, last);
	S(iommu_ioas_iova_ranges); F(iommu_ioas_iova_ranges, size); F(iommu_ioas_iova_ranges, ioas_id);
	F(iommu_ioas_iova_ranges, num_iovas); F(iommu_ioas_iova_ranges, __reserved);
	F(iommu_ioas_iova_ranges, allowed_iovas); F(iommu_ioas_iova_ranges, out_iova_alignment);
	S(iommu_ioas_allow_iovas); F(iommu_ioas_allow_iovas, size); F(iommu_ioas_allow_iovas, ioas_id);
	F(iommu_ioas_allow_iovas, num_iovas); F(iommu_ioas_allow_iovas, __reserved); F(iommu_ioas_allow_iovas, allowed_iovas);
	S(iommu_ioas_map); F(iommu_ioas_map, size); F(iommu_ioas_map, flags); F(iommu_ioas_map, ioas_id);
	F(iommu_ioas_map, __reserved); F(iommu_ioas_map, user_va); F(iommu_ioas_map, length); F(iommu_ioas_map, iova);
	S(iommu_ioas_noiommu_get_pa); F(iommu_ioas_noiommu_get_pa, size); F(iommu_ioas_noiommu_get_pa, flags);
	F(iommu_ioas_noiommu_get_pa, ioas_id); F(iommu_ioas_noiommu_get_pa, __reserved); F(iommu_ioas_noiommu_get_pa, iova);
	F(iommu_ioas_noiommu_get_pa, length); F(iommu_ioas_noiommu_get_pa, out_phys);
	S(iommu_ioas_map_file); F(iommu_ioas_map_file, size); F(iommu_ioas_map_file, flags); F(iommu_ioas_map_file, ioas_id);
	F(iommu_ioas_map_file, fd); F(iommu_ioas_map_file, start); F(iommu_ioas_map_file, length); F(iommu_ioas_map_file, iova);
	S(iommu_ioas_copy); F(iommu_ioas_copy, size); F(iommu_ioas_copy, flags); F(iommu_ioas_copy, dst_ioas_id);
	F(iommu_ioas_copy, src_ioas_id); F(iommu_ioas_copy, length); F(iommu_ioas_copy, dst_iova); F(iommu_ioas_copy, src_iova);
	S(iommu_ioas_unmap); F(iommu_ioas_unmap, size); F(iommu_ioas_unmap, ioas_id); F(iommu_ioas_unmap, iova); F(iommu_ioas_unmap, length);
	S(iommu_option); F(iommu_option, size); F(iommu_option, option_id); F(iommu_option, op); F(iommu_option, __reserved);
	F(iommu_option, object_id); F(iommu_option, val64);
	S(iommu_vfio_ioas); F(iommu_vfio_ioas, size); F(iommu_vfio_ioas, ioas_id); F(iommu_vfio_ioas, op); F(iommu_vfio_ioas, __reserved);
	S(iommu_hwpt_alloc); F(iommu_hwpt_alloc, size); F(iommu_hwpt_alloc, flags); F(iommu_hwpt_alloc, dev_id);
	F(iommu_hwpt_alloc, pt_id); F(iommu_hwpt_alloc, out_hwpt_id); F(iommu_hwpt_alloc, __reserved); F(iommu_hwpt_alloc, data_type);
	F(iommu_hwpt_alloc, data_len); F(iommu_hwpt_alloc, data_uptr); F(iommu_hwpt_alloc, fault_id); F(iommu_hwpt_alloc, __reserved2);
	S(iommu_hwpt_arm_smmuv3); F(iommu_hwpt_arm_smmuv3, ste);
	S(iommu_hw_info); F(iommu_hw_info, size); F(iommu_hw_info, flags); F(iommu_hw_info, dev_id); F(iommu_hw_info, data_len);
	F(iommu_hw_info, data_uptr); F(iommu_hw_info, in_data_type); F(iommu_hw_info, out_data_type);
	F(iommu_hw_info, out_max_pasid_log2); F(iommu_hw_info, __reserved); F(iommu_hw_info, out_capabilities);
	S(iommu_hw_info_vtd); F(iommu_hw_info_vtd, flags); F(iommu_hw_info_vtd, __reserved); F(iommu_hw_info_vtd, cap_reg); F(iommu_hw_info_vtd, ecap_reg);
	S(iommu_hw_info_arm_smmuv3); F(iommu_hw_info_arm_smmuv3, flags); F(iommu_hw_info_arm_smmuv3, __reserved);
	F(iommu_hw_info_arm_smmuv3, idr); F(iommu_hw_info_arm_smmuv3, iidr); F(iommu_hw_info_arm_smmuv3, aidr);
	S(iommu_hw_info_amd); F(iommu_hw_info_amd, efr); F(iommu_hw_info_amd, efr2);
	S(iommu_hwpt_set_dirty_tracking); F(iommu_hwpt_set_dirty_tracking, size); F(iommu_hwpt_set_dirty_tracking, flags);
	F(iommu_hwpt_set_dirty_tracking, hwpt_id); F(iommu_hwpt_set_dirty_tracking, __reserved);
	S(iommu_hwpt_get_dirty_bitmap); F(iommu_hwpt_get_dirty_bitmap, size); F(iommu_hwpt_get_dirty_bitmap, hwpt_id);
	F(iommu_hwpt_get_dirty_bitmap, flags); F(iommu_hwpt_get_dirty_bitmap, __reserved); F(iommu_hwpt_get_dirty_bitmap, iova);
	F(iommu_hwpt_get_dirty_bitmap, length); F(iommu_hwpt_get_dirty_bitmap, page_size); F(iommu_hwpt_get_dirty_bitmap, data);
	S(iommu_hwpt_invalidate); F(iommu_hwpt_invalidate, size); F(iommu_hwpt_invalidate, hwpt_id); F(iommu_hwpt_invalidate, data_uptr);
	F(iommu_hwpt_invalidate, data_type); F(iommu_hwpt_invalidate, entry_len); F(iommu_hwpt_invalidate, entry_num); F(iommu_hwpt_invalidate, __reserved);
	S(iommu_fault_alloc); F(iommu_fault_alloc, size); F(iommu_fault_alloc, flags); F(iommu_fault_alloc, out_fault_id); F(iommu_fault_alloc, out_fault_fd);
	S(iommu_viommu_alloc); F(iommu_viommu_alloc, size); F(iommu_viommu_alloc, flags); F(iommu_viommu_alloc, type);
	F(iommu_viommu_alloc, dev_id); F(iommu_viommu_alloc, hwpt_id); F(iommu_viommu_alloc, out_viommu_id);
	F(iommu_viommu_alloc, data_len); F(iommu_viommu_alloc, __reserved); F(iommu_viommu_alloc, data_uptr);
	S(iommu_vdevice_alloc); F(iommu_vdevice_alloc, size); F(iommu_vdevice_alloc, viommu_id); F(iommu_vdevice_alloc, dev_id);
	F(iommu_vdevice_alloc, out_vdevice_id); F(iommu_vdevice_alloc, virt_id);
	S(iommu_ioas_change_process); F(iommu_ioas_change_process, size); F(iommu_ioas_change_process, __reserved);
	S(iommu_veventq_alloc); F(iommu_veventq_alloc, size); F(iommu_veventq_alloc, flags); F(iommu_veventq_alloc, viommu_id);
	F(iommu_veventq_alloc, type); F(iommu_veventq_alloc, veventq_depth); F(iommu_veventq_alloc, out_veventq_id);
	F(iommu_veventq_alloc, out_veventq_fd); F(iommu_veventq_alloc, __reserved);
	S(iommu_hw_queue_alloc); F(iommu_hw_queue_alloc, size); F(iommu_hw_queue_alloc, flags); F(iommu_hw_queue_alloc, viommu_id);
	F(iommu_hw_queue_alloc, type); F(iommu_hw_queue_alloc, index); F(iommu_hw_queue_alloc, out_hw_queue_id);
	F(iommu_hw_queue_alloc, nesting_parent_iova); F(iommu_hw_queue_alloc, length);

	K(IOMMUFD_CMD_BASE); K(IOMMUFD_CMD_DESTROY); K(IOMMUFD_CMD_IOAS_ALLOC); K(IOMMUFD_CMD_IOAS_ALLOW_IOVAS);
	K(IOMMUFD_CMD_IOAS_COPY); K(IOMMUFD_CMD_IOAS_IOVA_RANGES); K(IOMMUFD_CMD_IOAS_MAP); K(IOMMUFD_CMD_IOAS_UNMAP);
	K(IOMMUFD_CMD_OPTION); K(IOMMUFD_CMD_VFIO_IOAS); K(IOMMUFD_CMD_HWPT_ALLOC); K(IOMMUFD_CMD_GET_HW_INFO);
	K(IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING); K(IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP); K(IOMMUFD_CMD_HWPT_INVALIDATE);
	K(IOMMUFD_CMD_FAULT_QUEUE_ALLOC); K(IOMMUFD_CMD_IOAS_MAP_FILE); K(IOMMUFD_CMD_VIOMMU_ALLOC); K(IOMMUFD_CMD_VDEVICE_ALLOC);
	K(IOMMUFD_CMD_IOAS_CHANGE_PROCESS); K(IOMMUFD_CMD_VEVENTQ_ALLOC); K(IOMMUFD_CMD_HW_QUEUE_ALLOC); K(IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA);
	K(IOMMU_DESTROY); K(IOMMU_IOAS_ALLOC); K(IOMMU_IOAS_ALLOW_IOVAS); K(IOMMU_IOAS_COPY); K(IOMMU_IOAS_IOVA_RANGES);
	K(IOMMU_IOAS_MAP); K(IOMMU_IOAS_UNMAP); K(IOMMU_OPTION); K(IOMMU_VFIO_IOAS); K(IOMMU_HWPT_ALLOC); K(IOMMU_GET_HW_INFO);
	K(IOMMU_HWPT_SET_DIRTY_TRACKING); K(IOMMU_HWPT_GET_DIRTY_BITMAP); K(IOMMU_HWPT_INVALIDATE); K(IOMMU_FAULT_QUEUE_ALLOC);
	K(IOMMU_IOAS_MAP_FILE); K(IOMMU_VIOMMU_ALLOC); K(IOMMU_VDEVICE_ALLOC); K(IOMMU_IOAS_CHANGE_PROCESS);
	K(IOMMU_VEVENTQ_ALLOC); K(IOMMU_HW_QUEUE_ALLOC); K(IOMMU_IOAS_NOIOMMU_GET_PA);
	K(IOMMU_IOAS_MAP_FIXED_IOVA); K(IOMMU_IOAS_MAP_WRITEABLE); K(IOMMU_IOAS_MAP_READABLE);
	K(IOMMU_OPTION_RLIMIT_MODE); K(IOMMU_OPTION_HUGE_PAGES); K(IOMMU_OPTION_OP_SET); K(IOMMU_OPTION_OP_GET);
	K(IOMMU_VFIO_IOAS_GET); K(IOMMU_VFIO_IOAS_SET); K(IOMMU_VFIO_IOAS_CLEAR);
	K(IOMMU_HWPT_ALLOC_NEST_PARENT); K(IOMMU_HWPT_ALLOC_DIRTY_TRACKING); K(IOMMU_HWPT_FAULT_ID_VALID); K(IOMMU_HWPT_ALLOC_PASID);
	K(IOMMU_HWPT_DATA_NONE); K(IOMMU_HWPT_DATA_VTD_S1); K(IOMMU_HWPT_DATA_ARM_SMMUV3); K(IOMMU_HWPT_DATA_AMD_GUEST);
	K(IOMMU_HW_INFO_TYPE_NONE); K(IOMMU_HW_INFO_TYPE_DEFAULT); K(IOMMU_HW_INFO_TYPE_INTEL_VTD); K(IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	K(IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV); K(IOMMU_HW_INFO_TYPE_AMD);
	K(IOMMU_HW_CAP_DIRTY_TRACKING); K(IOMMU_HW_CAP_PCI_PASID_EXEC); K(IOMMU_HW_CAP_PCI_PASID_PRIV); K(IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	K(IOMMU_HW_INFO_FLAG_INPUT_TYPE); K(IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
	K(IOMMU_VIOMMU_TYPE_DEFAULT); K(IOMMU_VIOMMU_TYPE_ARM_SMMUV3); K(IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV);

	/* ---- vfio.h ---- */
	S(vfio_info_cap_header); F(vfio_info_cap_header, id); F(vfio_info_cap_header, version); F(vfio_info_cap_header, next);
	S(vfio_group_status); F(vfio_group_status, argsz); F(vfio_group_status, flags);
	S(vfio_device_info); F(vfio_device_info, argsz); F(vfio_device_info, flags); F(vfio_device_info, num_regions);
	F(vfio_device_info, num_irqs); F(vfio_device_info, cap_offset); F(vfio_device_info, pad);
	S(vfio_region_info); F(vfio_region_info, argsz); F(vfio_region_info, flags); F(vfio_region_info, index);
	F(vfio_region_info, cap_offset); F(vfio_region_info, size); F(vfio_region_info, offset);
	S(vfio_region_sparse_mmap_area); F(vfio_region_sparse_mmap_area, offset); F(vfio_region_sparse_mmap_area, size);
	S(vfio_region_info_cap_sparse_mmap); F(vfio_region_info_cap_sparse_mmap, header); F(vfio_region_info_cap_sparse_mmap, nr_areas);
	F(vfio_region_info_cap_sparse_mmap, reserved); X(vfio_region_info_cap_sparse_mmap, areas);
	S(vfio_region_info_cap_type); F(vfio_region_info_cap_type, header); F(vfio_region_info_cap_type, type); F(vfio_region_info_cap_type, subtype);
	S(vfio_irq_info); F(vfio_irq_info, argsz); F(vfio_irq_info, flags); F(vfio_irq_info, index); F(vfio_irq_info, count);
	S(vfio_irq_set); F(vfio_irq_set, argsz); F(vfio_irq_set, flags); F(vfio_irq_set, index); F(vfio_irq_set, start);
	F(vfio_irq_set, count); X(vfio_irq_set, data);
	S(vfio_device_bind_iommufd); F(vfio_device_bind_iommufd, argsz); F(vfio_device_bind_iommufd, flags);
	F(vfio_device_bind_iommufd, iommufd); F(vfio_device_bind_iommufd, out_devid); F(vfio_device_bind_iommufd, token_uuid_ptr);
	S(vfio_device_attach_iommufd_pt); F(vfio_device_attach_iommufd_pt, argsz); F(vfio_device_attach_iommufd_pt, flags);
	F(vfio_device_attach_iommufd_pt, pt_id); F(vfio_device_attach_iommufd_pt, pasid);
	S(vfio_device_detach_iommufd_pt); F(vfio_device_detach_iommufd_pt, argsz); F(vfio_device_detach_iommufd_pt, flags);
	F(vfio_device_detach_iommufd_pt, pasid);
	S(vfio_iommu_type1_info); F(vfio_iommu_type1_info, argsz); F(vfio_iommu_type1_info, flags);
	F(vfio_iommu_type1_info, iova_pgsizes); F(vfio_iommu_type1_info, cap_offset); F(vfio_iommu_type1_info, pad);
	S(vfio_iova_range); F(vfio_iova_range, start); F(vfio_iova_range, end);
	S(vfio_iommu_type1_info_cap_iova_range); F(vfio_iommu_type1_info_cap_iova_range, header);
	F(vfio_iommu_type1_info_cap_iova_range, nr_iovas); F(vfio_iommu_type1_info_cap_iova_range, reserved);
	X(vfio_iommu_type1_info_cap_iova_range, iova_ranges);
	S(vfio_iommu_type1_dma_map); F(vfio_iommu_type1_dma_map, argsz); F(vfio_iommu_type1_dma_map, flags);
	F(vfio_iommu_type1_dma_map, vaddr); F(vfio_iommu_type1_dma_map, iova); F(vfio_iommu_type1_dma_map, size);
	S(vfio_iommu_type1_dma_unmap); F(vfio_iommu_type1_dma_unmap, argsz); F(vfio_iommu_type1_dma_unmap, flags);
	F(vfio_iommu_type1_dma_unmap, iova); F(vfio_iommu_type1_dma_unmap, size); X(vfio_iommu_type1_dma_unmap, data);

	K(VFIO_GET_API_VERSION); K(VFIO_CHECK_EXTENSION); K(VFIO_SET_IOMMU); K(VFIO_GROUP_GET_STATUS); K(VFIO_GROUP_SET_CONTAINER);
	K(VFIO_GROUP_UNSET_CONTAINER); K(VFIO_GROUP_GET_DEVICE_FD); K(VFIO_DEVICE_GET_INFO); K(VFIO_DEVICE_GET_REGION_INFO);
	K(VFIO_DEVICE_GET_IRQ_INFO); K(VFIO_DEVICE_SET_IRQS); K(VFIO_DEVICE_RESET); K(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO);
	K(VFIO_DEVICE_PCI_HOT_RESET); K(VFIO_DEVICE_FEATURE); K(VFIO_DEVICE_BIND_IOMMUFD); K(VFIO_DEVICE_ATTACH_IOMMUFD_PT);
	K(VFIO_DEVICE_DETACH_IOMMUFD_PT); K(VFIO_IOMMU_GET_INFO); K(VFIO_IOMMU_MAP_DMA); K(VFIO_IOMMU_UNMAP_DMA);
	K(VFIO_API_VERSION); K(VFIO_TYPE1_IOMMU); K(VFIO_TYPE1v2_IOMMU); K(VFIO_NOIOMMU_IOMMU); K(VFIO_UNMAP_ALL);
	K(VFIO_GROUP_FLAGS_VIABLE); K(VFIO_GROUP_FLAGS_CONTAINER_SET);
	K(VFIO_DEVICE_FLAGS_RESET); K(VFIO_DEVICE_FLAGS_PCI); K(VFIO_DEVICE_FLAGS_PLATFORM); K(VFIO_DEVICE_FLAGS_AMBA);
	K(VFIO_DEVICE_FLAGS_CCW); K(VFIO_DEVICE_FLAGS_AP); K(VFIO_DEVICE_FLAGS_FSL_MC); K(VFIO_DEVICE_FLAGS_CAPS); K(VFIO_DEVICE_FLAGS_CDX);
	K(VFIO_REGION_INFO_FLAG_READ); K(VFIO_REGION_INFO_FLAG_WRITE); K(VFIO_REGION_INFO_FLAG_MMAP); K(VFIO_REGION_INFO_FLAG_CAPS);
	K(VFIO_REGION_INFO_CAP_SPARSE_MMAP); K(VFIO_REGION_INFO_CAP_TYPE); K(VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
	K(VFIO_IRQ_INFO_EVENTFD); K(VFIO_IRQ_INFO_MASKABLE); K(VFIO_IRQ_INFO_AUTOMASKED); K(VFIO_IRQ_INFO_NORESIZE);
	K(VFIO_IRQ_SET_DATA_NONE); K(VFIO_IRQ_SET_DATA_BOOL); K(VFIO_IRQ_SET_DATA_EVENTFD); K(VFIO_IRQ_SET_ACTION_MASK);
	K(VFIO_IRQ_SET_ACTION_UNMASK); K(VFIO_IRQ_SET_ACTION_TRIGGER); K(VFIO_IRQ_SET_DATA_TYPE_MASK); K(VFIO_IRQ_SET_ACTION_TYPE_MASK);
	K(VFIO_PCI_BAR0_REGION_INDEX); K(VFIO_PCI_BAR5_REGION_INDEX); K(VFIO_PCI_ROM_REGION_INDEX); K(VFIO_PCI_CONFIG_REGION_INDEX);
	K(VFIO_PCI_VGA_REGION_INDEX); K(VFIO_PCI_NUM_REGIONS);
	K(VFIO_PCI_INTX_IRQ_INDEX); K(VFIO_PCI_MSI_IRQ_INDEX); K(VFIO_PCI_MSIX_IRQ_INDEX); K(VFIO_PCI_ERR_IRQ_INDEX);
	K(VFIO_PCI_REQ_IRQ_INDEX); K(VFIO_PCI_NUM_IRQS);
	K(VFIO_DEVICE_BIND_FLAG_TOKEN); K(VFIO_DEVICE_ATTACH_PASID); K(VFIO_DEVICE_DETACH_PASID);
	K(VFIO_IOMMU_INFO_PGSIZES); K(VFIO_IOMMU_INFO_CAPS); K(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	K(VFIO_DMA_MAP_FLAG_READ); K(VFIO_DMA_MAP_FLAG_WRITE); K(VFIO_DMA_MAP_FLAG_VADDR);
	K(VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP); K(VFIO_DMA_UNMAP_FLAG_ALL); K(VFIO_DMA_UNMAP_FLAG_VADDR);
	return 0;
}
