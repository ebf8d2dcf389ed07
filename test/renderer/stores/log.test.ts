// SPDX-License-Identifier: MIT
import { afterEach, describe, expect, it } from 'vitest';
import { useLogStore } from '../../../renderer/src/stores/log.js';
import { install, settle, sim, type Installed } from '../helpers.js';

let lab: Installed | null = null;
afterEach(async () => { await lab?.close(); lab = null; });

describe('kernel log store over the simulator\'s KernelOps', () => {
  it('collects ops as they happen, filters by device and failure, and exports text with errno names', async () => {
    const b = sim();
    lab = install(b);
    const log = useLogStore();
    log.start();
    await settle();
    const before = log.ops.length;
    // Real ops through the simulator: open the free VF, and the VMM-held one (which must fail).
    const free = b.ops.openDevice('0000:03:00.0');
    const busy = b.ops.openDevice('0000:01:00.0');
    const fd = b.ops.openIommufd();
    await settle();
    const all = b.kernelLog(0);
    expect(log.ops.length).toBe(all.length);
    expect(log.ops.length).toBeGreaterThan(before);
    expect(log.devices).toEqual([...new Set(all.map((o) => o.bdf).filter(Boolean))].sort());
    log.device = '0000:03:00.0';
    expect(log.shown.every((o) => o.bdf === '0000:03:00.0')).toBe(true);
    expect(log.shown.length).toBe(all.filter((o) => o.bdf === '0000:03:00.0').length);
    log.device = '';
    log.failedOnly = true;
    const failed = all.filter((o) => !o.ok);
    expect(log.shown).toHaveLength(failed.length);
    const text = log.text();
    expect(text.split('\n')[0]).toMatch(/^# Doorbell kernel interaction log/);
    for (const o of failed) expect(text).toContain(`${o.errnoName} (${o.errno})`);
    expect(free.ok || busy.ok || fd.ok).toBe(true);
    log.stop();
  });
});
