// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { diffSamples, LabSession } from '../../lab/session.js';
import { isExpanded, sparseAt, statsAt } from '../../common/model/index.js';
import { encodeCounts } from '../../common/ipc/wire.js';
import { fakeBackend } from '../helpers/fake-backend.js';
import type { LabEvent } from '../../common/ipc/contract.js';

describe('lab/session', () => {
  it('validates before the backend sees anything', async () => {
    const b = fakeBackend();
    const s = new LabSession(b, { autoStart: false });
    const r = await s.dispatch('getVectors', { bdf: 'nope' });
    expect(r.ok).toBe(false);
    expect(b.calls).not.toContain('vectors nope');
    await s.close();
  });

  it('returns backend failures as data with errno, path and hint', async () => {
    const s = new LabSession(fakeBackend(), { autoStart: false });
    const r = await s.api.getVectors({ bdf: '0000:00:09.0' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatchObject({ op: 'read device', errno: 19, errnoName: 'ENODEV', path: '/sys/bus/pci/devices/0000:00:09.0' });
      expect(r.error.hint).toMatch(/overview/);
    }
    await s.close();
  });

  it('pushes only the IRQs whose counts changed, with rates from the monotonic clock', async () => {
    const s = new LabSession(fakeBackend(), { autoStart: false });
    const events: LabEvent[] = [];
    s.onEvent((e) => events.push(e));
    expect(await s.tick()).toBeNull(); // first sample: nothing to diff against
    const d = await s.tick();
    expect(Object.keys(d!.changed)).toEqual(['25']);
    expect(d!.rates[25]).toEqual([1, 0]); // one interrupt in 1000 ms on CPU0
    expect(events).toEqual([{ type: 'counts', delta: d }]);
    await s.close();
  });

  it('diffSamples gives no rate for a counter that went backwards (IRQ number reused)', () => {
    const a = { mono: 0, at: 0, cpus: [0], irqs: new Map([[30, [100]]]) };
    const b = { mono: 500, at: 0, cpus: [0], irqs: new Map([[30, [3]]]) };
    expect(diffSamples(a, b).rates[30]).toEqual([0]);
    const c = { mono: 1000, at: 0, cpus: [0], irqs: new Map([[30, [8]]]) };
    expect(diffSamples(b, c).rates[30]).toEqual([10]);
  });

  it('diffSamples indexes counts and rates by CPU number, not by /proc/interrupts column', () => {
    // CPUs 2 and 3 offline: the columns are CPUs 0, 1, 4, 5.
    const a = { mono: 0, at: 0, cpus: [0, 1, 4, 5], irqs: new Map([[40, [0, 0, 7, 0]], [41, [1, 0, 0, 0]]]) };
    const b = { mono: 250, at: 9, cpus: [0, 1, 4, 5], irqs: new Map([[40, [0, 0, 9, 3]], [41, [1, 0, 0, 0]]]) };
    const d = diffSamples(a, b);
    expect(Object.keys(d.changed)).toEqual(['40']); // 41 did not move
    expect(d.changed[40]).toEqual([0, 0, 0, 0, 9, 3]);
    expect(d.rates[40]).toEqual([0, 0, 0, 0, 8, 12]);
    expect(statsAt(d.rates, 40)).toEqual({ sum: 20, max: 12 });
  });

  it('diffSamples builds the tick sparse: nothing is expanded until a row reads it', () => {
    const cpus = Array.from({ length: 512 }, (_, i) => i);
    const row = (cpu: number, v: number) => { const r = new Array<number>(512).fill(0); r[cpu] = v; return r; };
    const a = { mono: 0, at: 0, cpus, irqs: new Map(Array.from({ length: 100 }, (_, i) => [i, row(i, 10)] as [number, number[]])) };
    const b = { mono: 1000, at: 0, cpus, irqs: new Map(Array.from({ length: 100 }, (_, i) => [i, row(i, 10 + i)] as [number, number[]])) };
    const d = diffSamples(a, b);
    expect(Object.keys(d.changed)).toHaveLength(99); // IRQ 0 did not fire
    const lazy = (rec: Record<number, number[]>, k: number) => k in rec && !isExpanded(rec, k);
    expect(lazy(d.changed, 7) && lazy(d.rates, 7)).toBe(true);
    expect(sparseAt(d.rates, 7)).toEqual({ n: 512, nz: [7, 7] });
    expect(statsAt(d.changed, 99)).toEqual({ sum: 109, max: 109 });
    // The wire form is the same pairs, read without expanding a single row: IRQ 7 rose by 7 on CPU 7.
    const w = encodeCounts(d);
    const at = w.c.indexOf(7);
    expect(w.c.slice(at, at + 5)).toEqual([7, 1, 7, 17, 7]);
    expect(w.x).toEqual([]);
    expect(d.rates[7]).toEqual(row(7, 7));
  });

  it('diffSamples gives no rate across a change of columns (CPU hotplug between two reads)', () => {
    const a = { mono: 0, at: 0, cpus: [0, 1], irqs: new Map([[30, [5, 5]]]) };
    const b = { mono: 500, at: 0, cpus: [0, 1, 2], irqs: new Map([[30, [5, 6, 0]]]) };
    const d = diffSamples(a, b);
    expect(d.changed[30]).toEqual([5, 6, 0]);
    expect(d.rates[30]).toEqual([0, 0, 0]);
  });

  it('samples only while someone listens', async () => {
    const b = fakeBackend();
    let samples = 0;
    const sample = b.sample.bind(b);
    b.sample = async (irqs) => { samples++; return sample(irqs); };
    const s = new LabSession(b, { autoStart: false });
    await s.api.setLive({ intervalMs: 100, paused: false });
    await new Promise((r) => setTimeout(r, 450));
    expect(samples).toBe(0);
    const events: LabEvent[] = [];
    const off = s.onEvent((e) => events.push(e));
    await new Promise((r) => setTimeout(r, 450));
    expect(samples).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.type === 'counts')).toBe(true);
    off();
    await new Promise((r) => setTimeout(r, 150)); // a tick already under way may finish
    const after = samples;
    await new Promise((r) => setTimeout(r, 450));
    expect(samples).toBe(after);
    await s.close();
  });

  it('setLive changes the tick and tells every client', async () => {
    const s = new LabSession(fakeBackend(), { autoStart: false });
    const events: LabEvent[] = [];
    s.onEvent((e) => events.push(e));
    const r = await s.api.setLive({ intervalMs: 250, paused: true });
    expect(r).toEqual({ ok: true, value: { intervalMs: 250, paused: true, watch: null } });
    expect(events).toContainEqual({ type: 'status', paused: true, intervalMs: 250 });
    await s.close();
  });
});

describe('lab/session live watch', () => {
  it('watches the IRQs of the table the page just read, without reading it again; re-reads after a change', async () => {
    const { openSimLab } = await import('../../lab/sim/index.js');
    const sim = await openSimLab({ scenario: 'x86-vtd-ir', params: {}, reason: 'test' });
    let reads = 0;
    const counted = new Proxy(sim, { get: (t, k) => (k === 'vectors' ? (bdf: string) => { reads++; return t.vectors(bdf); } : Reflect.get(t, k)) });
    const fs = await import('node:fs'), os = await import('node:os'), path = await import('node:path');
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-session-'));
    const s = new LabSession(counted, { autoStart: false, stateDir });
    const bdf = (await sim.devices()).find((d) => d.vectorCount > 0)!.bdf;
    const table = await s.api.getVectors({ bdf });
    expect(reads).toBe(1);
    expect((await s.api.setLive({ intervalMs: 1000, paused: true, watch: bdf })).ok).toBe(true);
    expect(reads).toBe(1);
    // What the tick samples is exactly the table's IRQs.
    const sampled: (readonly number[] | undefined)[] = [];
    const sample = sim.sample.bind(sim);
    sim.sample = (irqs) => { sampled.push(irqs); return sample(irqs); };
    await s.tick();
    expect(sampled[0]).toEqual(table.ok ? table.value.vectors.map((v) => v.irq).filter((x) => x !== null) : null);
    // An affinity move announces a change to the device: the next watch reads the table afresh.
    const v = table.ok ? table.value.vectors[0]! : null;
    await s.api.setAffinity({ bdf, index: v!.index, cpus: '1' });
    await s.api.setLive({ intervalMs: 1000, paused: true, watch: bdf });
    expect(reads).toBeGreaterThan(1);
    await s.api.restoreAll({});
    await s.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
});
