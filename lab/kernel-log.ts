// SPDX-License-Identifier: MIT
import type { KernelOp } from '../common/model/index.js';

/** Bounded ring of kernel operations with subscribers; shared by every backend. */
export class KernelLog {
  private ops: KernelOp[] = [];
  private nextSeq = 1;
  private listeners = new Set<(ops: KernelOp[]) => void>();
  constructor(private readonly capacity = 20000) {}

  record(op: Omit<KernelOp, 'seq'>): KernelOp {
    const entry: KernelOp = { seq: this.nextSeq++, ...op };
    this.ops.push(entry);
    if (this.ops.length > this.capacity) this.ops.splice(0, this.ops.length - this.capacity);
    for (const l of this.listeners) l([entry]);
    return entry;
  }

  since(seq = 0): KernelOp[] {
    return this.ops.filter((o) => o.seq > seq);
  }

  subscribe(listener: (ops: KernelOp[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
