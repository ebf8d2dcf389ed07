// SPDX-License-Identifier: MIT
// A Tracer that keeps what it is given (the shape lab/kernel-log.ts KernelLog.record accepts).
import type { TraceRecord, Tracer } from '../../../native/sys/trace.js';

export class Recorder implements Tracer {
  readonly ops: TraceRecord[] = [];
  record(op: TraceRecord): void {
    this.ops.push(op);
  }
}
