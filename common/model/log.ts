// SPDX-License-Identifier: MIT
// One entry per ioctl and per procfs/sysfs write, identical in form on every backend, so the log
// pane and the tests see the same stream from the real kernel and from the simulator.

export interface KernelOp {
  seq: number;
  /** Wall clock, ms since the epoch. */
  at: number;
  kind: 'ioctl' | 'write' | 'open' | 'mmap';
  /** `IOMMU_IOAS_MAP`, `write /proc/irq/25/smp_affinity_list`, `open /dev/iommu`. */
  op: string;
  bdf: string | null;
  args: Record<string, string | number | boolean>;
  ok: boolean;
  ret: number | null;
  errno: number | null;
  errnoName: string | null;
  durationUs: number;
}
