// SPDX-License-Identifier: MIT
// A 4096-byte PCI configuration space (include/uapi/linux/pci_regs.h) for a generated device:
// header type 0, capability list at 0x34 → PCI Express (0x10) at 0x40 → MSI-X (0x11) at 0x70,
// table in BAR 0 at 0x2000, PBA in BAR 0 at 0x3000. Message Control: Table Size is N-1 in bits
// 10:0, Function Mask bit 14, MSI-X Enable bit 15.
import type { GenDevice } from './plan.js';

export const MSIX_CAP_OFFSET = 0x70;
export const MSIX_TABLE_OFFSET = 0x2000;
export const MSIX_PBA_OFFSET = 0x3000;

export function configSpace(d: GenDevice, enabled: boolean): Buffer {
  const b = Buffer.alloc(4096);
  b.writeUInt16LE(d.vendor, 0x00);
  b.writeUInt16LE(d.device, 0x02);
  b.writeUInt16LE(0x0406, 0x04);           // PCI_COMMAND: MEMORY | MASTER | INTX_DISABLE
  b.writeUInt16LE(0x0010, 0x06);           // PCI_STATUS_CAP_LIST
  b.writeUInt8(0x01, 0x08);                // revision
  b.writeUIntLE(d.classCode, 0x09, 3);     // prog-if, subclass, class
  b.writeUInt8(0x00, 0x0e);                // header type 0
  b.writeUInt32LE(0x0000000c, 0x10);       // BAR0: 64-bit prefetchable memory
  b.writeUInt8(0x40, 0x34);                // PCI_CAPABILITY_LIST
  b.writeUInt8(0x10, 0x40);                // PCI_CAP_ID_EXP
  b.writeUInt8(MSIX_CAP_OFFSET, 0x41);
  b.writeUInt16LE(0x0002, 0x42);           // PCIe v2, endpoint
  b.writeUInt8(0x11, MSIX_CAP_OFFSET);     // PCI_CAP_ID_MSIX
  b.writeUInt8(0x00, MSIX_CAP_OFFSET + 1); // end of list
  b.writeUInt16LE(((d.tableSize - 1) & 0x7ff) | (enabled ? 0x8000 : 0), MSIX_CAP_OFFSET + 2);
  b.writeUInt32LE(MSIX_TABLE_OFFSET | 0, MSIX_CAP_OFFSET + 4); // BIR 0
  b.writeUInt32LE(MSIX_PBA_OFFSET | 0, MSIX_CAP_OFFSET + 8);
  return b;
}
