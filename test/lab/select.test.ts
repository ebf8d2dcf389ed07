// SPDX-License-Identifier: MIT
// Lab specs: what each spelling opens, and how the CLI's first line names it.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../lab/cli/main.js';
import { parseLabSpec, specLabel } from '../../lab/select.js';
import { E1000E } from '../fixtures/sysroots/paths.js';

const noProbe = () => ({ linux: false, reason: 'probe: none' });

describe('lab/select', () => {
  it('labels each spec as it would be typed, so a captured tree never reads as this machine', () => {
    expect(specLabel(parseLabSpec('linux', noProbe))).toBe('linux');
    expect(specLabel(parseLabSpec('linux:/srv/trees/a', noProbe))).toBe('linux:/srv/trees/a');
    expect(specLabel(parseLabSpec('linux:rel/tree', noProbe))).toBe(`linux:${path.resolve('rel/tree')}`);
    expect(specLabel(parseLabSpec('sim:x86-vtd-ir?bug=no-irte', noProbe))).toBe('sim:x86-vtd-ir');
    expect(specLabel(parseLabSpec('snapshot:/tmp/a.doorbell', noProbe))).toBe('snapshot:/tmp/a.doorbell');
    expect(specLabel(parseLabSpec('auto', noProbe))).toBe('sim:arm64-its-smmuv3');
    expect(specLabel(parseLabSpec('auto', () => ({ linux: true, reason: 'probe: iommu' })))).toBe('linux');
  });

  it('the CLI starts by naming the captured tree it opened (it said "lab linux", as for this machine)', async () => {
    const out: string[] = [], err: string[] = [];
    expect(await main(['--lab', `linux:${E1000E}`, 'devices'], { out: (s) => out.push(s), err: (s) => err.push(s) })).toBe(0);
    expect(err[0]).toBe(`doorbell: lab linux:${E1000E} — asked for: a captured tree (read-only)`);
    expect(out.join('\n')).toContain('BDF');
  });
});
