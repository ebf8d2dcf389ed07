// SPDX-License-Identifier: MIT
// Every uAPI table in one place, for the layout test and for tools that list what Doorbell knows.
import { IOMMUFD_CMD, IOMMUFD_CONST, IOMMUFD_IOCTL, IOMMUFD_STRUCTS } from './iommufd.js';
import type { StructDef } from './layout.js';
import { VFIO_CONST, VFIO_IOCTL, VFIO_STRUCTS } from './vfio.js';

export * from './layout.js';
export * from './iommufd.js';
export * from './vfio.js';

export const ALL_STRUCTS: readonly StructDef[] = [...IOMMUFD_STRUCTS, ...VFIO_STRUCTS];
/** Every named constant (request numbers, enum values, flags) keyed by its C name. */
export const ALL_CONSTANTS: Readonly<Record<string, number>> = {
  ...IOMMUFD_CMD, ...IOMMUFD_IOCTL, ...IOMMUFD_CONST, ...VFIO_IOCTL, ...VFIO_CONST,
};
