// SPDX-License-Identifier: MIT
// The one interface every lab backend (linux, sim, snapshot) implements. The session polls it,
// the CLI and serve mode read it, and the contract suite runs against it. Reads return data with
// provenance; failures are LabErrors (thrown as LabFailure inside the core, returned as data at
// the LabApi boundary).
import type {
  AddressSpace, CpuInfo, DeviceSummary, DeviceVectors, IommuGroup, IommuUnit, InterruptSample, KernelOp, LabInfo,
} from '../common/model/index.js';

export interface LabBackend {
  readonly kind: LabInfo['backend'];
  info(): Promise<LabInfo>;
  cpus(): Promise<CpuInfo>;
  iommus(): Promise<IommuUnit[]>;
  groups(): Promise<IommuGroup[]>;
  devices(): Promise<DeviceSummary[]>;
  /** Throws LabFailure (ENODEV) for an unknown BDF. */
  vectors(bdf: string): Promise<DeviceVectors>;
  /** Per IOAS this lab knows, else per IOMMU group; optionally only those `bdf` belongs to. */
  addressSpaces(bdf?: string): Promise<AddressSpace[]>;
  /**
   * One sample of interrupt counters. `irqs` names the IRQs a view needs; a backend may read only
   * those (e.g. /sys/kernel/irq/N/per_cpu_count) or the whole of /proc/interrupts, whichever is
   * cheaper, but must return every IRQ asked for.
   */
  sample(irqs?: readonly number[]): Promise<InterruptSample>;
  /** Kernel interaction log (ioctls and writes) since `sinceSeq`. */
  kernelLog(sinceSeq?: number): KernelOp[];
  /** Subscribe to new log entries; returns an unsubscribe function. */
  onLog(listener: (ops: KernelOp[]) => void): () => void;
  close(): Promise<void>;
}
