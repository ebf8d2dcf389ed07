// SPDX-License-Identifier: MIT
// IOVA axis arithmetic on bigint: the window can be the whole 64-bit space or a single page, and
// a double cannot hold a 64-bit address, so only the final pixel position becomes a number.
import { big, type AddressSpace, type IovaRange } from '../../../common/model/index.js';

export const SPACE = 1n << 64n;
export const PAGE = 4096n;

export interface Window { lo: bigint; span: bigint }

export function clampWindow(lo: bigint, span: bigint): Window {
  let s = span < PAGE ? PAGE : span > SPACE ? SPACE : span;
  if (s <= 0n) s = PAGE;
  let l = lo < 0n ? 0n : lo;
  if (l + s > SPACE) l = SPACE - s;
  return { lo: l, span: s };
}

/** Pixel position of an address in a window drawn `width` wide (may fall outside 0..width). */
export function px(a: bigint, w: Window, width: number): number {
  const SCALE = 1_000_000n;
  return (Number(((a - w.lo) * SCALE) / w.span) / 1_000_000) * width;
}

/** Zoom by `factor` (<1 zooms in) keeping the address under `atFrac` (0..1 of the width) fixed. */
export function zoom(w: Window, factor: number, atFrac = 0.5): Window {
  const f = BigInt(Math.round(factor * 1_000_000));
  const span = (w.span * f) / 1_000_000n;
  const anchor = w.lo + (w.span * BigInt(Math.round(atFrac * 1_000_000))) / 1_000_000n;
  const lo = anchor - (span * BigInt(Math.round(atFrac * 1_000_000))) / 1_000_000n;
  return clampWindow(lo, span);
}

export function pan(w: Window, frac: number): Window {
  const d = (w.span * BigInt(Math.round(frac * 1_000_000))) / 1_000_000n;
  return clampWindow(w.lo + d, w.span);
}

/** A window showing [start, last] with a margin on both sides (at least one page). */
export function around(start: bigint, last: bigint, margin = 0.25): Window {
  const size = last - start + 1n;
  const pad = BigInt(Math.round(Number(size) * margin));
  const span = size + 2n * pad;
  return clampWindow(start - pad, span < PAGE * 2n ? PAGE * 2n : span);
}

/** The part of the space worth seeing first: doorbells, mappings and vector addresses. */
export function fit(s: AddressSpace): Window {
  const pts: IovaRange[] = [...s.doorbells, ...s.mappings, ...s.vectors.map((v) => ({ start: v.address, last: v.address }))];
  if (!pts.length) return { lo: 0n, span: SPACE };
  let lo = SPACE - 1n;
  let hi = 0n;
  for (const p of pts) {
    const a = big(p.start);
    const b = big(p.last);
    if (a < lo) lo = a;
    if (b > hi) hi = b;
  }
  return around(lo, hi, 0.15);
}

export function sizeText(n: bigint): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  let v = n;
  while (i < units.length - 1 && v >= 1024n && v % 1024n === 0n) { v /= 1024n; i++; }
  if (v >= 1024n * 1024n && i < units.length - 1) {
    // Not a round size: show it approximately in the largest unit that keeps it >= 1.
    let f = Number(v);
    while (f >= 1024 && i < units.length - 1) { f /= 1024; i++; }
    return `${f.toFixed(1)} ${units[i]}`;
  }
  return `${v} ${units[i]}`;
}

export function hexText(a: bigint): string {
  return `0x${a.toString(16)}`;
}
