// SPDX-License-Identifier: MIT
// /sys/bus/pci/devices/<BDF>/ (drivers/pci/pci-sysfs.c): vendor, device, class (0x%06x),
// driver (link; missing when unbound), driver_override ("(null)" when unset), iommu_group (link),
// numa_node, msi_irqs/ (one file per allocated MSI/MSI-X IRQ, content msi|msix), vfio-dev/vfioN
// (6.6+ cdev), config (binary; 64 bytes unless CAP_SYS_ADMIN), resourceN (mmap-able BARs).
import path from 'node:path';
import { intField, type SysRoot } from './root.js';

export const PCI_DEVICES = '/sys/bus/pci/devices';
const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

export interface PciDevice {
  bdf: string;
  /** /sys/devices/… path the bus link points at (what fdinfo's vfio-device-syspath prints). */
  syspath: string;
  vendor: number;
  device: number;
  classCode: number;
  driver: string | null;
  driverOverride: string | null;
  iommuGroup: number | null;
  iommuUnit: string | null;
  numaNode: number | null;
  msiIrqs: { irq: number; kind: 'msi' | 'msix' }[];
  vfioCdev: string | null;
  resources: number[];
}

export function listPciBdfs(root: SysRoot): string[] {
  return root.list(PCI_DEVICES).filter((n) => BDF.test(n));
}

function linkName(root: SysRoot, kpath: string): string | null {
  const l = root.link(kpath);
  return l === null ? null : path.posix.basename(l);
}

export function readPciDevice(root: SysRoot, bdf: string): PciDevice | null {
  const dir = `${PCI_DEVICES}/${bdf}`;
  const busLink = root.link(dir);
  if (busLink === null && !root.exists(dir)) return null;
  const syspath = busLink ? path.posix.normalize(path.posix.join(PCI_DEVICES, busLink)) : dir;
  const hexf = (f: string) => intField(root, `${dir}/${f}`, root.text(`${dir}/${f}`), 16);
  const ov = root.textOr(`${dir}/driver_override`);
  const ovs = ov === null ? null : ov.trim();
  const grp = linkName(root, `${dir}/iommu_group`);
  const numaText = root.textOr(`${dir}/numa_node`);
  const numa = numaText === null ? null : intField(root, `${dir}/numa_node`, numaText, 10);
  // A function never has MSI and MSI-X enabled at once (drivers/pci/msi/api.c refuses either while
  // the other is on), so every file in msi_irqs/ names the same kind: one read per device, not
  // one per vector (thousands on a large device).
  const irqs = root.list(`${dir}/msi_irqs`).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  const mode = irqs.length > 0 ? (root.textOr(`${dir}/msi_irqs/${irqs[0]}`) ?? '').trim() : '';
  const kind: 'msi' | 'msix' = mode === 'msi' ? 'msi' : 'msix';
  const msiIrqs: PciDevice['msiIrqs'] = irqs.map((irq) => ({ irq, kind }));
  const vfio = root.list(`${dir}/vfio-dev`).find((n) => /^vfio\d+$/.test(n)) ?? null;
  const resources = root.list(dir).map((n) => /^resource(\d)$/.exec(n)).filter((m) => m !== null).map((m) => Number(m[1]));
  return {
    bdf,
    syspath,
    vendor: hexf('vendor'),
    device: hexf('device'),
    classCode: hexf('class'),
    driver: linkName(root, `${dir}/driver`),
    // Classic PCI prints "(null)" when unset (sysfs_emit of a NULL string); an empty file is also unset.
    driverOverride: ovs === null || ovs === '' || ovs === '(null)' ? null : ovs,
    iommuGroup: grp !== null && /^\d+$/.test(grp) ? Number(grp) : null,
    iommuUnit: linkName(root, `${dir}/iommu`),
    numaNode: numa === null || numa < 0 ? null : numa,
    msiIrqs,
    vfioCdev: vfio,
    resources,
  };
}

export function readPciDevices(root: SysRoot): PciDevice[] {
  return listPciBdfs(root).map((b) => readPciDevice(root, b)).filter((d): d is PciDevice => d !== null);
}

export interface ConfigRead {
  bytes: Buffer;
  /** Why fewer bytes than the device has were read, when that is known. */
  truncated: string | null;
}

/** Read config space. Unprivileged reads stop at 64 bytes: say so instead of hiding it. */
export function readConfig(root: SysRoot, bdf: string): ConfigRead {
  const bytes = root.bytes(`${PCI_DEVICES}/${bdf}/config`);
  const truncated = bytes.length <= 64
    ? `only ${bytes.length} bytes of config space were readable (the kernel truncates reads to 64 bytes without CAP_SYS_ADMIN): run as root to see the MSI/MSI-X capabilities`
    : null;
  return { bytes, truncated };
}
