// SPDX-License-Identifier: MIT
// Every value Doorbell shows carries where it came from and when it was read. A value that could
// not be read carries why, so the UI never shows a blank where the kernel said no.

export type SourceKind =
  | 'vfio-bar-mmap'   // MSI-X table through an mmap of the VFIO BAR region (MSIX_MAPPABLE)
  | 'vfio-region'     // pread/pwrite on a VFIO region (config is virtualised by vfio-pci)
  | 'resource-mmap'   // /sys/bus/pci/devices/<BDF>/resourceN mmap as root
  | 'config'          // /sys/bus/pci/devices/<BDF>/config (real hardware; root reads past 64 bytes)
  | 'debugfs'         // /sys/kernel/debug/irq/irqs/<N> (the kernel's cached composed message)
  | 'procfs'
  | 'sysfs'
  | 'ioctl'
  | 'sim'             // the simulator's model of the kernel
  | 'snapshot';       // a saved snapshot (the original source is kept in `origin`)

export interface Provenance {
  source: SourceKind;
  /** File or ioctl the value came from. */
  path?: string;
  /** Wall-clock time of the read, ms since the epoch. */
  at: number;
  /** For snapshot values: the source the live lab used. */
  origin?: SourceKind;
}

export type Read<T> =
  | { ok: true; value: T; from: Provenance }
  | { ok: false; why: string; from?: Provenance };

export function readOk<T>(value: T, from: Provenance): Read<T> {
  return { ok: true, value, from };
}

export function readFail<T>(why: string, from?: Provenance): Read<T> {
  return from ? { ok: false, why, from } : { ok: false, why };
}

export function valueOr<T, D>(r: Read<T>, d: D): T | D {
  return r.ok ? r.value : d;
}
