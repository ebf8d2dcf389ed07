// SPDX-License-Identifier: MIT
// One trace record per ioctl, procfs/sysfs write, open and mmap (QEMU trace-events style). The lab's
// KernelLog satisfies Tracer structurally; native/ cannot import lab/.

export interface TraceRecord {
  /** Wall clock, ms since the epoch. */
  at: number;
  kind: 'ioctl' | 'write' | 'open' | 'mmap';
  /** `IOMMU_IOAS_MAP`, `open /dev/iommu`, `write /proc/irq/25/smp_affinity_list`. */
  op: string;
  bdf: string | null;
  args: Record<string, string | number | boolean>;
  ok: boolean;
  ret: number | null;
  errno: number | null;
  errnoName: string | null;
  durationUs: number;
}

export interface Tracer {
  record(op: TraceRecord): unknown;
}

/** Context every wrapper takes: where to trace and which device the call concerns. */
export interface CallCtx {
  tracer?: Tracer | undefined;
  bdf?: string | null | undefined;
}

/** Values kept in a trace record: bigints and large numbers are shown in hex. */
export function traceValue(v: number | bigint | boolean | string): string | number | boolean {
  if (typeof v === 'bigint') return `0x${v.toString(16)}`;
  return v;
}

export function traceArgs(args: Record<string, number | bigint | boolean | string | undefined>): TraceRecord['args'] {
  const out: TraceRecord['args'] = {};
  for (const [k, v] of Object.entries(args)) if (v !== undefined) out[k] = traceValue(v);
  return out;
}
