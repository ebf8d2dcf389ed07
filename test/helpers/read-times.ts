// SPDX-License-Identifier: MIT
/** A copy of `x` (as JSON carries it) with every provenance time set to 0: two reads of the same
 *  state differ only there. */
export function readTimesZeroed(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x), (k, v: unknown) => (k === 'at' && typeof v === 'number' ? 0 : v));
}
