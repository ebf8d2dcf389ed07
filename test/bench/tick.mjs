// SPDX-License-Identifier: MIT
// One live refresh (LabSession.tick: read, parse, join, diff, push) of the linux backend over a
// generated 512-CPU machine, with one device's vector table on screen and for the whole machine.
// Between ticks the tree is advanced one sample (the kernel's work, not counted): main-side CPU
// is process.cpuUsage around tick() alone.
import { OUT, cpuTime, row } from './lib.mjs';

const { openLinuxLab } = await import(OUT('lab/linux/index.js'));
const { LabSession } = await import(OUT('lab/session.js'));
const gen = await import(OUT('lab/gen/index.js'));

export async function benchTick(ctx, tree) {
  const rows = [];
  const m = tree.machine;
  const lab = await openLinuxLab({ root: tree.dir, reason: 'bench' });
  const session = new LabSession(lab, { autoStart: false });
  let pushed = 0, changed = 0;
  session.onEvent((e) => { if (e.type === 'counts') { pushed++; changed += Object.keys(e.delta.changed).length; } });
  const dev = m.devices[0];
  const watched = new Set(dev.irqs);
  let k = 1;
  const set = async (watch) => {
    const r = await session.dispatch('setLive', { intervalMs: 1000, paused: true, ...(watch ? { watch } : {}) });
    if (!r.ok) throw new Error(`setLive: ${r.error.message}`);
  };
  try {
    await set(dev.bdf);
    await session.tick(); // first sample: nothing to diff against
    const watch = await cpuTime(() => session.tick(), { iters: 15, warm: 2, before: () => gen.writeSample(tree.dir, m, k++, watched) });
    const watchPushed = changed / Math.max(pushed, 1);
    await set(null);
    await session.tick();
    pushed = 0; changed = 0;
    const full = await cpuTime(() => session.tick(), { iters: 6, warm: 1, before: () => gen.writeSample(tree.dir, m, k++) });
    const label = `${m.cpus.length} CPUs, ${m.devices.length} devices × ${m.opts.vectors} vectors, ${m.irqs.length} IRQs`;
    rows.push(row('tick', `live tick, one device on screen (${label})`, watch.median, 'ms CPU', { name: 'full-machine tick', value: full.median, unit: 'ms CPU' }, { max: 20 },
      `p95 ${watch.p95.toFixed(1)} ms; ${watchPushed.toFixed(0)} IRQs pushed per tick; at 1 Hz that is ${(watch.median / 10).toFixed(2)} % of one core`));
    rows.push(row('tick', `full-machine tick (${label})`, full.median, 'ms CPU', null, null, `p95 ${full.p95.toFixed(1)} ms; ${(changed / Math.max(pushed, 1)).toFixed(0)} IRQs pushed per tick`));
    // Opening the vector table (getVectors: the join of msi_irqs, sysfs, procfs, config).
    const open = await cpuTime(() => lab.vectors(dev.bdf), { iters: 5, warm: 1 });
    rows.push(row('tick', `open one device's vector table (${m.opts.vectors} vectors)`, open.median, 'ms CPU', null, null));
    return { rows, facts: { tick: { watch, full } } };
  } finally {
    await session.close();
  }
}
