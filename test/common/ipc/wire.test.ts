// SPDX-License-Identifier: MIT
// The vector table's wire form is lossless: for every device of every backend this machine has
// (each simulator scenario, the captured trees, this machine's own kernel), what the renderer
// decodes deep-equals what the core produced — after a real JSON round trip, as the WebSocket and
// IPC carry it. And it is what makes a 2048-vector table small enough to render quickly.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeviceVectors, Read, VectorRow } from '../../../common/model/index.js';
import type { VectorTable } from '../../../common/ipc/contract.js';
import { decodeChecks, decodeCounts, decodeEvent, decodeReply, decodeVectors, encodeChecks, encodeCounts, encodeEvent, encodeReply, encodeVectors, isWireChecks, isWireVectors, VECTORS_WIRE } from '../../../common/ipc/wire.js';
import { isExpanded, pick, statsAt, sumMax, type CountsDelta } from '../../../common/model/index.js';
import { createSimLab } from '../../../lab/sim/index.js';
import { diffSamples, LabSession } from '../../../lab/session.js';
import { SCALE_SCENARIO } from '../../renderer/helpers.js';
import type { LabBackend } from '../../../lab/backend.js';
import { openLinuxLab } from '../../../lab/linux/index.js';
import { openSimLab } from '../../../lab/sim/index.js';
import { scenarioNames } from '../../../lab/sim/scenario.js';
import { CONSOLE, E1000E, NOIOMMU } from '../../fixtures/sysroots/paths.js';

const viaJson = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

async function everyTable(lab: LabBackend): Promise<DeviceVectors[]> {
  const out: DeviceVectors[] = [];
  for (const d of await lab.devices()) {
    try { out.push(await lab.vectors(d.bdf)); } catch { /* a device whose vectors cannot be read has no table to carry */ }
  }
  await lab.close();
  return out;
}

function expectRoundTrip(t: DeviceVectors): void {
  const w = viaJson(encodeVectors(t));
  expect(isWireVectors(w)).toBe(true);
  expect(decodeVectors(w), t.bdf).toEqual(viaJson(t));
}

describe('vector table wire form round-trips every real table', () => {
  for (const name of scenarioNames()) {
    it(`sim:${name}`, async () => {
      const tables = await everyTable(await openSimLab({ scenario: name, reason: 'wire test' }));
      expect(tables.length).toBeGreaterThan(0);
      expect(tables.some((t) => t.vectors.length > 0)).toBe(true);
      tables.forEach(expectRoundTrip);
    });
  }
  for (const [label, root] of [['e1000e under vfio-pci', E1000E], ['virtio console under VT-d', CONSOLE], ['virtio without IOMMU', NOIOMMU]] as const) {
    it(`captured tree: ${label}`, async () => {
      const tables = await everyTable(await openLinuxLab({ root, reason: 'wire test' }));
      expect(tables.some((t) => t.vectors.length > 0)).toBe(true);
      tables.forEach(expectRoundTrip);
    });
  }
  it('this machine (linux)', async () => {
    const tables = await everyTable(await openLinuxLab({ root: '/', reason: 'wire test' }));
    tables.forEach(expectRoundTrip);
  });
});

const at = 1_796_000_000_000;
function row(over: Partial<VectorRow> = {}): VectorRow {
  const ok = <T>(value: T, path?: string): Read<T> => ({ ok: true, value, from: path === undefined ? { source: 'sim', at } : { source: 'procfs', path, at } });
  return {
    index: 0, kind: 'msix', irq: 40, chip: 'IR-PCI-MSIX-0000:01:00.0', hwirq: 0x80000,
    domainChain: ok(['IR-PCI-MSIX-0000:01:00.0', 'INTEL-IR-0', 'VECTOR']), controller: 'intel-ir', actions: ['vfio-msix[0](0000:01:00.0)'],
    message: ok({ address: '0xfee00010', data: 0 }), cachedMessage: ok({ address: '0xfee00010', data: 0 }),
    masked: ok(false), decoded: { kind: 'intel-remap', handle: 1, shv: true, subhandle: 0, irteTargetApicId: 2 }, eventfd: 'assigned',
    affinity: ok([0, 1, 2, 3], '/proc/irq/40/smp_affinity_list'), effective: ok([2], '/proc/irq/40/effective_affinity_list'),
    pending: false, counts: ok([0, 0, 7, 0], '/proc/interrupts'), ...over,
  };
}

describe('vector table wire form: the cases real tables may not have', () => {
  it('keeps CPU arrays that are not ascending-unique, empty sets and dense counts exactly', () => {
    const t: DeviceVectors = { bdf: '0000:01:00.0', notes: ['n'], vectors: [
      row({ affinity: { ok: true, value: [3, 1, 1], from: { source: 'sim', at } }, effective: { ok: true, value: [], from: { source: 'sim', at } } }),
      row({ index: 1, counts: { ok: true, value: [1, 2, 3, 4], from: { source: 'snapshot', origin: 'procfs', at } } }),
      row({ index: 2, counts: { ok: true, value: [], from: { source: 'sim', at } } }),
    ] };
    expectRoundTrip(t);
  });

  it('keeps failed reads with and without provenance, null IRQ/chip/hwirq, MSI kind and pending', () => {
    const t: DeviceVectors = { bdf: '0000:01:00.0', notes: [], vectors: [row({
      kind: 'msi', irq: null, chip: null, hwirq: null, pending: true, eventfd: 'unknown', controller: 'unknown',
      message: { ok: false, why: 'MSI-X table not mappable', from: { source: 'config', path: '/sys/bus/pci/devices/0000:01:00.0/config', at } },
      cachedMessage: { ok: false, why: 'no debugfs' }, masked: { ok: true, value: true, from: { source: 'sim', at } },
      domainChain: { ok: false, why: 'no debugfs' }, decoded: { kind: 'undecoded', why: 'no message' },
      affinity: { ok: false, why: 'EACCES' }, effective: { ok: false, why: 'EACCES' }, counts: { ok: false, why: 'not in /proc/interrupts' },
    })] };
    expectRoundTrip(t);
  });

  it('decoded rows do not share arrays or provenance objects (a mutation stays in its row)', () => {
    const t: DeviceVectors = { bdf: '0000:01:00.0', notes: [], vectors: [row(), row({ index: 1 })] };
    const d = decodeVectors(viaJson(encodeVectors(t)));
    const [a, b] = d.vectors as [VectorRow, VectorRow];
    expect(a.affinity.ok && b.affinity.ok && a.affinity.value !== b.affinity.value).toBe(true);
    expect(a.counts.ok && b.counts.ok && a.counts.from !== b.counts.from).toBe(true);
  });

  it('is a small fraction of the model at lab scale (512 CPUs, 2048 vectors)', () => {
    const cpus = Array.from({ length: 512 }, (_, i) => i);
    const vectors = Array.from({ length: 2048 }, (_, i) => {
      const counts = new Array<number>(512).fill(0);
      counts[i % 512] = 1000 + i;
      return row({
        index: i, irq: 100 + i, affinity: { ok: true, value: cpus, from: { source: 'procfs', path: `/proc/irq/${100 + i}/smp_affinity_list`, at } },
        effective: { ok: true, value: [i % 512], from: { source: 'procfs', path: `/proc/irq/${100 + i}/effective_affinity_list`, at } },
        counts: { ok: true, value: counts, from: { source: 'procfs', path: '/proc/interrupts', at } },
      });
    });
    const t: DeviceVectors = { bdf: '0000:01:00.0', notes: [], vectors };
    const model = JSON.stringify(t).length;
    const wire = JSON.stringify(encodeVectors(t)).length;
    expect(wire).toBeLessThan(model / 10);
    expectRoundTrip(t);
  });
});

describe('encodeReply / decodeReply', () => {
  it('encodes getVectors replies only, and passes errors and other methods through', () => {
    for (const window of [null, { first: 0, total: 2048 }, { first: 64, total: 100 }]) {
      const t: VectorTable = { bdf: '0000:01:00.0', notes: [], vectors: [row()], window };
      const e = encodeReply('getVectors', { ok: true, value: t });
      expect(e.ok && isWireVectors(e.value) && e.value.wire).toBe(VECTORS_WIRE);
      expect(decodeReply('getVectors', viaJson(e))).toEqual({ ok: true, value: viaJson(t) });
    }
    const err = { ok: false as const, error: { op: 'read device', message: 'gone', hint: 'pick another' } };
    expect(encodeReply('getVectors', err)).toBe(err);
    expect(decodeReply('getVectors', err)).toBe(err);
    const other = { ok: true as const, value: { bdf: 'x' } };
    expect(encodeReply('listDevices', other)).toBe(other);
    expect(decodeReply('listDevices', other)).toBe(other);
  });
});

describe('checks report wire form', () => {
  async function report(scenario: string, params: Record<string, string> = {}) {
    const s = new LabSession(await openSimLab({ scenario, params, reason: 'wire test' }), { autoStart: false });
    const r = await s.api.runChecks({});
    await s.close();
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  }
  const cases: [string, Record<string, string>][] = [
    ...scenarioNames().map((n): [string, Record<string, string>] => [n, {}]),
    ['arm64-its-smmuv3', { bug: 'unmapped-doorbell' }], ['x86-vtd-ir', { bug: 'stale-irte' }], ['riscv-aia-imsic', { profile: 'per-vector-table', bug: 'rewrite-default-address' }],
  ];
  it.each(cases)('round-trips the report of sim:%s %o', async (name, params) => {
    const r = await report(name, params);
    const w = viaJson(encodeChecks(r));
    expect(isWireChecks(w)).toBe(true);
    expect(decodeChecks(w)).toEqual(viaJson(r));
    expect(decodeReply('runChecks', viaJson(encodeReply('runChecks', { ok: true, value: r })))).toEqual({ ok: true, value: viaJson(r) });
  });
  it('carries 4096 findings of the 2048-vector device in a third of the bytes, losslessly', async () => {
    const r = await report(SCALE_SCENARIO);
    expect(r.findings.length).toBeGreaterThan(2048);
    const model = JSON.stringify(r).length, wire = JSON.stringify(encodeChecks(r)).length;
    expect(wire).toBeLessThan(model / 3);
    expect(decodeChecks(viaJson(encodeChecks(r)))).toEqual(viaJson(r));
  });
});

describe('counts event wire form', () => {
  async function deltas(scenario: string): Promise<CountsDelta[]> {
    const sim = createSimLab({ scenario, reason: 'wire test' });
    const s = new LabSession(sim, { autoStart: false });
    const out: CountsDelta[] = [];
    await s.tick();
    for (let i = 0; i < 3; i++) { sim.advance(700); const d = await s.tick(); if (d) out.push(d); }
    await s.close();
    return out;
  }
  it.each([...scenarioNames(), SCALE_SCENARIO])('round-trips real ticks of sim:%s, and every other event as it is', async (name) => {
    const ds = await deltas(name);
    expect(ds.some((d) => Object.keys(d.changed).length > 0)).toBe(true);
    for (const d of ds) {
      expect(decodeCounts(viaJson(encodeCounts(d)))).toEqual(viaJson(d));
      expect(decodeEvent(viaJson(encodeEvent({ type: 'counts', delta: d })))).toEqual({ type: 'counts', delta: viaJson(d) });
    }
    const status = { type: 'status' as const, paused: false, intervalMs: 250 };
    expect(encodeEvent(status)).toBe(status);
    expect(decodeEvent(status)).toBe(status);
  });
  it('keeps a changed IRQ without rates, zero and dense arrays, and records sums and maxima of what it expands', () => {
    const d: CountsDelta = { mono: 5, at: 6, intervalMs: 250, changed: { 30: [0, 0, 9, 0], 31: [1, 2, 3, 4], 32: [0, 0] }, rates: { 30: [0, 0, 4.5, 0], 31: [0.25, 0.5, 1, 2] } };
    const back = decodeCounts(viaJson(encodeCounts(d)));
    expect(back).toEqual(d);
    expect(sumMax(back.changed[30])).toEqual({ sum: 9, max: 9 });
    expect(sumMax(back.rates[31])).toEqual({ sum: 3.75, max: 2 });
    expect(sumMax(undefined)).toEqual({ sum: 0, max: 0 });
  });
  it('a busy 2048-vector tick is a small fraction of its model', async () => {
    // The scale scenario's guest without its RMR loses every MSI of the big device: give it one.
    const sc = JSON.parse(fs.readFileSync(SCALE_SCENARIO, 'utf8')) as { guest: { rmr: boolean } };
    sc.guest.rmr = true;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-wire-')), 'busy.json');
    fs.writeFileSync(file, JSON.stringify(sc));
    const [d] = (await deltas(file)).slice(-1);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    expect(Object.keys(d!.changed).length).toBeGreaterThan(1000);
    const w = encodeCounts(d!);
    expect(JSON.stringify(w).length).toBeLessThan(JSON.stringify(d).length / 10);
    // Every IRQ of a real tick fits the flat form: irq, k, (cpu, count, increase) × k, under 30
    // bytes an IRQ as JSON (pairs with float rates were ~70, and Chromium reads a WebSocket in
    // 1000-byte pieces, one page task each).
    expect(w.x).toEqual([]);
    expect(JSON.stringify(w).length / Object.keys(d!.changed).length).toBeLessThan(30);
    expect(decodeCounts(viaJson(w))).toEqual(viaJson(d));
  });
  it('carries increases, not rates, and gives back the very doubles the core computed', () => {
    const cpus = [0, 1, 2, 3];
    const a = { mono: 0, at: 0, cpus, irqs: new Map([[50, [0, 5, 0, 2]], [51, [9, 0, 0, 0]]]) };
    const b = { mono: 0.2371, at: 1, cpus, irqs: new Map([[50, [0, 12, 0, 2]], [51, [9, 0, 4, 0]]]) };
    const d = diffSamples(a, b);
    const w = encodeCounts(d);
    expect(w.n).toBe(4);
    // IRQ 50: CPU 1 rose by 7, CPU 3 by nothing (no rate); IRQ 51: CPU 0 unchanged, CPU 2 new (4).
    expect(w.c).toEqual([50, 2, 1, 12, 7, 3, 2, 0, 51, 2, 0, 9, 0, 2, 4, 4]);
    const back = decodeCounts(viaJson(w));
    expect(back.rates[50]![1]).toBe(d.rates[50]![1]);
    expect(back.rates[51]![2]).toBe(d.rates[51]![2]);
    expect(back).toEqual(d);
  });
  it('sends an IRQ the flat form cannot hold exactly as pairs', () => {
    // A rate that is no whole increase over the interval, a rate on a CPU without a count, a wider row.
    const d: CountsDelta = {
      mono: 1, at: 2, intervalMs: 250,
      changed: { 60: [0, 4], 61: [3, 0], 62: [1, 0, 0], 63: [0, 8] },
      rates: { 60: [0, 1.3], 61: [0, 4], 62: [4, 0, 0], 63: [0, 8] },
    };
    const w = encodeCounts(d);
    expect(w.x.map(([irq]) => irq)).toEqual([60, 61, 62]);
    expect(w.c).toEqual([63, 1, 1, 8, 2]);
    expect(decodeCounts(viaJson(w))).toEqual(d);
  });
  it('a tick decodes without expanding its arrays: sums and maxima come from the wire, arrays when first read', () => {
    const big = (i: number, x: number) => { const a = new Array<number>(512).fill(0); a[i] = x; return a; };
    const d: CountsDelta = { mono: 1, at: 2, intervalMs: 250, changed: { 40: big(3, 100), 41: big(9, 7) }, rates: { 40: big(3, 8), 41: big(9, 0.5) } };
    const got = decodeCounts(viaJson(encodeCounts(d)));
    const lazy = (rec: Record<number, number[]>, k: number) => k in rec && !isExpanded(rec, k);
    expect(lazy(got.rates, 40) && lazy(got.changed, 41)).toBe(true);
    expect(statsAt(got.rates, 40)).toEqual({ sum: 8, max: 8 });
    expect(statsAt(got.changed, 41)).toEqual({ sum: 7, max: 7 });
    // A record picked from it keeps the entries unexpanded, with their sums and maxima.
    const picked = pick(got.changed, [40, 99]);
    expect(Object.keys(picked)).toEqual(['40']);
    expect(statsAt(picked, 40)).toEqual({ sum: 100, max: 100 });
    expect(lazy(picked, 40)).toBe(true);
    expect(picked[40]).toEqual(big(3, 100));
    expect(picked[40]).toBe(got.changed[40]); // expanded once, shared
    expect(isExpanded(got.changed, 40) && !isExpanded(got.changed, 41)).toBe(true);
    expect(Object.keys(got.changed)).toEqual(['40', '41']);
    expect(JSON.parse(JSON.stringify(got.rates))).toEqual({ 40: big(3, 8), 41: big(9, 0.5) });
    // Read-only, like the tick it came from.
    expect(() => { (got.changed as Record<number, number[]>)[42] = []; }).toThrow(TypeError);
    expect(statsAt({ 5: [1, 2, 3] }, 5)).toEqual({ sum: 6, max: 3 }); // a plain record works too
  });
});

