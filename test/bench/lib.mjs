// SPDX-License-Identifier: MIT
// Bench helpers: timing with warm-up and medians, rows that carry a same-run reference and a
// target, the printed table and test-results/bench/latest.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const OUT = (p) => path.join(ROOT, 'out/node', p);
export const RESULTS = path.join(ROOT, 'test-results', 'bench');

/** Median and p95 wall time (ms) of fn over at least `iters` runs or `minMs` total, after `warm` runs. */
export async function time(fn, { iters = 10, minMs = 300, warm = 2, maxIters = 2000 } = {}) {
  for (let i = 0; i < warm; i++) await fn();
  const xs = [];
  const t0 = performance.now();
  while ((xs.length < iters || performance.now() - t0 < minMs) && xs.length < maxIters) {
    const a = performance.now();
    await fn();
    xs.push(performance.now() - a);
  }
  return stats(xs);
}

/** Like time(), but main-thread CPU (user + system) per run from process.cpuUsage, in ms. */
export async function cpuTime(fn, { iters = 10, warm = 2, before } = {}) {
  for (let i = 0; i < warm; i++) { if (before) await before(i); await fn(); }
  const xs = [];
  for (let i = 0; i < iters; i++) {
    if (before) await before(i + warm);
    const c = process.cpuUsage();
    await fn();
    const d = process.cpuUsage(c);
    xs.push((d.user + d.system) / 1000);
  }
  return stats(xs);
}

export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p95: q(0.95), min: s[0], n: s.length };
}

/**
 * One result row. target: { max } (value ≤ max), { ratioMax } (value/ref ≤ ratioMax), or null.
 * ref: { name, value } measured in the same run, or null.
 */
export function row(group, name, value, unit, ref, target, note = '') {
  const ratio = ref && ref.value > 0 && value !== null ? value / ref.value : null;
  let pass = null, targetText = '';
  if (target && value !== null) {
    // slack: the measurement's own resolution (a target is not missed by less than the clock can tell).
    if ('max' in target) { pass = value <= target.max + (target.slack ?? 0); targetText = `≤ ${target.max} ${unit}`; }
    if ('ratioMax' in target && ratio !== null) { pass = ratio <= target.ratioMax; targetText = `≤ ${target.ratioMax}× ref`; }
  } else if (target) {
    targetText = 'max' in target ? `≤ ${target.max} ${unit}` : `≤ ${target.ratioMax}× ref`;
  }
  return {
    group, name, value: value === null ? null : round(value), unit,
    reference: ref ? { name: ref.name, value: round(ref.value), unit: ref.unit ?? unit } : null,
    ratio: ratio === null ? null : round(ratio), target: targetText || null,
    pass: pass === null ? (target ? 'n/a' : '-') : pass ? 'pass' : 'MISS', note,
  };
}

function round(v) {
  if (v === null || v === undefined) return v;
  return Math.abs(v) >= 100 ? Math.round(v * 10) / 10 : Math.abs(v) >= 1 ? Math.round(v * 100) / 100 : Math.round(v * 10000) / 10000;
}

export function machine() {
  const cpus = os.cpus();
  return {
    host: os.hostname(), kernel: os.release(), arch: os.arch(), cpuModel: cpus[0]?.model ?? 'unknown', cpus: cpus.length,
    memGB: Math.round(os.totalmem() / 1e9), node: process.version,
  };
}

export function printTable(rows) {
  const head = ['group', 'name', 'value', 'reference', 'ratio', 'target', 'result'];
  const cells = rows.map((r) => [
    r.group, r.name, r.value === null ? '—' : `${r.value} ${r.unit}`,
    r.reference ? `${r.reference.name}: ${r.reference.value} ${r.reference.unit}` : '',
    r.ratio === null ? '' : `${r.ratio}×`, r.target ?? '', r.pass,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  const line = (c) => c.map((x, i) => String(x).padEnd(w[i])).join('  ').trimEnd();
  console.log(line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const c of cells) console.log(line(c));
  for (const r of rows) if (r.note) console.log(`  · ${r.group}/${r.name}: ${r.note}`);
}

/** The README table (markdown). */
export function markdown(rows, m) {
  const out = [`Measured on ${m.host}: ${m.cpuModel}, ${m.cpus} CPUs, ${m.memGB} GB, Linux ${m.kernel}, Node ${m.node}.`, '',
    '| benchmark | Doorbell | reference (same run) | ratio | target | result |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    out.push(`| ${r.group}: ${r.name} | ${r.value === null ? '—' : `${r.value} ${r.unit}`} | ${r.reference ? `${r.reference.name}: ${r.reference.value} ${r.reference.unit}` : ''} | ${r.ratio === null ? '' : `${r.ratio}×`} | ${r.target ?? ''} | ${r.pass} |`);
  }
  return out.join('\n');
}

export function writeResults(rows, extra) {
  fs.mkdirSync(RESULTS, { recursive: true });
  const m = machine();
  const doc = { at: new Date().toISOString(), machine: m, rows, ...extra };
  fs.writeFileSync(path.join(RESULTS, 'latest.json'), JSON.stringify(doc, null, 2) + '\n');
  fs.writeFileSync(path.join(RESULTS, 'latest.md'), markdown(rows, m) + '\n');
  return m;
}
