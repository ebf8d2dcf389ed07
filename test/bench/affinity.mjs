// SPDX-License-Identifier: MIT
// The affinity loop on the simulator: write → read back → re-read the vector → verdict, without
// waiting for traffic (the simulator fires the vector synchronously). Reference: the bare
// KernelOps writeAffinity + readAffinity + one vectors() re-read, the floor of any such loop.
import fs from 'node:fs';
import path from 'node:path';
import { OUT, row, time } from './lib.mjs';

const { openSimLab } = await import(OUT('lab/sim/index.js'));

/*
 * A journal of long use: 100 000 changes (a spread of a 2048-vector device is 2048 of them), as
 * the intent and result lines setAffinity leaves. The page lists the latest 200 (getJournal) and
 * undo, restore and reports read the outstanding ones, each after a change or two more: against a
 * fresh read of the whole file, which each of those calls was before the replay kept its place.
 */
function journalRow(ctx, AffinityJournal) {
  const N = 100_000;
  const dir = fs.mkdtempSync(path.join(ctx.tmp, 'journal-long-'));
  const j = new AffinityJournal(dir);
  const lines = [];
  for (let i = 0; i < N; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    lines.push(JSON.stringify({ t: 'intent', id, at: 1_700_000_000_000 + i, pid: 1, lab: 'sim:bench', bootId: 'b', bdf: '0000:01:00.0', index: i % 2048, irq: 100 + (i % 2048), old: '0-511', new: String(i % 512), why: 'spread' }));
    lines.push(JSON.stringify({ t: 'result', id, at: 1_700_000_000_000 + i, ok: true, errno: null, verdict: 'verified', headline: 'Moved and verified', effective: String(i % 512) }));
  }
  fs.writeFileSync(j.file, `${lines.join('\n')}\n`);
  const mb = fs.statSync(j.file).size / 1e6;
  const once = (f) => { const a = performance.now(); f(); return performance.now() - a; };
  const first = once(() => j.entries(200));
  const again = [], whole = [];
  for (let k = 0; k < 5; k++) {
    j.intent({ lab: 'sim:bench', bootId: 'b', bdf: '0000:01:00.0', index: 1, irq: 101, old: '0-511', new: '3', why: 'set' });
    again.push(once(() => j.entries(200)));
    if (k < 3) whole.push(once(() => new AffinityJournal(dir).entries(200)));
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return row('affinity', `journal: the latest 200 changes after one more, ${N.toLocaleString('en')} changes (${mb.toFixed(0)} MB)`, med(again), 'ms',
    { name: 'reading the whole journal again', value: med(whole) }, null, `the first read of the file (at start) ${first.toFixed(0)} ms`);
}

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
      rows.push(journalRow(ctx, AffinityJournal));
    } else {
      rows.push(row('affinity', `KernelOps write + read + vectors() (sim, ${label})`, floor.median, 'ms', null, { max: 20 }, 'lab/affinity not landed: the bare loop'));
    }
    return { rows, facts: {} };
  } finally {
    await lab.close();
  }
}
