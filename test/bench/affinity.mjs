// SPDX-License-Identifier: MIT
// The affinity loop on the simulator: write → read back → re-read the vector → verdict, without
// waiting for traffic (the simulator fires the vector synchronously). Reference: the bare
// KernelOps writeAffinity + readAffinity + one vectors() re-read, the floor of any such loop.
import fs from 'node:fs';
import path from 'node:path';
import { OUT, row, time } from './lib.mjs';

const { openSimLab } = await import(OUT('lab/sim/index.js'));

export async function benchAffinity(ctx, scenario) {
  const rows = [];
  const lab = await openSimLab({ scenario: scenario.file, params: {}, reason: 'bench' });
  try {
    const ops = lab.kernelOps?.() ?? lab.ops ?? null;
    const dv = await lab.vectors(scenario.bdf);
    const v = dv.vectors.find((x) => x.irq !== null && x.index === 5) ?? dv.vectors.find((x) => x.irq !== null);
    if (!v || !ops) throw new Error('no vector or no KernelOps on the simulator');
    let flip = 0;
    const floor = await time(async () => {
      const cpu = flip++ % 2 === 0 ? '7' : '8';
      const w = ops.writeAffinity(v.irq, cpu);
      if (!w.ok) throw new Error(w.error.message);
      ops.readAffinity(v.irq);
      await lab.vectors(scenario.bdf);
    }, { iters: 10, minMs: 300 });
    let editorMod = null;
    try { editorMod = await import(OUT('lab/affinity/editor.js')); } catch { /* not landed */ }
    const label = `${dv.vectors.length}-vector device, ${(await lab.cpus()).online.length} CPUs`;
    if (editorMod) {
      const { AffinityEditor } = editorMod;
      const { AffinityJournal } = await import(OUT('lab/affinity/journal.js'));
      const dir = fs.mkdtempSync(path.join(ctx.tmp, 'journal-'));
      const ed = new AffinityEditor({ backend: lab, journal: new AffinityJournal(dir), ops, observeMs: 0 });
      let verdict = null;
      const loop = await time(async () => {
        const r = await ed.setAffinity(scenario.bdf, v.index, flip++ % 2 === 0 ? '9' : '10');
        verdict = r.verdict?.kind ?? null;
      }, { iters: 8, minMs: 300, warm: 1 });
      rows.push(row('affinity', `write → verdict, AffinityEditor.setAffinity (sim, ${label})`, loop.median, 'ms',
        { name: 'KernelOps write+read + vectors()', value: floor.median }, { max: 20 }, `verdict: ${verdict}; journal fsynced on every change; p95 ${loop.p95.toFixed(1)} ms`));
    } else {
      rows.push(row('affinity', `KernelOps write + read + vectors() (sim, ${label})`, floor.median, 'ms', null, { max: 20 }, 'lab/affinity not landed: the bare loop'));
    }
    return { rows, facts: {} };
  } finally {
    await lab.close();
  }
}
