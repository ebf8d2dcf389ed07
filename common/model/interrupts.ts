// SPDX-License-Identifier: MIT

/** One sample of interrupt counters, as read once per tick for every view. */
export interface InterruptSample {
  /** Monotonic time of the read, ms (rates are computed from these, never from wall time). */
  mono: number;
  /** Wall clock, ms since the epoch. */
  at: number;
  /** CPUs the counts are indexed by (CPU number → column). */
  cpus: number[];
  irqs: Map<number, number[]>;
}

/** Per-tick push to the renderer: only IRQs whose counts changed. */
export interface CountsDelta {
  mono: number;
  at: number;
  intervalMs: number;
  /** irq → counts per CPU (absolute, indexed by CPU number) for changed IRQs only. */
  changed: Record<number, number[]>;
  /** irq → interrupts/s per CPU over the interval, for changed IRQs only (others are 0). */
  rates: Record<number, number[]>;
}
