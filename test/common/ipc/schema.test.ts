// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { arrayOf, int, obj, str } from '../../../common/ipc/schema.js';

describe('common/ipc/schema', () => {
  it('arrays of scalars are checked item by item without per-item results, and refused at the item', () => {
    const nats = arrayOf(int({ min: 0, max: 10 }));
    const input = [0, 3, 10];
    const r = nats.parse(input, 'p.counts');
    expect(r).toEqual({ ok: true, value: [0, 3, 10] });
    // The value is a copy: the caller may keep it while the input is changed.
    if (r.ok) { input[0] = 9; expect(r.value[0]).toBe(0); }
    expect(nats.parse([1, 2, 11], 'p.counts')).toEqual({ ok: false, path: 'p.counts[2]', expected: 'an integer in [0, 10]', got: 'number 11' });
    expect(nats.parse([1, 1.5], 'p.counts')).toMatchObject({ ok: false, path: 'p.counts[1]' });
    expect(nats.parse([1, '2'], 'p.counts')).toMatchObject({ ok: false, path: 'p.counts[1]', got: 'string "2"' });
    expect(nats.parse([1, null], 'p.counts')).toMatchObject({ ok: false, path: 'p.counts[1]', got: 'null' });
    expect(nats.parse(new Array<number>(2), 'p.counts')).toMatchObject({ ok: false, path: 'p.counts[0]', got: 'undefined' }); // holes
    expect(arrayOf(int(), { max: 2 }).parse([1, 2, 3], 'p')).toMatchObject({ ok: false, path: 'p', expected: 'an array of at most 2 items' });
  });

  it('arrays of checks without a fast test still go item by item (objects, strings)', () => {
    const rows = arrayOf(obj({ name: str({ max: 3 }) }));
    expect(rows.parse([{ name: 'ab' }], 'p')).toEqual({ ok: true, value: [{ name: 'ab' }] });
    expect(rows.parse([{ name: 'ab' }, { name: 'abcd' }], 'p')).toMatchObject({ ok: false, path: 'p[1].name' });
    expect(arrayOf(str({ max: 3 })).parse(['a', 'abcd'], 'p')).toMatchObject({ ok: false, path: 'p[1]' });
  });
});
