// SPDX-License-Identifier: MIT
import { afterEach, describe, expect, it } from 'vitest';
import { watch } from 'vue';
import { useLabStore } from '../../../renderer/src/stores/lab.js';
import { HISTORY, useDeviceStore } from '../../../renderer/src/stores/device.js';
import { install, sim, type Installed } from '../helpers.js';
import { statsAt } from '../../../common/model/index.js';

let lab: Installed | null = null;
afterEach(async () => { await lab?.close(); lab = null; });

describe('device store over the simulator', () => {
  it('loads the vector table and address spaces the backend reports', async () => {
    const b = sim();
    lab = install(b);
    const dev = useDeviceStore();
    await dev.open('0000:01:00.0');
    const want = await b.vectors('0000:01:00.0');
    expect(dev.error).toBeNull();
    expect(dev.table!.vectors.map((v) => v.irq)).toEqual(want.vectors.map((v) => v.irq));
    expect(dev.spaces.map((s) => s.id)).toEqual((await b.addressSpaces('0000:01:00.0')).map((s) => s.id));
  });

  it('an unknown device is an error with a hint, not an empty table', async () => {
    lab = install(sim());
    const dev = useDeviceStore();
    await dev.open('0000:7f:00.0');
    expect(dev.table).toBeNull();
    expect(dev.error?.errnoName).toBeTruthy();
    expect(dev.error?.hint).toBeTruthy();
  });

  it('applies counts deltas from the session tick: counts, per-CPU rates and the sparkline history', async () => {
    const b = sim();
    lab = install(b);
    const dev = useDeviceStore();
    // The host-driven NVMe fires under seeded traffic.
    await dev.open('0000:02:00.0');
    const events: number[] = [];
    lab.session.onEvent((e) => { if (e.type === 'counts') { events.push(e.delta.mono); dev.applyDelta(e.delta); } });
    await lab.session.tick();
    b.advance(1000);
    const d = await lab.session.tick();
    expect(d).not.toBeNull();
    const irqs = dev.table!.vectors.map((v) => v.irq!).filter((i) => d!.changed[i]);
    expect(irqs.length).toBeGreaterThan(0);
    const irq = irqs[0]!;
    expect(dev.countsOf(dev.table!.vectors.find((v) => v.irq === irq)!)).toEqual(d!.changed[irq]);
    expect(dev.rates[irq]).toEqual(d!.rates[irq]);
    expect(dev.historyOf(irq)).toEqual([d!.rates[irq]!.reduce((a, x) => a + x, 0)]);
    // An IRQ of the table that did not fire this tick had rate 0; an IRQ of no table has no history.
    const idle = dev.table!.vectors.map((v) => v.irq).find((i) => i !== null && !(i in d!.changed));
    if (idle !== undefined && idle !== null) expect(dev.historyOf(idle)).toEqual([0]);
    expect(dev.historyOf(999999)).toEqual([]);
    expect(dev.lastTick).toBe(d!.at);
  });

  it('counts per CPU come from the table until a tick brings newer ones, and from a re-read table after that', async () => {
    const b = sim();
    lab = install(b);
    const dev = useDeviceStore();
    await dev.open('0000:02:00.0');
    const v = dev.table!.vectors.find((x) => x.irq !== null && x.counts.ok)!;
    expect(dev.countsOf(v)).toEqual(v.counts.ok ? v.counts.value : null);
    lab.session.onEvent((e) => { if (e.type === 'counts') dev.applyDelta(e.delta); });
    await lab.session.tick();
    b.advance(5000);
    const d = (await lab.session.tick())!;
    const moved = dev.table!.vectors.find((x) => x.irq !== null && d.changed[x.irq])!;
    expect(dev.countsOf(moved)).toBe(d.changed[moved.irq!]);
    expect(dev.countsOf(moved)).not.toEqual(moved.counts.ok ? moved.counts.value : null);
    await dev.refresh();
    const again = dev.table!.vectors.find((x) => x.index === moved.index)!;
    expect(again).not.toBe(moved);
    expect(dev.countsOf(again)).toEqual(again.counts.ok ? again.counts.value : null);
    expect(dev.countsOf({ ...again, irq: null })).toBeUndefined();
  });

  it('ignores deltas while paused and says so to the core', async () => {
    const b = sim();
    lab = install(b);
    const dev = useDeviceStore();
    await dev.open('0000:02:00.0');
    const statuses: boolean[] = [];
    lab.session.onEvent((e) => { if (e.type === 'status') statuses.push(e.paused); });
    await dev.setPaused(true);
    expect(statuses).toEqual([true]);
    await lab.session.tick();
    b.advance(1000);
    const d = await lab.session.tick();
    const before = dev.counts;
    if (d) dev.applyDelta(d);
    expect(dev.counts).toBe(before);
    expect(dev.ticks).toBe(0);
    await dev.setPaused(false);
    expect(statuses).toEqual([true, false]);
  });

  it('asks the core for a slower tick while the window is hidden', async () => {
    lab = install(sim());
    const dev = useDeviceStore();
    await dev.open('0000:02:00.0');
    const intervals: number[] = [];
    lab.session.onEvent((e) => { if (e.type === 'status') intervals.push(e.intervalMs); });
    await dev.setHidden(true);
    await dev.setHidden(false);
    expect(intervals[0]).toBeGreaterThan(intervals[1]!);
  });

  it('keeps at most HISTORY samples per IRQ', async () => {
    const b = sim();
    lab = install(b);
    const dev = useDeviceStore();
    await dev.open('0000:02:00.0');
    lab.session.onEvent((e) => { if (e.type === 'counts') dev.applyDelta(e.delta); });
    await lab.session.tick();
    // Each tick needs a later monotonic time than the last; the sim samples performance.now().
    for (let i = 0; i < HISTORY + 5; i++) { b.advance(1000); await lab.session.tick(); }
    const irqs = dev.table!.vectors.flatMap((v) => (v.irq === null ? [] : [v.irq]));
    expect(irqs.length).toBeGreaterThan(0);
    // Every IRQ of the table has a point per tick, the oldest dropped past HISTORY.
    for (const irq of irqs) expect(dev.historyOf(irq)).toHaveLength(HISTORY);
    const irq = irqs.find((i) => dev.historyOf(i).some((x) => x > 0))!;
    const old = dev.historyOf(irq);
    const ticks = dev.ticks;
    b.advance(1000); const d = (await lab.session.tick())!;
    expect(dev.ticks).toBe(ticks + 1);
    expect(dev.historyOf(irq).slice(0, -1)).toEqual(old.slice(1));
    expect(dev.historyOf(irq).at(-1)).toBe(irq in d.changed ? statsAt(d.rates, irq).sum : 0);
  });
});

describe('device store: the first rows and the lab\'s first read', () => {
  /** The simulator with its device list answered `ms` late (a lab read still under way). */
  function slowDevices(ms: number) {
    const b = sim();
    const devices = b.devices.bind(b);
    b.devices = async () => { await new Promise((r) => setTimeout(r, ms)); return devices(); };
    return b;
  }
  /** The lab store's state at the moment the table was first set. */
  function whenTableSet(dev: ReturnType<typeof useDeviceStore>, labs: ReturnType<typeof useLabStore>) {
    return new Promise<{ loadedAt: number | null; devices: number }>((resolve) => {
      const stop = watch(() => dev.table, (t) => { if (t) { stop(); resolve({ loadedAt: labs.loadedAt, devices: labs.devices.length }); } });
    });
  }

  it('waits for a lab read under way, so the table is drawn once with the CPUs and devices (it was drawn, then drawn again)', async () => {
    lab = install(slowDevices(150));
    const labs = useLabStore(), dev = useDeviceStore();
    const load = labs.load();
    const seen = whenTableSet(dev, labs);
    await dev.open('0000:01:00.0');
    await load;
    const at = await seen;
    expect(at.loadedAt).not.toBeNull();
    expect(at.devices).toBeGreaterThan(0);
  });

  it('does not wait past its bound for a slow lab read, nor at all when none is under way', async () => {
    lab = install(slowDevices(1500));
    const labs = useLabStore(), dev = useDeviceStore();
    const load = labs.load();
    const seen = whenTableSet(dev, labs);
    const t0 = Date.now();
    await dev.open('0000:01:00.0');
    expect((await seen).loadedAt).toBeNull();
    expect(Date.now() - t0).toBeLessThan(1500);
    await load;
    expect(labs.loadedAt).not.toBeNull();
    // A device opened later finds the lab read: nothing to wait for.
    const again = whenTableSet(dev, labs);
    void dev.open('0000:02:00.0');
    expect((await again).loadedAt).not.toBeNull();
  });
});
