// SPDX-License-Identifier: MIT
// /proc/interrupts at lab scale: Doorbell's parser against util-linux lsirq (same file, bind-
// mounted over /proc/interrupts in a private mount namespace) and a naive whitespace split; the
// per_cpu_count strategy for the IRQs on screen; what the kernel spends producing the real file.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { OUT, row, time } from './lib.mjs';

const { parseInterrupts } = await import(OUT('native/procfs/interrupts.js'));
const { parsePerCpuCount } = await import(OUT('native/sysfs/irq.js'));
const { SysRoot } = await import(OUT('native/sysfs/root.js'));
const gen = await import(OUT('lab/gen/index.js'));

/** The parser most scripts start with: split lines, split on whitespace, Number() until a non-number. */
export function naiveParse(text) {
  const lines = text.split('\n');
  const cpus = lines[0].trim().split(/\s+/).length;
  const irqs = new Map();
  for (let i = 1; i < lines.length; i++) {
    const t = lines[i].trim().split(/\s+/);
    if (t.length < 2) continue;
    const label = t[0].slice(0, -1);
    const counts = [];
    for (let j = 1; j <= cpus && j < t.length; j++) { const v = Number(t[j]); if (Number.isNaN(v)) break; counts.push(v); }
    irqs.set(label, counts);
  }
  return irqs;
}

function lsirqAvailable() {
  return spawnSync('lsirq', ['-V'], { encoding: 'utf8' }).status === 0 && process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
}

/** Run `lsirq -J` n times with FILE over /proc/interrupts; wall ms per run, and the last JSON. */
function lsirq(file, n) {
  const script = `mount --bind "$1" /proc/interrupts || exit 3
lsirq -J > "$2"
s=$(date +%s%N); i=0
while [ $i -lt ${n} ]; do lsirq -J > /dev/null; i=$((i+1)); done
e=$(date +%s%N); echo $((e - s))`;
  const jsonOut = `${file}.lsirq.json`;
  const ns = Number(execFileSync('unshare', ['-m', 'sh', '-c', script, 'sh', file, jsonOut], { encoding: 'utf8' }).trim());
  const json = JSON.parse(fs.readFileSync(jsonOut, 'utf8'));
  return { ms: ns / 1e6 / n, json };
}

function execBaseline(n) {
  const ns = Number(execFileSync('sh', ['-c', `s=$(date +%s%N); i=0; while [ $i -lt ${n} ]; do lsirq -V > /dev/null; i=$((i+1)); done; e=$(date +%s%N); echo $((e - s))`], { encoding: 'utf8' }).trim());
  return ns / 1e6 / n;
}

export async function benchParse(ctx) {
  const rows = [];
  const facts = {};
  // Scaling: the file alone, at 2, 64, 256 and 512 CPUs.
  const sizes = [[2, 200], [64, 500], [256, 1000], [512, 2000]];
  const haveLsirq = lsirqAvailable();
  for (const [cpus, irqs] of sizes) {
    const vectors = 32, devices = Math.floor((irqs - 40) / vectors);
    const m = gen.planMachine({ cpus, irqs, devices, vectors, seed: 7, arch: 'arm64' });
    const buf = gen.renderInterrupts(m, 0);
    const file = path.join(ctx.tmp, `interrupts-${cpus}x${irqs}`);
    fs.writeFileSync(file, buf);
    const mb = (buf.length / 1e6).toFixed(2);
    const big = cpus === 512;
    // Doorbell's own read path (the linux backend's sample()): SysRoot's reused read buffer and a
    // reused count store, so a tick allocates no 11 MB of fresh memory.
    const root = new SysRoot(ctx.tmp), kpath = `/${path.basename(file)}`, scratch = { store: new Float64Array(0) };
    const doorbell = () => root.withBytes(kpath, (b) => parseInterrupts(b, { text: true, summary: true, scratch }));
    const full = await time(doorbell, { iters: big ? 10 : 5, minMs: big ? 600 : 200 });
    const label = `${cpus} CPUs × ${irqs} IRQs (${mb} MB)`;
    if (haveLsirq) {
      const l = lsirq(file, big ? 8 : 20);
      rows.push(row('parse', `Doorbell full parse, ${label}`, full.median, 'ms', { name: 'lsirq -J', value: l.ms }, big ? { ratioMax: 0.5 } : null,
        big ? 'read + parse every row with its text and the summary rows; lsirq per run includes its exec' : ''));
      if (big) {
        // Both must agree on the per-IRQ totals (and with the generator).
        const p = parseInterrupts(fs.readFileSync(file), { summary: true });
        const want = gen.irqTotals(m, 0);
        let checked = 0, bad = [];
        for (const e of l.json.interrupts) {
          if (!/^\d+$/.test(e.irq)) continue;
          const irq = Number(e.irq);
          const ours = p.irqs.get(irq)?.counts.reduce((a, b) => a + b, 0);
          checked++;
          if (ours !== e.total || want.get(irq) !== e.total) bad.push(`${irq}: lsirq ${e.total}, doorbell ${ours}, generator ${want.get(irq)}`);
        }
        if (checked !== p.irqs.size) bad.push(`lsirq listed ${checked} IRQs, doorbell ${p.irqs.size}`);
        facts.lsirqAgreement = { checked, mismatches: bad.slice(0, 5), ok: bad.length === 0 };
        rows.push(row('parse', 'per-IRQ totals agree (Doorbell = lsirq = generator)', bad.length, 'mismatches', null, { max: 0 }, `${checked} IRQs compared`));
        facts.execBaselineMs = execBaseline(20);
      }
    } else {
      rows.push(row('parse', `Doorbell full parse, ${label}`, full.median, 'ms', null, big ? { ratioMax: 0.5 } : null, 'lsirq, unshare or root not available: no reference'));
    }
    if (big) {
      const naive = await time(() => naiveParse(fs.readFileSync(file, 'latin1')), { iters: 5, minMs: 300 });
      rows.push(row('parse', `Doorbell full parse vs naive split, ${label}`, full.median, 'ms', { name: 'naive split(/\\s+/)', value: naive.median }, null));
      const counts = await time(() => root.withBytes(kpath, (b) => parseInterrupts(b, { scratch })), { iters: 5, minMs: 300 });
      rows.push(row('parse', `Doorbell counts only (no text), ${label}`, counts.median, 'ms', { name: 'naive split(/\\s+/)', value: naive.median }, null));
      const again = await time(doorbell, { iters: 8, minMs: 400 });
      const fresh = await time(() => parseInterrupts(fs.readFileSync(file), { text: true, summary: true }), { iters: 8, minMs: 400 });
      rows.push(row('parse', `Doorbell full parse, reused buffers (the backend's path), ${label}`, again.median, 'ms', { name: 'readFileSync + fresh store', value: fresh.median }, null,
        `the reference allocates the file and the count store afresh on every read, as the backend did before: page faults on ~20 MB per read; p95 ${again.p95.toFixed(0)} vs ${fresh.p95.toFixed(0)} ms`));
      const readOnly = await time(() => root.withBytes(kpath, (b) => b.length), { iters: 5, minMs: 200 });
      facts.readFileMs = readOnly.median;
      const onScreen = new Set(m.devices[0].irqs);
      const only = await time(() => root.withBytes(kpath, (b) => parseInterrupts(b, { only: onScreen })), { iters: 5, minMs: 300 });
      rows.push(row('parse', `Doorbell only the 32 IRQs on screen, ${label}`, only.median, 'ms', { name: 'reading the file alone', value: readOnly.median }, null));
      facts.bigFile = { bytes: buf.length, cpus, irqs };
    }
  }
  return { rows, facts };
}

/** per_cpu_count for k IRQs against /proc/interrupts parsed for the same k, on a generated tree. */
export async function benchStrategies(ctx, tree) {
  const rows = [];
  const root = new SysRoot(tree.dir);
  const m = tree.machine;
  const all = m.irqs.map((r) => r.irq);
  const viaSysfs = (irqs) => {
    const online = fs.readFileSync(root.p('/sys/devices/system/cpu/online'), 'latin1');
    void online;
    for (const irq of irqs) {
      const k = `/sys/kernel/irq/${irq}/per_cpu_count`;
      parsePerCpuCount(root, k, fs.readFileSync(root.p(k), 'latin1'));
    }
  };
  const viaProc = (irqs) => parseInterrupts(fs.readFileSync(root.p('/proc/interrupts')), { only: new Set(irqs) });
  const out = [];
  for (const k of [1, 8, 32, 128, 512, 2048]) {
    const irqs = all.slice(all.length - Math.min(k, all.length));
    const s = await time(() => viaSysfs(irqs), { iters: 5, minMs: 150 });
    const p = await time(() => viaProc(irqs), { iters: 5, minMs: 150 });
    out.push({ k, sysfsMs: s.median, procMs: p.median });
    rows.push(row('strategy', `per_cpu_count × ${k} (file tree, ${m.cpus.length} CPUs)`, s.median, 'ms', { name: '/proc/interrupts only=k', value: p.median }, null));
  }
  return { rows, facts: { strategies: out } };
}

/** What this machine's kernel spends producing /proc/interrupts and per_cpu_count (real /proc). */
export async function benchKernel() {
  const rows = [];
  if (!fs.existsSync('/proc/interrupts')) return { rows, facts: {} };
  const bytes = fs.readFileSync('/proc/interrupts').length;
  const ncpu = parseInterrupts(fs.readFileSync('/proc/interrupts')).cpus.length;
  const nrows = fs.readFileSync('/proc/interrupts', 'latin1').split('\n').length - 2;
  const r = await time(() => fs.readFileSync('/proc/interrupts'), { iters: 200, minMs: 300, maxIters: 5000 });
  const irqDirs = fs.existsSync('/sys/kernel/irq') ? fs.readdirSync('/sys/kernel/irq') : [];
  let pc = null;
  if (irqDirs.length > 0) {
    const f = `/sys/kernel/irq/${irqDirs[0]}/per_cpu_count`;
    pc = await time(() => fs.readFileSync(f), { iters: 200, minMs: 300, maxIters: 5000 });
  }
  const cells = ncpu * nrows;
  const nsPerCell = (r.median * 1e6) / cells;
  // Extrapolation to 512 × 2000: the kernel formats one `%10u ` per online CPU per row.
  const estBig = (nsPerCell * 512 * 2000) / 1e6;
  rows.push(row('kernel', `read real /proc/interrupts (${ncpu} CPUs, ${nrows} rows, ${bytes} B)`, r.median * 1000, 'µs',
    pc ? { name: `one real per_cpu_count`, value: pc.median * 1000, unit: 'µs' } : null, null,
    `${nsPerCell.toFixed(0)} ns per cell incl. syscalls; linear extrapolation to 512 CPUs × 2000 rows: ~${estBig.toFixed(0)} ms of kernel time per read [an upper bound: at this size fixed per-read costs dominate; not measured]`));
  return { rows, facts: { kernel: { bytes, ncpu, nrows, readUs: r.median * 1000, perCpuCountUs: pc ? pc.median * 1000 : null, nsPerCell, est512x2000Ms: estBig } } };
}
