// SPDX-License-Identifier: MIT
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { msiVectorMessage, parseConfigCaps, walkCapabilities } from '../../../native/pci/config.js';
import { decodeMsixEntries } from '../../../native/pci/msix-table.js';
import { CONSOLE, E1000E, expected } from '../../fixtures/sysroots/paths.js';

const cfgOf = (tree: string, bdf: string) => fs.readFileSync(path.join(tree, 'sys/bus/pci/devices', bdf, 'config'));

describe('native/pci/config', () => {
  it('finds the MSI-X capability the holding process saw (x86-vtd-vfio-e1000e)', () => {
    const exp = expected(E1000E).msix_cap as { offset: string; table_size: number; enabled: boolean; function_mask: boolean; table: string; pba: string };
    const c = parseConfigCaps(cfgOf(E1000E, '0000:00:02.0'));
    expect(c.size).toBe(4096);
    expect(c.msix).toEqual({
      offset: Number(exp.offset), enabled: exp.enabled, maskAll: exp.function_mask, tableSize: exp.table_size,
      tableBar: Number(/BAR(\d)/.exec(exp.table)![1]), tableOffset: Number(exp.table.split('+')[1]),
      pbaBar: Number(/BAR(\d)/.exec(exp.pba)![1]), pbaOffset: Number(exp.pba.split('+')[1]),
    });
    // e1000e also has an MSI capability (0xd0), not enabled while MSI-X is.
    expect(c.msi).toMatchObject({ offset: 0xd0, enabled: false, is64: true });
  });

  it('reads the virtio-console MSI-X capability (x86-vtd-host-virtio-console)', () => {
    const exp = expected(CONSOLE).msix_cap as { offset: string; table_size: number; table: string; pba: string };
    const c = parseConfigCaps(cfgOf(CONSOLE, '0000:00:02.0'));
    expect(c.msix).toMatchObject({ offset: Number(exp.offset), tableSize: exp.table_size, tableBar: 1, tableOffset: 0, pbaBar: 1, pbaOffset: 0x800 });
  });

  it('says why when the read was truncated to 64 bytes (unprivileged)', () => {
    const c = parseConfigCaps(cfgOf(E1000E, '0000:00:02.0').subarray(0, 64));
    expect(c.msix).toMatch(/truncated to 64 bytes/);
    expect(c.why).toMatch(/root/);
  });

  it('stops on a looping capability list', () => {
    const b = Buffer.alloc(256);
    b[0x06] = 0x10; b[0x34] = 0x40; b[0x40] = 0x05; b[0x41] = 0x50; b[0x50] = 0x11; b[0x51] = 0x40;
    expect(walkCapabilities(b)).toEqual({ ok: false, why: 'capability list loops at 0x40' });
  });

  it('MSI multi-message: the low log2(n) data bits carry the vector index (pci_regs.h PCI_MSI_FLAGS_QSIZE)', () => {
    const b = Buffer.alloc(256);
    b[0x06] = 0x10; b[0x34] = 0x50;
    b[0x50] = 0x05; b[0x51] = 0x00;
    b.writeUInt16LE(0x0001 | (2 << 1) | (2 << 4) | 0x0080, 0x52); // enabled, 4 capable, 4 enabled, 64-bit
    b.writeUInt32LE(0xfee01000, 0x54); b.writeUInt32LE(0, 0x58); b.writeUInt16LE(0x4040, 0x5c);
    const c = parseConfigCaps(b);
    expect(c.msi).toMatchObject({ enabled: true, is64: true, multiCapable: 2, multiEnabled: 2, address: '0xfee01000', data: 0x4040 });
    expect(msiVectorMessage(c.msi as never, 3)).toEqual({ address: '0xfee01000', data: 0x4043 });
  });

  it('decodes MSI-X table words (PCI_MSIX_ENTRY_*: lower, upper, data, vector control)', () => {
    expect(decodeMsixEntries([0xfee00238, 0, 0x21, 1, 0x8000040, 0x1, 7, 0], 2)).toEqual([
      { index: 0, address: '0xfee00238', data: 0x21, vectorCtrl: 1, masked: true },
      { index: 1, address: '0x108000040', data: 7, vectorCtrl: 0, masked: false },
    ]);
  });
});
