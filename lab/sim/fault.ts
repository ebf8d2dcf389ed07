// SPDX-License-Identifier: MIT
// Fail-nth injection on internal steps (tools/testing/selftests/iommu/iommufd_fail_nth.c injects
// failures into every allocation an ioctl makes): every internal step of the simulated kernel
// calls hit(); the nth one (or a named one) fails with ENOMEM, and the operation must unwind.
import type { ErrnoName } from '../../common/errno.js';

export class InjectedFault extends Error {
  constructor(readonly step: string, readonly errno: ErrnoName) {
    super(`injected failure at ${step}`);
  }
}

export class FaultPlan {
  /** Fail the nth step from now on (1-based); null = never. */
  failNth: number | null = null;
  /** Fail every step with this name. */
  failAt: string | null = null;
  count = 0;
  readonly trace: string[] = [];
  injected: string | null = null;

  arm(nth: number | null): void {
    this.failNth = nth;
    this.count = 0;
    this.injected = null;
    this.trace.length = 0;
  }

  hit(step: string): void {
    this.count++;
    this.trace.push(step);
    if (this.failNth === this.count || this.failAt === step) {
      this.injected = step;
      throw new InjectedFault(step, 'ENOMEM');
    }
  }
}

/** Undo stack: an operation registers how to reverse each step it completed. */
export class Undo {
  private readonly steps: (() => void)[] = [];
  push(f: () => void): void { this.steps.push(f); }
  run(): void {
    for (let f = this.steps.pop(); f; f = this.steps.pop()) f();
  }
}
