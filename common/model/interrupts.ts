// SPDX-License-Identifier: MIT

/** One sample of interrupt counters, as read once per tick for every view. */
export interface InterruptSample {
  /** Monotonic time of the read, ms (rates are computed from these, never from wall time). */
  mono: number;
  /** Wall clock, ms since the epoch. */
  at: number;
  /** CPUs the counts are indexed by (CPU number → column). */
  cpus: number[];
  /**
   * IRQ → count per column. A backend may hand out typed rows (the simulator does: copying 2000
   * rows of 512 counts a tick as arrays was most of its garbage collection at 4 Hz); readers index
   * them, nothing more.
   */
  irqs: Map<number, CountRow>;
}

/** Counts by column, as a plain or a typed array. */
export type CountRow = readonly number[] | Float64Array;

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
