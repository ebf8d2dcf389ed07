// SPDX-License-Identifier: MIT
// 64-bit addresses travel as lowercase hex strings ("0x8000040"): JSON has no bigint, and a double
// loses bits above 2^53. Arithmetic happens on bigint at the edges.

export type Hex = string;

export function hex(v: bigint | number): Hex {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  if (b < 0n) throw new RangeError(`negative address ${b}`);
  return `0x${b.toString(16)}`;
}

export function big(h: Hex): bigint {
  if (!/^0x[0-9a-fA-F]{1,16}$/.test(h)) throw new RangeError(`not a 64-bit hex value: ${h}`);
  return BigInt(h);
}

export function isHex(h: unknown): h is Hex {
  return typeof h === 'string' && /^0x[0-9a-f]{1,16}$/.test(h);
}

/** Zero-padded to `digits` hex digits, for tables: 0x00000000fee00238. */
export function padHex(h: Hex | bigint | number, digits = 16): string {
  const b = typeof h === 'string' ? big(h) : BigInt(h);
  return `0x${b.toString(16).padStart(digits, '0')}`;
}

export const U64_MAX = (1n << 64n) - 1n;
