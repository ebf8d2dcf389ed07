// SPDX-License-Identifier: MIT
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabFailure } from '../../../common/errors.js';
import { hex } from '../../../common/model/hex.js';
import { domainChain, parseDebugfsIrq, readDebugfsIrq } from '../../../native/debugfs/irq.js';
import { SysRoot } from '../../../native/sysfs/root.js';
import { CONSOLE, E1000E, NOIOMMU, expected } from '../../fixtures/sysroots/paths.js';

describe('native/debugfs/irq', () => {
  it('reads the composed message and domain chain (Linux 7.3.4 format)', () => {
    const d = readDebugfsIrq(new SysRoot(E1000E), 26)!;
    expect(domainChain(d)).toEqual(['IR-PCI-MSIX-0000:00:02.0-11', 'INTEL-IR-0-12', 'VECTOR']);
    expect(d.levels.map((l) => l.hwirq)).toEqual([1, 0x120000, 0x1a]);
    expect(d.levels[2]).toMatchObject({ chip: 'APIC', vector: 36, target: 1 });
    expect(d).toMatchObject({ device: '0000:00:02.0', affinity: '1', effective: '1', handler: 'handle_edge_irq' });
  });

  it('agrees with the MSI-X table the holding process read through the BAR', () => {
    for (const tree of [E1000E, CONSOLE]) {
      for (const v of expected(tree).vectors) {
        const d = readDebugfsIrq(new SysRoot(tree), v.irq)!;
        expect(d.message).toEqual({ address: hex(BigInt(v.msix_entry.addr)), data: Number(v.msix_entry.data) });
      }
    }
  });

  it('is null where debugfs was not captured', () => {
    expect(readDebugfsIrq(new SysRoot(NOIOMMU), 28)).toBeNull();
  });

  it('names the line of a malformed value and refuses a truncated message', () => {
    const text = fs.readFileSync(path.join(E1000E, 'sys/kernel/debug/irq/irqs/26'), 'latin1');
    const root = new SysRoot('/nonexistent-root');
    const bad = text.replace('address_lo: 0xfee00258', 'address_lo: 0xfeeZZ258');
    try { parseDebugfsIrq(root, 26, bad); expect.unreachable(); } catch (e) {
      expect(e).toBeInstanceOf(LabFailure);
      const line = bad.split('\n').findIndex((l) => l.includes('0xfeeZZ258')) + 1;
      expect((e as LabFailure).error.detail).toEqual({ file: '/sys/kernel/debug/irq/irqs/26', line });
    }
    const cut = text.slice(0, text.indexOf('msg_data'));
    expect(() => parseDebugfsIrq(root, 26, cut)).toThrow(/incomplete/);
  });
});
