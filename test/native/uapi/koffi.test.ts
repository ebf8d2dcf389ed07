// SPDX-License-Identifier: MIT
// The koffi types built from the tables must have the tables' layout (the typed ioctl prototypes
// use them), and the Buffer encoder must round-trip every field.
import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import { ALL_STRUCTS, decode, encode, koffiType, zeroed } from '../../../native/uapi/index.js';

describe('koffi types from native/uapi tables', () => {
  for (const def of ALL_STRUCTS) {
    it(`struct ${def.name}`, () => {
      const t = koffiType(koffi, def) as koffi.TypeObject;
      const hasFlex = def.fields.some((f) => f.flex);
      // A flexible array adds its element alignment and tail padding in C; koffi sees only the
      // fixed part, and such structs go through the Buffer encoder, never a typed prototype.
      if (!hasFlex) {
        expect(koffi.sizeof(t)).toBe(def.size);
        expect(koffi.alignof(t)).toBe(def.align);
      }
      for (const f of def.fields) if (!f.flex && !f.union) expect([f.name, koffi.offsetof(t, f.name)]).toEqual([f.name, f.offset]);
    });
  }
  it('encode/decode round-trips u64 above 2^53 as bigint', () => {
    const def = ALL_STRUCTS.find((s) => s.name === 'iommu_ioas_map')!;
    const v = zeroed(def, { ioas_id: 7, user_va: 0x7fff_0000_1000n, length: 1n << 60n, iova: (1n << 64n) - 1n });
    const back = decode(def, encode(def, v));
    expect(back).toMatchObject({ size: 40, ioas_id: 7, user_va: 0x7fff_0000_1000n, length: 1n << 60n, iova: (1n << 64n) - 1n });
  });
});
