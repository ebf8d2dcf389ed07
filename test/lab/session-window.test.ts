// SPDX-License-Identifier: MIT
// getVectors with a window: exactly rows first..first+count-1 of the whole table, with its notes
// and length, from every backend, each of which builds the window without the other rows (the
// linux backend puts the IRQs in table order from three sysfs files each, then joins only those).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VectorTable } from '../../common/ipc/contract.js';
import type { LabBackend } from '../../lab/backend.js';
import { openLinuxLab } from '../../lab/linux/index.js';
import { LabSession } from '../../lab/session.js';
import { openSimLab } from '../../lab/sim/index.js';
import { captureSnapshot, encodeSnapshot, openSnapshotLab, writeFileAtomic } from '../../lab/snapshot/index.js';
import { copyTree, E1000E } from '../fixtures/sysroots/paths.js';
import { SCALE_SCENARIO } from '../renderer/helpers.js';
import { readTimesZeroed } from '../helpers/read-times.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-window-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function table(s: LabSession, req: { bdf: string; first?: number; count?: number }): Promise<VectorTable> {
  const r = await s.api.getVectors(req);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A live machine's counters move between two reads: compare everything else about the rows. */
function countsMoving(rows: VectorTable['vectors']): unknown {
  return rows.map((v) => ({ ...v, counts: v.counts.ok ? { ...v.counts, value: `${v.counts.value.length} CPUs` } : v.counts }));
}

async function expectWindows(open: () => Promise<LabBackend>, bdf: string, minRows: number, live = false): Promise<void> {
  const same = (rows: VectorTable['vectors']) => readTimesZeroed(live ? countsMoving(rows) : rows);
  const s = new LabSession(await open(), { autoStart: false });
  try {
    const whole = await table(s, { bdf });
    expect(whole.window).toBeNull();
    const n = whole.vectors.length;
    expect(n).toBeGreaterThanOrEqual(minRows);
    for (const [first, count] of [[0, 64], [0, 1], [Math.floor(n / 2), 7], [Math.max(0, n - 3), 64], [n, 5], [0, n + 10]] as const) {
      const w = await table(s, { bdf, first, count });
      expect(w.window, `first ${first} count ${count}`).toEqual({ first, total: n });
      expect(same(w.vectors), `first ${first} count ${count}`).toEqual(same(whole.vectors.slice(first, first + count)));
      expect(w.notes).toEqual(whole.notes);
      expect(w.bdf).toBe(bdf);
    }
    const bad = await s.api.getVectors({ bdf, count: 0 });
    expect(bad.ok ? null : bad.error.message).toMatch(/request.count should be/);
  } finally {
    await s.close();
  }
}

describe('getVectors windows', () => {
  it('simulator: the 2048-vector device on 512 CPUs', async () => {
    await expectWindows(() => openSimLab({ scenario: SCALE_SCENARIO, params: {}, reason: 'test' }), '0000:01:00.0', 2048);
  });
  it('captured tree: e1000e under vfio-pci (linux backend)', async () => {
    await expectWindows(() => openLinuxLab({ root: E1000E, reason: 'test' }), '0000:00:02.0', 3);
  });
  it('captured tree whose table order is not IRQ order: the window follows the vector index', async () => {
    const root = copyTree(E1000E);
    try {
      // Swap the hwirq (= vector index on this per-device MSI domain) of IRQs 25 and 29.
      fs.writeFileSync(path.join(root, 'sys/kernel/irq/25/hwirq'), '4\n');
      fs.writeFileSync(path.join(root, 'sys/kernel/irq/29/hwirq'), '0\n');
      await expectWindows(() => openLinuxLab({ root, reason: 'test' }), '0000:00:02.0', 5);
      const s = new LabSession(await openLinuxLab({ root, reason: 'test' }), { autoStart: false });
      const w = await table(s, { bdf: '0000:00:02.0', count: 1 });
      await s.close();
      expect(w.vectors.map((v) => [v.irq, v.index])).toEqual([[29, 0]]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
  it('this machine: every device with vectors (linux backend, joined from the window\'s IRQs only)', async () => {
    const lab = await openLinuxLab({ root: '/', reason: 'test' });
    const withVectors = (await lab.devices()).filter((d) => d.vectorCount > 1).map((d) => d.bdf);
    await lab.close();
    for (const bdf of withVectors) await expectWindows(() => openLinuxLab({ root: '/', reason: 'test' }), bdf, 2, true);
  });
  it('a snapshot of the simulator', async () => {
    const live = await openSimLab({ scenario: 'arm64-its-smmuv3', params: {}, reason: 'test' });
    const file = path.join(tmp, 'w.dbsnap');
    writeFileAtomic(file, encodeSnapshot(await captureSnapshot(live, { intervalMs: 20 })).bytes);
    await live.close();
    await expectWindows(() => openSnapshotLab({ file, reason: 'test' }), '0000:01:00.0', 64);
  });
});
