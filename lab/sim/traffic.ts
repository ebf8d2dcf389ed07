// SPDX-License-Identifier: MIT
// The devices' workload. Each vector gets a seeded rate the way real queues look in
// /proc/interrupts: a few busy queues, most quiet, and the tail of a large table idle (vectors a
// guest driver allocated but never uses). Elapsed time turns rates into interrupts; where each one
// lands (effective CPU, a stale IRTE, a lost MOVI, a vCPU, an IOMMU fault) is the controllers'
// business (kernel.ts deliver).

/** Base rate (Hz) for vectors the scenario gives no rate (a device Doorbell enabled itself). */
export const DEFAULT_RATE = 100;

/** A vector's share of the device's base rate is seeded by (seed, BDF, index), not by allocation order. */
function hash01(seed: number, bdf: string, index: number, salt: number): number {
  let h = (0x811c9dc5 ^ seed ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  const s = `${bdf}#${index}`;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

export type RateClass = 'busy' | 'quiet' | 'idle';

/** The class of vector `index` of a table of `vectors`: the last 1/16 of a table of 16+ is idle. */
export function rateClass(seed: number, bdf: string, index: number, vectors: number): RateClass {
  const idle = vectors >= 16 ? Math.ceil(vectors / 16) : 0;
  if (index >= vectors - idle) return 'idle';
  return hash01(seed, bdf, index, 1) < 0.2 ? 'busy' : 'quiet';
}

/** Interrupts per second vector `index` raises: busy 1.5–3.5× base, quiet 0.1–0.5× base, idle 0. */
export function vectorRate(seed: number, bdf: string, index: number, vectors: number, base: number): number {
  if (base <= 0) return 0;
  const cls = rateClass(seed, bdf, index, vectors);
  if (cls === 'idle') return 0;
  const w = hash01(seed, bdf, index, 2);
  return cls === 'busy' ? Math.round(base * (1.5 + 2 * w)) : Math.max(1, Math.round(base * (0.1 + 0.4 * w)));
}

/**
 * Interrupts raised in `dtMs` at `rate` Hz with ±25 % jitter (`r` in [0,1) from the seeded
 * generator). The fraction carries over in `acc`, so a quiet vector still fires over a long enough
 * window and the long-run rate is exact.
 */
export function raised(state: { rate: number; acc: number }, dtMs: number, r: number): number {
  if (state.rate <= 0 || dtMs <= 0) return 0;
  const x = state.acc + (state.rate * dtMs * (0.75 + 0.5 * r)) / 1000;
  const n = Math.floor(x);
  state.acc = x - n;
  return n;
}
