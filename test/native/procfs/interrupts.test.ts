// SPDX-License-Identifier: MIT
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabFailure } from '../../../common/errors.js';
import { parseInterrupts, splitRowText } from '../../../native/procfs/interrupts.js';
import { CONSOLE, E1000E, NOIOMMU } from '../../fixtures/sysroots/paths.js';

const enc = (s: string) => Buffer.from(s, 'latin1');

function failure(fn: () => unknown): LabFailure {
  try { fn(); } catch (e) { if (e instanceof LabFailure) return e; throw e; }
  throw new Error('expected a LabFailure');
}

describe('native/procfs/interrupts', () => {
  it('parses the captured trees by whitespace', () => {
    for (const tree of [E1000E, CONSOLE, NOIOMMU]) {
      const text = fs.readFileSync(path.join(tree, 'proc/interrupts'));
      const p = parseInterrupts(text, { text: true, summary: true });
      expect(p.cpus).toEqual([0, 1]);
      // Every numbered row of the file is there, with one count per online CPU.
      const numbered = text.toString('latin1').split('\n').filter((l) => /^\s*\d+:/.test(l));
      expect(p.irqs.size).toBe(numbered.length);
      for (const [, row] of p.irqs) expect(row.counts).toHaveLength(2);
      expect(p.summary.get('LOC')?.counts).toHaveLength(2);
    }
  });

  it('reads the e1000e vfio rows (x86 `N-edge`)', () => {
    const p = parseInterrupts(fs.readFileSync(path.join(E1000E, 'proc/interrupts')), { text: true });
    expect(Array.from(p.irqs.get(26)!.counts)).toEqual([0, 3]);
    expect(splitRowText(p.irqs.get(26)!.rest!)).toEqual({ chip: 'IR-PCI-MSIX-0000:00:02.0', hwirq: 1, type: 'edge', actions: ['vfio-msix[1](0000:00:02.0)'] });
  });

  it('tolerates the quirks other parsers tripped on (peers.md §4.3)', () => {
    const text = [
      '           CPU0       CPU2       ',
      ' 11:          1          2     GICv3  27 Level     arch_timer',
      ' 61:          0         12  ITS-PCI-MSIX-0000:01:00.0   1 Edge      vfio-msix[1](0000:01:00.0)',
      ' 70:          5          6  2nd-chip   3-edge      a, b',
      'IPI0:2768808080 2844        Rescheduling interrupts',
      'IPI1:         7          8       Function call interrupts',
      'FIQ:',
      'ERR:          0',
      'Err:          0',
      '',
    ].join('\n');
    const p = parseInterrupts(enc(text), { text: true, summary: true });
    expect(p.cpus).toEqual([0, 2]);
    expect(Array.from(p.irqs.get(61)!.counts)).toEqual([0, 12]);
    expect(splitRowText(p.irqs.get(61)!.rest!)).toMatchObject({ chip: 'ITS-PCI-MSIX-0000:01:00.0', hwirq: 1, type: 'Edge', actions: ['vfio-msix[1](0000:01:00.0)'] });
    // A chip name starting with a digit is not a count.
    expect(Array.from(p.irqs.get(70)!.counts)).toEqual([5, 6]);
    expect(splitRowText(p.irqs.get(70)!.rest!).actions).toEqual(['a', 'b']);
    expect(Array.from(p.summary.get('IPI0')!.counts)).toEqual([2768808080, 2844]);
    expect(p.summary.get('FIQ')?.counts).toHaveLength(0);
    expect(Array.from(p.summary.get('ERR')!.counts)).toEqual([0]);
  });

  it('parses only the IRQs asked for', () => {
    const p = parseInterrupts(fs.readFileSync(path.join(CONSOLE, 'proc/interrupts')), { only: new Set([27, 30, 999]) });
    expect([...p.irqs.keys()].sort((a, b) => a - b)).toEqual([27, 30]);
    expect(Array.from(p.irqs.get(27)!.counts)).toEqual([0, 1]);
    expect(p.summary.size).toBe(0);
  });

  it('keeps every row\'s counts in one store, intact when the store grows past its first guess', () => {
    // `only` sizes the store for one row; 100 summary rows make it grow while views are held.
    const lines = ['      CPU0       CPU1', '  7:  70  71  chip  1-edge  seven'];
    for (let k = 0; k < 100; k++) lines.push(`S${k}:  ${k}  ${k + 4294967295}   summary ${k}`);
    const p = parseInterrupts(enc(lines.join('\n') + '\n'), { only: new Set([7]), summary: true });
    expect(p.irqs.get(7)!.counts).toBeInstanceOf(Float64Array);
    expect(Array.from(p.irqs.get(7)!.counts)).toEqual([70, 71]);
    expect(p.summary.size).toBe(100);
    // Counts past 2^32 − 1 are not wrapped.
    for (let k = 0; k < 100; k++) expect(Array.from(p.summary.get(`S${k}`)!.counts)).toEqual([k, k + 4294967295]);
  });

  it('with a scratch holder reuses one store across parses, grown when a file needs more', () => {
    const file = (rows: number, base: number) => enc(['      CPU0       CPU1', ...Array.from({ length: rows }, (_, k) => `${k}:  ${base + k}  ${base + 2 * k}  chip  ${k}-edge  q${k}`)].join('\n') + '\n');
    const scratch = { store: new Float64Array(0) };
    const a = parseInterrupts(file(3, 10), { scratch });
    expect(Array.from(a.irqs.get(2)!.counts)).toEqual([12, 14]);
    const first = scratch.store;
    expect(first.length).toBeGreaterThanOrEqual(3 * 2);
    expect(a.irqs.get(2)!.counts.buffer).toBe(first.buffer);
    // Same size: the same store, and the rows are the new file's (the old views now alias them).
    const b = parseInterrupts(file(3, 100), { scratch });
    expect(scratch.store).toBe(first);
    expect(Array.from(b.irqs.get(2)!.counts)).toEqual([102, 104]);
    expect(Array.from(a.irqs.get(2)!.counts)).toEqual([102, 104]);
    // A bigger file grows the holder's store; every row is intact and equals a fresh parse.
    const c = parseInterrupts(file(50, 1000), { scratch });
    expect(scratch.store).not.toBe(first);
    const fresh = parseInterrupts(file(50, 1000));
    for (const [irq, row] of fresh.irqs) expect(Array.from(c.irqs.get(irq)!.counts), `IRQ ${irq}`).toEqual(Array.from(row.counts));
    // Without a holder nothing is shared between parses.
    expect(fresh.irqs.get(0)!.counts.buffer).not.toBe(c.irqs.get(0)!.counts.buffer);
  });

  it('names the file and line of a truncated row', () => {
    const full = fs.readFileSync(path.join(E1000E, 'proc/interrupts'), 'latin1');
    const cut = full.slice(0, full.indexOf('  26:') + 16); // inside IRQ 26's first count
    const e = failure(() => parseInterrupts(enc(cut), { kpath: '/proc/interrupts', real: '/x/proc/interrupts' }));
    expect(e.error.path).toBe('/x/proc/interrupts');
    expect(e.error.detail?.line).toBe(full.slice(0, full.indexOf('  26:')).split('\n').length);
    expect(e.error.message).toMatch(/^\/proc\/interrupts:\d+: IRQ 26 has 1 count for 2 online CPUs \(the file looks truncated\)/);
  });

  it('refuses a file without a CPU header, naming line 1', () => {
    const e = failure(() => parseInterrupts(enc(' 25:  1  2  X  0-edge  y\n')));
    expect(e.error.detail?.line).toBe(1);
    expect(e.error.message).toContain('header names no CPU columns');
    expect(failure(() => parseInterrupts(enc(''))).error.message).toContain('empty');
  });

  it('refuses a row with no label', () => {
    const e = failure(() => parseInterrupts(enc('    CPU0\n  25:  1  X\n garbage here\n')));
    expect(e.error.detail?.line).toBe(3);
  });

  it('agrees with awk on this machine\'s /proc/interrupts (structure and monotonic counts)', () => {
    const awk = (): Map<number, number[]> => {
      const out = execFileSync('awk', ['NR==1{n=NF; next} $1 ~ /^[0-9]+:$/ {sub(":","",$1); s=$1; for(i=2;i<=n+1;i++) s=s" "$i; print s}', '/proc/interrupts'], { encoding: 'utf8' });
      return new Map(out.trim().split('\n').map((l) => { const t = l.split(' ').map(Number); return [t[0]!, t.slice(1)]; }));
    };
    const header = execFileSync('awk', ['NR==1{for(i=1;i<=NF;i++){sub("CPU","",$i); print $i}}', '/proc/interrupts'], { encoding: 'utf8' }).trim().split('\n').map(Number);
    const before = awk();
    const p = parseInterrupts(fs.readFileSync('/proc/interrupts'));
    const after = awk();
    expect(p.cpus).toEqual(header);
    expect(new Set(p.irqs.keys())).toEqual(new Set(before.keys()));
    for (const [irq, row] of p.irqs) {
      row.counts.forEach((c, i) => {
        expect(c).toBeGreaterThanOrEqual(before.get(irq)![i]!);
        expect(c).toBeLessThanOrEqual(after.get(irq)![i]!);
      });
    }
  });
});
