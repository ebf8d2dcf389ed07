// SPDX-License-Identifier: MIT
import type { KernelOp } from '../common/model/index.js';

/** Bounded ring of kernel operations with subscribers; shared by every backend. */
export class KernelLog {
  private ops: KernelOp[] = [];
  /** Entries before `head` have aged out; they are dropped in one go once there are `capacity` of them. */
  private head = 0;
  private nextSeq = 1;
  private listeners = new Set<(ops: KernelOp[]) => void>();
  constructor(private readonly capacity = 20000) {}

  record(op: Omit<KernelOp, 'seq'>): KernelOp {
    const entry: KernelOp = { seq: this.nextSeq++, ...op };
    this.ops.push(entry);
    // Record is on the ioctl hot path: age entries out by moving `head`, not by shifting the array.
    if (this.ops.length - this.head > this.capacity) this.head++;
    if (this.head >= this.capacity) { this.ops = this.ops.slice(this.head); this.head = 0; }
    for (const l of this.listeners) l([entry]);
    return entry;
  }

  since(seq = 0): KernelOp[] {
    // Seqs are consecutive, so the first wanted entry is found by arithmetic.
    const live = this.ops.length - this.head;
    const first = live > 0 ? this.ops[this.head]!.seq : this.nextSeq;
    return this.ops.slice(this.head + Math.max(0, Math.min(live, seq + 1 - first)));
  }

  subscribe(listener: (ops: KernelOp[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
