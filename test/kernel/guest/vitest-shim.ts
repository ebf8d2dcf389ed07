// SPDX-License-Identifier: MIT
// A minimal stand-in for 'vitest' inside the QEMU guest, so the KernelOps contract suite
// (test/contract/kernel-ops.contract.ts, written for vitest) runs unchanged against the real
// kernel without shipping vite/vitest into the initramfs. mkinitramfs.sh packs it as
// node_modules/vitest. It covers what the contract uses: describe/it/beforeEach/afterEach and
// expect with toBe, toEqual, toContain, toBeGreaterThan(OrEqual) and expect.fail.
import { isDeepStrictEqual } from 'node:util';

type Fn = () => unknown;
interface Suite { name: string; before: Fn[]; after: Fn[]; parent: Suite | null }
interface Test { name: string; fn: Fn; suite: Suite }

const rootSuite: Suite = { name: '', before: [], after: [], parent: null };
let current = rootSuite;
const tests: Test[] = [];

export function describe(name: string, fn: () => void): void {
  const s: Suite = { name, before: [], after: [], parent: current };
  const prev = current;
  current = s;
  try { fn(); } finally { current = prev; }
}
export const it = (name: string, fn: Fn): void => { tests.push({ name, fn, suite: current }); };
export const test = it;
export const beforeEach = (fn: Fn): void => { current.before.push(fn); };
export const afterEach = (fn: Fn): void => { current.after.push(fn); };

class AssertionError extends Error {}
const show = (v: unknown): string => {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch { return String(v); }
};
const assert = (cond: boolean, msg: () => string): void => { if (!cond) throw new AssertionError(msg()); };

function matchers(actual: unknown, negate: boolean) {
  const t = (cond: boolean, what: string) => assert(cond !== negate, () => `expected ${show(actual)} ${negate ? 'not ' : ''}${what}`);
  return {
    toBe: (e: unknown) => t(Object.is(actual, e), `to be ${show(e)}`),
    toEqual: (e: unknown) => t(isDeepStrictEqual(actual, e), `to equal ${show(e)}`),
    toStrictEqual: (e: unknown) => t(isDeepStrictEqual(actual, e), `to strictly equal ${show(e)}`),
    toContain: (e: unknown) => t((Array.isArray(actual) || typeof actual === 'string') && (actual as unknown[]).includes(e as never), `to contain ${show(e)}`),
    toBeGreaterThan: (e: number | bigint) => t((actual as number | bigint) > e, `to be > ${show(e)}`),
    toBeGreaterThanOrEqual: (e: number | bigint) => t((actual as number | bigint) >= e, `to be >= ${show(e)}`),
    toBeLessThan: (e: number | bigint) => t((actual as number | bigint) < e, `to be < ${show(e)}`),
    toBeTruthy: () => t(Boolean(actual), 'to be truthy'),
    toBeDefined: () => t(actual !== undefined, 'to be defined'),
    toBeNull: () => t(actual === null, 'to be null'),
  };
}
export function expect(actual: unknown) {
  return { ...matchers(actual, false), not: matchers(actual, true) };
}
expect.fail = (msg: string): never => { throw new AssertionError(msg); };

export interface ShimResult { name: string; ok: boolean; detail: string }

/** Runs (and clears) every registered test with its suites' hooks, outermost first. */
export async function runRegistered(): Promise<ShimResult[]> {
  const out: ShimResult[] = [];
  for (const tc of tests.splice(0)) {
    const chain: Suite[] = [];
    for (let s: Suite | null = tc.suite; s; s = s.parent) chain.unshift(s);
    const name = [...chain.map((s) => s.name).filter(Boolean), tc.name].join(' > ');
    let detail = '';
    let ok = true;
    const ran: Suite[] = [];
    try {
      for (const s of chain) { ran.push(s); for (const h of s.before) await h(); }
      await tc.fn();
    } catch (e) {
      ok = false;
      detail = e instanceof Error ? e.message : String(e);
    }
    for (const s of ran.reverse()) {
      for (const h of s.after) {
        try { await h(); } catch (e) { if (ok) { ok = false; detail = `afterEach: ${e instanceof Error ? e.message : String(e)}`; } }
      }
    }
    out.push({ name, ok, detail });
  }
  return out;
}
