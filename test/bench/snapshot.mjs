// SPDX-License-Identifier: MIT
// Snapshots of the generated 512-CPU machine (4000 IRQs, 64 devices): capture + encode + write,
// and read + validate + open. Reference: reading the tree's /proc/interrupts twice (the floor).
import fs from 'node:fs';
import path from 'node:path';
import { OUT, row, time } from './lib.mjs';

export async function benchSnapshot(ctx, tree) {
  const rows = [];
  let snap;
  try { snap = await import(OUT('lab/snapshot/index.js')); } catch { snap = null; }
  if (!snap || typeof snap.captureSnapshot !== 'function') {
    rows.push(row('snapshot', 'write / open', null, 'ms', null, { max: 1000 }, 'not available yet'));
    return { rows, facts: {} };
  }
  const { openLinuxLab } = await import(OUT('lab/linux/index.js'));
  const m = tree.machine;
  const lab = await openLinuxLab({ root: tree.dir, reason: 'bench' });
  const file = path.join(ctx.tmp, 'bench.doorbell-snapshot');
  let bytes = 0, raw = 0;
  const label = `${m.cpus.length} CPUs, ${m.irqs.length} IRQs, ${m.devices.length} devices`;
  const floor = await time(() => { fs.readFileSync(path.join(tree.dir, 'proc/interrupts')); fs.readFileSync(path.join(tree.dir, 'proc/interrupts')); }, { iters: 3, minMs: 100 });
  const write = await time(async () => {
    const payload = await snap.captureSnapshot(lab, { intervalMs: 0 });
    const { bytes: b, header } = snap.encodeSnapshot(payload);
    snap.writeFileAtomic(file, b);
    bytes = b.length; raw = header.payloadBytes;
  }, { iters: 3, minMs: 0, warm: 0 });
  const open = await time(async () => {
    const l = await snap.openSnapshotLab({ file, reason: 'bench' });
    await l.close();
  }, { iters: 3, minMs: 0, warm: 0 });
  await lab.close();
  const ref = { name: 'read /proc/interrupts ×2', value: floor.median };
  rows.push(row('snapshot', `write (capture + compress + fsync), ${label}`, write.median, 'ms', ref, { max: 1000 }));
  rows.push(row('snapshot', `open (read + verify + validate), ${label}`, open.median, 'ms', ref, { max: 1000 }));
  rows.push(row('snapshot', `file size (two samples of ${(tree.interruptsBytes / 1e6).toFixed(1)} MB /proc/interrupts)`, bytes / 1e6, 'MB',
    { name: 'uncompressed payload', value: raw / 1e6, unit: 'MB' }, { max: 10 }));
  return { rows, facts: { snapshot: { bytes, raw } } };
}
