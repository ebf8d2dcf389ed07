// SPDX-License-Identifier: MIT
// One trace record per ioctl, procfs/sysfs write, open and mmap (QEMU trace-events style). The lab's
// KernelLog satisfies Tracer structurally; native/ cannot import lab/.
import type { KernelOp } from '../../common/model/log.js';

/** The same record the lab's KernelLog keeps (common/model/log.ts), without its sequence number. */
export type TraceRecord = Omit<KernelOp, 'seq'>;

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
