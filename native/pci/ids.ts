// SPDX-License-Identifier: MIT
// Vendor, device and class names: /usr/share/misc/pci.ids (or /usr/share/hwdata/pci.ids) when the
// machine has it, else a small built-in table of vendors and class codes common in labs.
import fs from 'node:fs';

const VENDORS: Record<number, string> = {
  0x8086: 'Intel Corporation', 0x1022: 'Advanced Micro Devices, Inc. [AMD]', 0x1002: 'Advanced Micro Devices, Inc. [AMD/ATI]',
  0x10de: 'NVIDIA Corporation', 0x15b3: 'Mellanox Technologies', 0x14e4: 'Broadcom Inc.', 0x1af4: 'Red Hat, Inc. (virtio)',
  0x1b36: 'Red Hat, Inc. (QEMU)', 0x1d0f: 'Amazon.com, Inc.', 0x144d: 'Samsung Electronics Co Ltd', 0x8087: 'Intel Corp.',
  0x19e5: 'Huawei Technologies Co., Ltd.', 0x1077: 'QLogic Corp.', 0x10ec: 'Realtek Semiconductor Co., Ltd.',
  0x1234: 'QEMU (Bochs)', 0x1414: 'Microsoft Corporation', 0x15ad: 'VMware', 0x1c5c: 'SK hynix', 0x1e0f: 'KIOXIA Corporation',
  0x1344: 'Micron Technology Inc', 0x8088: 'Beijing Wangxun Technology Co., Ltd.', 0x1dd8: 'AMD Pensando Systems',
  0x17cb: 'Qualcomm Technologies, Inc', 0x13b5: 'ARM', 0x1def: 'Ampere Computing, LLC', 0x177d: 'Cavium, Inc.',
};

const CLASSES: Record<number, string> = {
  0x0100: 'SCSI storage controller', 0x0101: 'IDE interface', 0x0104: 'RAID bus controller', 0x0106: 'SATA controller',
  0x0108: 'Non-Volatile memory controller', 0x0180: 'Mass storage controller', 0x0200: 'Ethernet controller',
  0x0207: 'Infiniband controller', 0x0280: 'Network controller', 0x0300: 'VGA compatible controller', 0x0302: '3D controller',
  0x0380: 'Display controller', 0x0403: 'Audio device', 0x0600: 'Host bridge', 0x0601: 'ISA bridge', 0x0604: 'PCI bridge',
  0x0680: 'Bridge', 0x0700: 'Serial controller', 0x0780: 'Communication controller', 0x0806: 'IOMMU',
  0x0880: 'System peripheral', 0x0c03: 'USB controller', 0x0c05: 'SMBus', 0x1200: 'Processing accelerators',
  0x0b40: 'Co-processor', 0x00ff: 'Unclassified device',
};

interface IdsDb { vendors: Map<number, string>; devices: Map<number, string> }
let db: IdsDb | null | undefined;

function loadIds(): IdsDb | null {
  if (db !== undefined) return db;
  db = null;
  for (const file of ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids']) {
    let text: string;
    try { text = fs.readFileSync(file, 'utf8'); } catch { continue; }
    const vendors = new Map<number, string>();
    const devices = new Map<number, string>();
    let vendor = -1;
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      if (line.startsWith('C ')) break; // the class section follows all vendors
      if (line[0] !== '\t') {
        vendor = parseInt(line.slice(0, 4), 16);
        vendors.set(vendor, line.slice(6));
      } else if (line[1] !== '\t' && vendor >= 0) {
        devices.set(vendor * 0x10000 + parseInt(line.slice(1, 5), 16), line.slice(7));
      }
    }
    db = { vendors, devices };
    break;
  }
  return db;
}

export function vendorName(vendor: number): string | null {
  return loadIds()?.vendors.get(vendor) ?? VENDORS[vendor] ?? null;
}

export function deviceName(vendor: number, device: number): string | null {
  return loadIds()?.devices.get(vendor * 0x10000 + device) ?? null;
}

/** Name of a 24-bit class code (class, subclass, prog-if), from base class + subclass. */
export function className(classCode: number): string | null {
  return CLASSES[classCode >> 8] ?? null;
}
