// SPDX-License-Identifier: MIT
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { genSysroot } from '../../../lab/cli/commands/gen.js';
import { irqTotals, planMachine, renderInterrupts, writeSample, writeSysroot, type GenOptions } from '../../../lab/gen/index.js';
import { openLinuxLab, SYSFS_SAMPLE_MAX } from '../../../lab/linux/index.js';
import { parseInterrupts } from '../../../native/procfs/interrupts.js';
import { parseConfigCaps } from '../../../native/pci/config.js';
import { scratchDirs } from '../../helpers/scratch.js';

const tmp = scratchDirs('doorbell-gen-');

const SMALL: GenOptions = { cpus: 8, irqs: 40, devices: 4, vectors: 6, seed: 11 };

describe.each(['x86_64', 'arm64'] as const)('lab/gen on %s', (arch) => {
  const opts = { ...SMALL, arch };
  const dir = path.join(tmp(), 'tree');
  const tree = writeSysroot(dir, opts);

  it('the linux backend lists D devices with V MSI-X vectors each', async () => {
    const lab = await openLinuxLab({ root: dir, reason: 'test' });
    const devs = await lab.devices();
    expect(devs.map((d) => d.bdf)).toEqual(tree.machine.devices.map((d) => d.bdf));
    for (const d of devs) {
      expect(d.vectorCount).toBe(opts.vectors);
      expect(d.msix.ok && d.msix.value?.enabled).toBe(true);
    }
    const gd = tree.machine.devices[1]!;
    const v = await lab.vectors(gd.bdf);
    expect(v.vectors.map((x) => x.irq)).toEqual(gd.irqs);
    expect(v.vectors.map((x) => x.index)).toEqual(gd.irqs.map((_, i) => i));
    // Counts joined from /proc/interrupts equal the generator's cells.
    for (const row of v.vectors) {
      const g = tree.machine.irqs.find((r) => r.irq === row.irq)!;
      const want = new Array<number>(opts.cpus).fill(0);
      for (const c of g.cells) want[c.cpu] = c.base;
      expect(row.counts.ok && row.counts.value).toEqual(want);
      expect(row.effective.ok && row.effective.value).toEqual(g.effective);
    }
    const groups = await lab.groups();
    expect(groups.map((g) => g.devices).flat().sort()).toEqual(tree.machine.devices.map((d) => d.bdf).sort());
    const cpus = await lab.cpus();
    expect(cpus.online).toHaveLength(opts.cpus);
    await lab.close();
  });

  it('/proc/interrupts parses with the CPU count and IRQ count asked for, and the summary rows of the arch', () => {
    const p = parseInterrupts(fs.readFileSync(path.join(dir, 'proc/interrupts')), { summary: true, text: true });
    expect(p.cpus).toHaveLength(opts.cpus);
    expect(p.irqs.size).toBe(opts.irqs);
    const totals = irqTotals(tree.machine, 0);
    for (const [irq, row] of p.irqs) expect(row.counts.reduce((a, b) => a + b, 0)).toBe(totals.get(irq));
    if (arch === 'arm64') {
      expect(fs.readFileSync(path.join(dir, 'proc/interrupts'), 'latin1')).toMatch(/^IPI0:2768808080 /m); // no space after the colon
      expect(p.summary.get('IPI0')!.counts[0]).toBe(2768808080);
      expect(p.summary.get('FIQ')!.counts).toHaveLength(0);
      expect(p.summary.get('Err')!.counts).toHaveLength(1);
    } else {
      expect(p.summary.get('LOC')!.counts).toHaveLength(opts.cpus);
      expect(p.summary.get('ERR')!.counts).toHaveLength(1);
      expect(p.irqs.get(tree.machine.devices[0]!.irqs[0]!)!.rest).toMatch(/^IR-PCI-MSIX-0000:01:00\.0 +0-edge +mlx5_async0@pci:0000:01:00\.0$/);
    }
  });

  it('per_cpu_count, affinity files and config space agree with the plan', () => {
    const g = tree.machine.irqs[tree.machine.irqs.length - 1]!;
    const pc = fs.readFileSync(path.join(dir, `sys/kernel/irq/${g.irq}/per_cpu_count`), 'latin1').trim().split(',').map(Number);
    expect(pc).toHaveLength(opts.cpus);
    expect(pc.reduce((a, b) => a + b, 0)).toBe(irqTotals(tree.machine, 0).get(g.irq));
    expect(fs.readFileSync(path.join(dir, `proc/irq/${g.irq}/effective_affinity_list`), 'latin1').trim()).toBe(String(g.effective[0]));
    const d = tree.machine.devices[0]!;
    expect(fs.readlinkSync(path.join(dir, `sys/bus/pci/devices/${d.bdf}`))).toBe(`../../../devices/pci${d.bdf.slice(0, 7)}/${d.bdf}`);
    const caps = parseConfigCaps(fs.readFileSync(path.join(dir, `sys/bus/pci/devices/${d.bdf}/config`)));
    expect(caps.msix && typeof caps.msix === 'object' ? caps.msix.tableSize : null).toBe(d.tableSize);
  });

  it('a live sample of a few IRQs (per_cpu_count) equals the /proc/interrupts sample of the same IRQs', async () => {
    const lab = await openLinuxLab({ root: dir, reason: 'test' });
    const few = tree.machine.devices[0]!.irqs;
    const all = tree.machine.irqs.map((r) => r.irq);
    expect(few.length).toBeLessThanOrEqual(SYSFS_SAMPLE_MAX);
    expect(all.length).toBeGreaterThan(few.length);
    const a = await lab.sample(few);             // at most SYSFS_SAMPLE_MAX: per_cpu_count
    const b = await lab.sample();                // whole /proc/interrupts
    expect(a.cpus).toEqual(b.cpus);
    for (const irq of few) expect(a.irqs.get(irq)).toEqual(b.irqs.get(irq));
    await lab.close();
  });

  it('writeSample advances the counters of busy IRQs and leaves idle ones alone', () => {
    const m = tree.machine;
    writeSample(dir, m, 3);
    const p = parseInterrupts(fs.readFileSync(path.join(dir, 'proc/interrupts')));
    const t0 = irqTotals(m, 0);
    let grew = 0;
    for (const r of m.irqs) {
      const now = p.irqs.get(r.irq)!.counts.reduce((a, b) => a + b, 0);
      const rate = r.cells.reduce((a, c) => a + c.rate, 0);
      expect(now).toBe(irqTotals(m, 3).get(r.irq));
      if (rate === 0) expect(now).toBe(t0.get(r.irq)); else grew++;
    }
    expect(grew).toBe(m.irqs.filter((r) => r.cells.some((c) => c.rate > 0)).length);
    writeSample(dir, m, 0);
  });
});

describe('lab/gen at lab scale', () => {
  it('512 CPUs × 2000 IRQs: ~11 MB with every count mostly zero', () => {
    const m = planMachine({ cpus: 512, irqs: 2000, devices: 60, vectors: 32, seed: 7, arch: 'arm64' });
    const buf = renderInterrupts(m);
    expect(buf.length).toBeGreaterThan(11e6);
    const p = parseInterrupts(buf);
    expect(p.cpus).toHaveLength(512);
    expect(p.irqs.size).toBe(2000);
    let nonzero = 0;
    for (const r of p.irqs.values()) for (const c of r.counts) if (c !== 0) nonzero++;
    expect(nonzero).toBeGreaterThan(0);
    expect(nonzero / (512 * 2000)).toBeLessThan(0.01);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = renderInterrupts(planMachine({ ...SMALL, seed: 5 }));
    expect(renderInterrupts(planMachine({ ...SMALL, seed: 5 })).equals(a)).toBe(true);
    expect(renderInterrupts(planMachine({ ...SMALL, seed: 6 })).equals(a)).toBe(false);
  });

  it('rejects fewer IRQs than devices × vectors, naming the limit', () => {
    expect(() => planMachine({ cpus: 4, irqs: 10, devices: 4, vectors: 4 })).toThrow(/devices × vectors \(16\)/);
  });
});

describe('doorbell gen-sysroot', () => {
  const run = async (args: string[]) => {
    const out: string[] = [], err: string[] = [];
    const code = await genSysroot.run(args, { labSpec: 'auto', openLab: () => { throw new Error('not used'); }, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('writes a tree and says how to open it', async () => {
    const dir = path.join(tmp(), 'cli');
    const r = await run([dir, '--cpus', '4', '--devices', '2', '--vectors', '3', '--seed', '9']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/4 CPUs, 38 IRQs, 2 devices × 3 vectors/);
    expect(r.out).toContain(`--lab linux:${dir}`);
    expect(fs.existsSync(path.join(dir, 'proc/interrupts'))).toBe(true);
  });

  const siblings = (dir: string) => fs.readdirSync(path.dirname(dir)).filter((n) => n !== path.basename(dir));

  it('re-run into its own tree replaces it whole: no IRQ or device of the earlier, larger tree is left', async () => {
    const dir = path.join(tmp(), 'again');
    expect((await run([dir, '--cpus', '4', '--devices', '3', '--vectors', '4', '--seed', '9'])).code).toBe(0);
    const irqs = () => fs.readdirSync(path.join(dir, 'proc/irq')).filter((n) => /^\d+$/.test(n)).sort();
    const before = irqs();
    expect(before).toHaveLength(3 * 4 + 32);
    expect(fs.readdirSync(path.join(dir, 'sys/bus/pci/devices'))).toHaveLength(3);
    const r = await run([dir, '--cpus', '4', '--devices', '1', '--vectors', '1', '--seed', '9']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`replaced the tree gen-sysroot had written at ${dir}`);
    expect(irqs()).toHaveLength(1 * 1 + 32);
    expect(fs.readdirSync(path.join(dir, 'sys/bus/pci/devices'))).toEqual(['0000:01:00.0']);
    expect(siblings(dir)).toEqual([]); // no temporary tree beside it
    const lab = await openLinuxLab({ root: dir, reason: 'test' });
    expect((await lab.devices()).map((d) => d.vectorCount)).toEqual([1]);
    await lab.close();
  });

  it('a directory it did not write is refused, untouched; --force moves it aside, never deletes it', async () => {
    const dir = path.join(tmp(), 'mine');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'an engineer\'s notes\n');
    const r = await run([dir, '--cpus', '2', '--devices', '1', '--vectors', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`doorbell gen-sysroot: gen-sysroot ${dir}: ${dir} is not empty and is not a tree gen-sysroot wrote (it has no .generated.json): Doorbell replaces only its own trees [ENOTEMPTY 39]\n` +
      `  hint: Name a new or empty directory; or pass --force to rename ${dir} to ${dir}.old-N (nothing in it is deleted) and write the tree in its place.`);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
    expect(siblings(dir)).toEqual([]);
    const f = await run([dir, '--cpus', '2', '--devices', '1', '--vectors', '1', '--force']);
    expect(f.code, f.err).toBe(0);
    expect(f.out).toContain(`moved what was at ${dir} to ${dir}.old-1 (nothing in it was changed)`);
    expect(fs.readFileSync(path.join(`${dir}.old-1`, 'notes.txt'), 'utf8')).toBe('an engineer\'s notes\n');
    expect(fs.existsSync(path.join(dir, 'proc/interrupts'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'notes.txt'))).toBe(false);
    expect(siblings(dir)).toEqual([`${path.basename(dir)}.old-1`]);
  });

  it('an empty directory is filled; a file in the way is refused', async () => {
    const dir = path.join(tmp(), 'empty');
    fs.mkdirSync(dir);
    expect((await run([dir, '--cpus', '2', '--devices', '1', '--vectors', '1'])).code).toBe(0);
    expect(fs.existsSync(path.join(dir, '.generated.json'))).toBe(true);
    const file = path.join(tmp(), 'file');
    fs.writeFileSync(file, 'x');
    const r = await run([file, '--cpus', '2', '--devices', '1', '--vectors', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`doorbell gen-sysroot: gen-sysroot ${file}: ${file} is a regular file, not a directory [ENOTDIR 20]\n` +
      '  hint: Name a new directory, an empty one, or a tree gen-sysroot wrote.');
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  it('a failure halfway leaves neither a half tree nor the earlier tree damaged', async () => {
    const dir = path.join(tmp(), 'half');
    expect((await run([dir, '--cpus', '2', '--devices', '2', '--vectors', '2'])).code).toBe(0);
    const before = fs.readFileSync(path.join(dir, 'proc/interrupts'));
    // The disk fills up halfway through the new tree (a read-only parent would not stop root).
    const real = fs.writeFileSync;
    let n = 0;
    fs.writeFileSync = ((...a: Parameters<typeof real>) => { if (++n === 50) throw Object.assign(new Error('ENOSPC: no space left on device, open'), { code: 'ENOSPC', errno: -28, syscall: 'open' }); return real(...a); }) as typeof real;
    try {
      const r = await run([dir, '--cpus', '4', '--devices', '3', '--vectors', '3']);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`doorbell gen-sysroot: gen-sysroot ${dir}: open failed: ENOSPC (28, No space left on device)\n  hint: Check that the directory is writable and has space.`);
    } finally {
      fs.writeFileSync = real;
    }
    expect(fs.readFileSync(path.join(dir, 'proc/interrupts'))).toEqual(before);
    expect(siblings(dir)).toEqual([]);
  });

  it('an output path on procfs is refused at once with the errno, not retried forever', async () => {
    const r = await run(['/proc/nonexistent/tree', '--cpus', '2', '--devices', '1', '--vectors', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('doorbell gen-sysroot: mkdir /proc/nonexistent: ENOENT (2, No such file or directory)\n' +
      '  hint: /proc/nonexistent is on procfs, the kernel\'s own filesystem, where no file can be created: write the output to a directory on a disk (e.g. ./out).');
  });

  it('refuses bad options with usage', async () => {
    const r = await run([path.join(tmp(), 'x'), '--cpus', '4', '--devices', '2', '--vectors', '4', '--irqs', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--irqs must be an integer from devices × vectors \(8\)/);
    expect((await run(['--cpus', '4'])).code).toBe(2);
  });
});
