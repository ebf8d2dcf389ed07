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
    expect((await run([dir, '--cpus', '4', '--devices', '2', '--vectors', '3'])).code).toBe(1); // not empty, no --force
  });

  it('refuses bad options with usage', async () => {
    const r = await run([path.join(tmp(), 'x'), '--cpus', '4', '--devices', '2', '--vectors', '4', '--irqs', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--irqs must be an integer from devices × vectors \(8\)/);
    expect((await run(['--cpus', '4'])).code).toBe(2);
  });
});
