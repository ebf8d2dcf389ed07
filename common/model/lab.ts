// SPDX-License-Identifier: MIT
import type { Hex } from './hex.js';
import type { Provenance, Read } from './source.js';

export type BackendKind = 'linux' | 'sim' | 'snapshot';

/** What the title and status bar show: which lab, why it was chosen, and whether writes can happen. */
export interface LabInfo {
  backend: BackendKind;
  /** The lab spec as given or resolved (`sim:arm64-its-smmuv3?profile=upstream`, `linux:/tmp/tree`). */
  spec: string;
  /** Human title: `linux (this machine)`, `sim: arm64 GICv3 ITS + SMMUv3 (upstream)`. */
  title: string;
  /** Why this backend was chosen (for `auto`), or that it was asked for. */
  reason: string;
  /** Writes (affinity, VFIO ioctls) possible? If not, why (captured tree, snapshot, not root). */
  writable: { ok: boolean; why: string };
  hostname: string;
  arch: string;
  kernel: KernelInfo;
  features: Feature[];
}

export interface KernelInfo {
  release: string;   // uname -r
  version: string;   // uname -v
  cmdline: string;   // /proc/cmdline
}

export interface Feature {
  id: string;        // 'iommufd', 'vfio-cdev', 'irq-debugfs', 'nested-hwpt', 'viommu', 'sw-msi', …
  name: string;
  state: 'yes' | 'no' | 'unknown';
  /** How it was detected: `/dev/iommu exists`, `IOMMU_OPTION(2) → EOPNOTSUPP`, `scenario file`. */
  how: string;
}

export interface CpuInfo {
  possible: number[];
  online: number[];
  isolated: number[];
  nodes: { id: number; cpus: number[] }[];
  from: Provenance;
}

export interface IommuUnit {
  name: string;                                    // dmar0, ivhd0, smmu3.0x0000000009050000
  kind: 'intel-vtd' | 'amd-vi' | 'arm-smmuv3' | 'riscv-iommu' | 'virtio-iommu' | 'unknown';
  devices: string[];                               // BDFs it serves
}

export interface ReservedRegion {
  start: Hex;
  last: Hex;                                       // inclusive, as reserved_regions prints it
  type: 'direct' | 'direct-relaxable' | 'reserved' | 'msi' | string;
}

export interface IommuGroup {
  id: number;
  /** Default domain type (sysfs `type`): not the domain VFIO attached. */
  defaultDomain: string | null;
  reserved: ReservedRegion[];
  devices: string[];
  /** VFIO viability: every member bound to vfio-pci (or a harmless driver), or unbound. */
  viable: { ok: boolean; why: string };
}

export type Binding =
  | { kind: 'vfio-cdev'; cdev: string; group: number | null }   // vfio-pci with /dev/vfio/devices/vfioN
  | { kind: 'vfio-group'; group: number }                       // vfio-pci, legacy group node only
  | { kind: 'host'; driver: string }
  | { kind: 'unbound' };

export type Holder =
  | { kind: 'doorbell' }                                        // this Doorbell session opened it
  | { kind: 'process'; pid: number; comm: string; how: string } // e.g. a running VMM (found via fdinfo)
  | { kind: 'free' }
  | { kind: 'unknown'; why: string };

export interface MsiCap {
  offset: number;
  enabled: boolean;
  is64: boolean;
  perVectorMask: boolean;
  /** log2 of vectors the device can request (Multiple Message Capable). */
  multiCapable: number;
  /** log2 of vectors enabled (Multiple Message Enable). */
  multiEnabled: number;
  address: Hex;
  data: number;
  maskBits: number | null;
}

export interface MsixCap {
  offset: number;
  enabled: boolean;
  maskAll: boolean;
  tableSize: number;
  tableBar: number;
  tableOffset: number;
  pbaBar: number;
  pbaOffset: number;
}

export interface DeviceSummary {
  bdf: string;
  vendor: number;
  device: number;
  vendorName: string | null;
  deviceName: string | null;
  classCode: number;
  className: string | null;
  driver: string | null;
  driverOverride: string | null;
  iommuGroup: number | null;
  binding: Binding;
  holder: Holder;
  numaNode: number | null;
  msi: Read<MsiCap | null>;
  msix: Read<MsixCap | null>;
  /** Linux IRQs allocated for MSI/MSI-X (msi_irqs/), i.e. vectors in use. */
  vectorCount: number;
}
