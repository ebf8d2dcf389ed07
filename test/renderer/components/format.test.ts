// SPDX-License-Identifier: MIT
// Decoded targets per controller, from the simulator's scenarios for each platform.
import { describe, expect, it } from 'vitest';
import { clockTime, cut, decoded, decodedWhy, fit, provenance, vectorCells, VECTOR_COLUMNS } from '../../../renderer/src/components/format.js';
import { createSimLab, scenarioNames } from '../../../lab/sim/index.js';

describe('decoded message text for every simulated platform', () => {
  it.each(scenarioNames())('%s: every vector decodes to a controller-specific target, and copies as one line per column', async (name) => {
    const b = createSimLab({ scenario: name });
    const devs = (await b.devices()).filter((d) => d.vectorCount > 0);
    expect(devs.length).toBeGreaterThan(0);
    for (const d of devs) {
      const t = await b.vectors(d.bdf);
      for (const v of t.vectors) {
        const s = decoded(v.decoded, false);
        switch (v.decoded.kind) {
          case 'x86-compat': expect(s).toBe(`APIC ${v.decoded.destApicId} vec ${v.decoded.vector}${v.decoded.destModeLogical ? ' logical' : ''}${v.decoded.levelTriggered ? ' level' : ''}`); break;
          case 'intel-remap': expect(s).toMatch(new RegExp(`^IRTE ${v.decoded.handle}`)); break;
          case 'amd-remap': expect(s).toMatch(new RegExp(`^IRTE ${v.decoded.irteIndex}`)); break;
          case 'its': expect(s).toBe(`ITS ${v.decoded.doorbell} EventID ${v.decoded.eventId}`); expect(decodedWhy(v.decoded)).toMatch(/not from the message/); break;
          case 'imsic': expect(s).toContain(v.decoded.hart !== null ? `hart ${v.decoded.hart}` : 'unknown hart'); break;
          default: expect(decodedWhy(v.decoded)).toBeTruthy();
        }
        const cells = vectorCells(v, true, 0, 0);
        expect(cells).toHaveLength(VECTOR_COLUMNS.length);
        expect(cells.every((c) => !c.includes('\t') && !c.includes('\n'))).toBe(true);
        expect(provenance(v.affinity)).toMatch(v.affinity.ok ? /^source: / : /^not read: /);
      }
    }
    await b.close();
  });
});

describe('clockTime', () => {
  it('prints local 24-hour HH:MM:SS across a day', () => {
    for (let at = new Date(2026, 11, 2, 0, 0, 0).getTime(); at < new Date(2026, 11, 3).getTime(); at += 3_599_123) {
      const d = new Date(at);
      expect(clockTime(at)).toMatch(/^\d\d:\d\d:\d\d$/);
      expect(clockTime(at).split(':').map(Number)).toEqual([d.getHours(), d.getMinutes(), d.getSeconds()]);
    }
    expect(clockTime(new Date(2026, 0, 1, 9, 5, 7).getTime())).toBe('09:05:07');
    expect(clockTime(new Date(2026, 0, 1, 23, 59, 59).getTime())).toBe('23:59:59');
  });
});

describe('fit: a cell cut to its column', () => {
  it('keeps text that fits, and cuts longer text to exactly the room with an ellipsis', () => {
    expect(fit('0-511', 5)).toBe('0-511');
    expect(fit('ITS-PCI-MSIX-0000:01:00.0', 12)).toBe('ITS-PCI-MSI…');
    expect(fit('ITS-PCI-MSIX-0000:01:00.0', 12)).toHaveLength(12);
    expect(fit('12345', 0)).toBe('…');
    expect(fit('', 3)).toBe('');
  });
  it('cut: the tooltip names the whole value before the reason only when the text was cut', () => {
    expect(cut('0-511', 5, 'read now')).toEqual({ t: '0-511', title: 'read now' });
    expect(cut('0-511', 5)).toEqual({ t: '0-511', title: undefined });
    expect(cut('ITS-PCI-MSIX-0000:01:00.0', 12, 'domain chain: x')).toEqual({ t: 'ITS-PCI-MSI…', title: 'ITS-PCI-MSIX-0000:01:00.0\n\ndomain chain: x' });
    expect(cut('ITS-PCI-MSIX-0000:01:00.0', 12)).toEqual({ t: 'ITS-PCI-MSI…', title: 'ITS-PCI-MSIX-0000:01:00.0' });
  });
});
