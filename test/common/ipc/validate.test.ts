// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { validateRequest } from '../../../common/ipc/validate.js';
import { LAB_METHODS, REQUESTS } from '../../../common/ipc/contract.js';

describe('common/ipc/validate', () => {
  it('accepts a well-formed request and strips nothing it needs', () => {
    const r = validateRequest('getVectors', { bdf: '0000:00:02.0' });
    expect(r).toEqual({ ok: true, value: { method: 'getVectors', req: { bdf: '0000:00:02.0' } } });
  });

  it.each([
    ['a BDF with a path in it', 'getVectors', { bdf: '../../etc/passwd' }, 'request.bdf', 'a PCI address like 0000:00:02.0'],
    ['a number where a BDF goes', 'getVectors', { bdf: 7 }, 'request.bdf', 'number 7'],
    ['a missing field', 'getVectors', {}, 'request.bdf', 'undefined'],
    ['an unknown field', 'getLab', { evil: true }, 'request.evil', 'no such field'],
    ['an array instead of an object', 'getLab', [1], 'request', 'an object'],
    ['an interval below the minimum', 'setLive', { intervalMs: 1, paused: false }, 'request.intervalMs', 'an integer in [100, 60000]'],
    ['a string for a boolean', 'setLive', { intervalMs: 1000, paused: 'no' }, 'request.paused', 'true or false'],
    ['a fractional number', 'getKernelLog', { sinceSeq: 1.5 }, 'request.sinceSeq', 'an integer'],
  ])('rejects %s with a message naming the field', (_what, method, req, field, text) => {
    const r = validateRequest(method, req);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.op).toBe(`request ${method}`);
    expect(r.error.detail?.field).toBe(field);
    expect(r.error.message).toContain(text);
    expect(r.error.hint.length).toBeGreaterThan(10);
  });

  it('rejects an unknown method and lists the valid ones', () => {
    const r = validateRequest('rmRf', {});
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toContain('unknown method "rmRf"');
      for (const m of LAB_METHODS) expect(r.error.hint).toContain(m);
    }
  });

  it('refuses objects with a foreign prototype (no class instances across the boundary)', () => {
    class Evil { bdf = '0000:00:02.0'; }
    expect(validateRequest('getVectors', new Evil()).ok).toBe(false);
  });

  it('has a schema for every method of the contract', () => {
    for (const m of LAB_METHODS) expect(typeof REQUESTS[m].parse).toBe('function');
  });
});
