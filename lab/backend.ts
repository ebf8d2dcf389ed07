// SPDX-License-Identifier: MIT
// The one interface every lab backend (linux, sim, snapshot) implements. The session polls it,
// the CLI and serve mode read it, and the contract suite runs against it. Reads return data with
// provenance; failures are LabErrors (thrown as LabFailure inside the core, returned as data at
// the LabApi boundary).
import type {
  AddressSpace, CpuInfo, DeviceSummary, DeviceVectors, IommuGroup, IommuUnit, InterruptSample, KernelOp, LabInfo, VectorRow,
} from '../common/model/index.js';
import type { Result } from '../common/errors.js';
import type { KernelOps } from './ops.js';

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

  // Optional, feature-probed by the affinity editor (lab/affinity/):
  /** The KernelOps table this backend writes through (affinity writes, VFIO ioctls); null when it cannot write. */
  kernelOps?(): KernelOps | null;
  /**
   * Make the DEVICE send these vectors' MSIs now, so they pass the interrupt controller and are
   * counted per CPU (simulator traffic; in the QEMU tier a device-side trigger such as e1000e's ICS
   * register). Not the VFIO loop-back trigger: SET_IRQS DATA_NONE|ACTION_TRIGGER only signals the
   * eventfd in software (vfio_pci_set_msi_trigger → eventfd_signal), so no CPU counts it. Resolves
   * with the indices fired, or a LabError saying why it cannot.
   */
  fire?(bdf: string, indices: number[]): Promise<Result<{ fired: number[] }>>;
  /** Directory /proc is read under ('/' for this machine); null when there is no real /proc (sim, snapshot). */
  procRoot?(): string | null;
  /**
   * One vector row, read without the rest of the device: the row vectors(bdf) would hold for
   * `index`, or null when the device has no such vector. Throws like vectors() for an unknown BDF.
   * For loops over one vector of a device with thousands (the affinity editor).
   */
  vector?(bdf: string, index: number): Promise<VectorRow | null>;
  /**
   * Rows first..first+count-1 of what vectors(bdf) returns (same order, same notes), built without
   * the other rows, and the whole table's length. For the first screenful of a large device.
   */
  vectorWindow?(bdf: string, first: number, count: number): Promise<{ table: DeviceVectors; total: number }>;

  // Optional, for readers of the whole lab at once (snapshot capture, checks):
  /**
   * Run `fn` with machine-wide reads shared: reads of this backend inside `fn` (vectors of every
   * device, address spaces, groups) may reuse one read of the PCI tree and one parse of
   * /proc/interrupts instead of one per call. Reads outside `fn`, concurrent ones included, see the
   * kernel afresh; sample() is never shared. Returns what `fn` returns.
   */
  batch?<T>(fn: () => Promise<T>): Promise<T>;
}
