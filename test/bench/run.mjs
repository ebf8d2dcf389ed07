// SPDX-License-Identifier: MIT
// `npm run bench`: Doorbell at lab scale, each figure beside a reference measured in the same run.
// Prints a table and writes test-results/bench/latest.json (+ latest.md for the README).
// Flags: --quick (no ffi-napi install attempt, no Chromium), --only=parse,tick,ffi,ui,snapshot,affinity.
// Timing lives here, never in the test suite.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { OUT, printTable, row, writeResults } from './lib.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice(7).split(',')) : null;
const want = (s) => (!only || only.has(s)) && !(quick && s === 'ui');

const gen = await import(OUT('lab/gen/index.js'));
// tmpfs when there is one: trees of ~60k small files, and ext4 with online discard deletes them slowly.
const base = process.env.BENCH_TMP ?? (fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
const tmp = fs.mkdtempSync(path.join(base, 'doorbell-bench-'));
const ctx = { tmp, skipFfiNapi: quick };
const rows = [];
const facts = {};
const t0 = performance.now();

async function section(name, fn) {
  if (!want(name)) return;
  const a = performance.now();
  process.stderr.write(`bench: ${name}…\n`);
  try {
    const r = await fn();
    rows.push(...r.rows);
    Object.assign(facts, r.facts);
  } catch (e) {
    rows.push(row(name, 'section failed', null, '', null, null, String(e?.stack ?? e).split('\n').slice(0, 3).join(' | ')));
  }
  process.stderr.write(`bench: ${name} done in ${((performance.now() - a) / 1000).toFixed(1)} s\n`);
}

let tickTree = null, snapTree = null, scenario = null;
const tickMachine = () => (tickTree ??= gen.writeSysroot(path.join(tmp, 'tick'), { cpus: 512, irqs: 2112, devices: 64, vectors: 32, seed: 3, arch: 'arm64' }));
const bigScenario = async () => (scenario ??= (await import('./scenario.mjs')).writeBigScenario(tmp));

try {
  await section('parse', async () => {
    const p = await import('./parse.mjs');
    const a = await p.benchParse(ctx);
    const k = await p.benchKernel();
    const s = await p.benchStrategies(ctx, tickMachine());
    return { rows: [...a.rows, ...k.rows, ...s.rows], facts: { ...a.facts, ...k.facts, ...s.facts } };
  });
  await section('tick', async () => (await import('./tick.mjs')).benchTick(ctx, tickMachine()));
  await section('ffi', async () => (await import('./ffi.mjs')).benchFfi(ctx));
  await section('ui', async () => (await import('./ui.mjs')).benchUi(ctx, await bigScenario()));
  await section('snapshot', async () => {
    snapTree ??= gen.writeSysroot(path.join(tmp, 'snap'), { cpus: 512, irqs: 4000, devices: 64, vectors: 60, seed: 5, arch: 'x86_64' });
    return (await import('./snapshot.mjs')).benchSnapshot(ctx, snapTree);
  });
  await section('affinity', async () => (await import('./affinity.mjs')).benchAffinity(ctx, await bigScenario()));
} finally {
  const m = writeResults(rows, { facts, seconds: (performance.now() - t0) / 1000 });
  console.log(`Doorbell bench on ${m.host} (${m.cpuModel}, ${m.cpus} CPUs, Linux ${m.kernel}, Node ${m.node}), ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

printTable(rows);
console.log(`\nwrote test-results/bench/latest.json and latest.md`);
const missed = rows.filter((r) => r.pass === 'MISS').length;
if (missed > 0) console.log(`${missed} target${missed === 1 ? '' : 's'} missed (see notes; the bench reports, it does not fail)`);
