// SPDX-License-Identifier: MIT
// Table-driven: each row's expectation is computed by hand from the cited layout.
import { describe, expect, it } from 'vitest';
import type { ControllerKind, DecodedMessage } from '../../../common/model/vector.js';
import { controllerFromChain, decodeMessage, type DecodeContext } from '../../../common/msi/index.js';

interface Row { cite: string; controller: ControllerKind; address: string; data: number; ctx?: DecodeContext; want: DecodedMessage }

const ROWS: Row[] = [
  {
    cite: 'x86 compat, arch/x86/include/asm/msi.h: 0xfee01000 → destid[7:0]=0x01 (bits 19:12); data 0x4023 → vector 0x23, delivery 0, level bit 15 = 0, active_low bit 14 = 1',
    controller: 'x86-vector', address: '0xfee01000', data: 0x4023,
    want: { kind: 'x86-compat', destApicId: 1, vector: 0x23, deliveryMode: 0, destModeLogical: false, redirectHint: false, levelTriggered: false },
  },
  {
    cite: 'x86 compat: 0xfee0300c → destid 3, redirect_hint bit 3, dest_mode_logical bit 2; data 0x8130 → vector 0x30, delivery_mode 1 (bits 10:8), is_level bit 15',
    controller: 'x86-vector', address: '0xfee0300c', data: 0x8130,
    want: { kind: 'x86-compat', destApicId: 3, vector: 0x30, deliveryMode: 1, destModeLogical: true, redirectHint: true, levelTriggered: true },
  },
  {
    cite: 'x86 compat, extended dest ID: virt_destid[14:8] in address bits 11:5 — 0xfee05040 → (0x2 << 8) | 0x05 = 0x205',
    controller: 'x86-vector', address: '0xfee05040', data: 0x41,
    want: { kind: 'x86-compat', destApicId: 0x205, vector: 0x41, deliveryMode: 0, destModeLogical: false, redirectHint: false, levelTriggered: false },
  },
  {
    cite: 'x86 compat, x2APIC: addr_hi bits 31:8 = destid[31:8] — addr_hi 0x100, addr_lo 0xfee07000 → destid 0x100 | 0x07',
    controller: 'x86-vector', address: '0x100fee07000', data: 0x22,
    want: { kind: 'x86-compat', destApicId: 0x107, vector: 0x22, deliveryMode: 0, destModeLogical: false, redirectHint: false, levelTriggered: false },
  },
  {
    cite: 'Intel remappable (domain.md §5): 0xfee00258 → handle[14:0] = (0x258>>5)&0x7fff = 18, SHV bit 3 = 1, format bit 4 = 1; captured IRQ 26 of x86-vtd-vfio-e1000e (INTEL-IR hwirq 0x120000 = IRTE 18)',
    controller: 'intel-ir', address: '0xfee00258', data: 0,
    want: { kind: 'intel-remap', handle: 18, shv: true, subhandle: 0, irteTargetApicId: null },
  },
  {
    cite: 'Intel remappable: bit 2 = handle[15] — 0xfeeffff4 → handle[14:0] = bits 19:5 = 0x7fff, bit 2 set → 0xffff; SHV 0 → no subhandle',
    controller: 'intel-ir', address: '0xfeeffff4', data: 7,
    want: { kind: 'intel-remap', handle: 0xffff, shv: false, subhandle: null, irteTargetApicId: null },
  },
  {
    cite: 'Intel IR domain but format bit 4 = 0: compatibility format (VT-d spec 5.1.2.2) — decode as x86 compat',
    controller: 'intel-ir', address: '0xfee01000', data: 0x30,
    want: { kind: 'x86-compat', destApicId: 1, vector: 0x30, deliveryMode: 0, destModeLogical: false, redirectHint: false, levelTriggered: false },
  },
  {
    cite: 'AMD IR (domain.md §5): the data carries the IRTE index; address destination ignored',
    controller: 'amd-ir', address: '0xfee00000', data: 0x2a, ctx: { irteTargetApicId: 4 },
    want: { kind: 'amd-remap', irteIndex: 0x2a, irteTargetApicId: 4 },
  },
  {
    cite: 'GICv3 ITS behind SMMU (domain.md §5.1): SW_MSI page 0x8000000 + GITS_TRANSLATER offset 0x40; data = EventID 3, no CPU in the message',
    controller: 'gic-its', address: '0x8000040', data: 3,
    want: { kind: 'its', doorbell: '0x8000040', eventId: 3 },
  },
  {
    cite: 'GICv2m on QEMU virt (domain.md §5.2): frame 0x08020000 + V2M_MSI_SETSPI_NS 0x40; data = SPI 80',
    controller: 'gic-v2m', address: '0x8020040', data: 80,
    want: { kind: 'v2m', doorbell: '0x8020040', spi: 80 },
  },
  {
    cite: 'RISC-V IMSIC (domain.md §5): page 0x28003000 = hart 3 of a 4 KiB-per-hart table at 0x28000000; identity = data',
    controller: 'riscv-imsic', address: '0x28003000', data: 17,
    ctx: { imsicHarts: [0, 1, 2, 3].map((h) => ({ hart: h, page: `0x${(0x28000000 + h * 0x1000).toString(16)}` })) },
    want: { kind: 'imsic', page: '0x28003000', hart: 3, guestFile: 0, identity: 17 },
  },
  {
    cite: 'RISC-V IMSIC guest file: msi_pa + guest-file index × 4 KiB — hart 1 base 0x28010000 with 3 guest files; 0x28012000 → guest file 2',
    controller: 'riscv-imsic', address: '0x28012000', data: 5,
    ctx: { imsicHarts: [{ hart: 0, page: '0x28000000', guestFiles: 3 }, { hart: 1, page: '0x28010000', guestFiles: 3 }] },
    want: { kind: 'imsic', page: '0x28012000', hart: 1, guestFile: 2, identity: 5 },
  },
  {
    cite: 'IMSIC page that is no known hart page → hart null',
    controller: 'riscv-imsic', address: '0x30000000', data: 1,
    want: { kind: 'imsic', page: '0x30000000', hart: null, guestFile: 0, identity: 1 },
  },
];

describe('common/msi/decodeMessage', () => {
  for (const r of ROWS) {
    it(r.cite, () => {
      expect(decodeMessage(r.controller, { address: r.address, data: r.data }, r.ctx)).toEqual(r.want);
    });
  }

  it('never guesses: an arm64 doorbell on the unknown controller stays undecoded; an x86 decoder refuses a non-0xFEE address', () => {
    expect(decodeMessage('unknown', { address: '0xfee00258', data: 0 }).kind).toBe('undecoded');
    expect(decodeMessage('x86-vector', { address: '0x8000040', data: 0 }).kind).toBe('undecoded');
    expect(decodeMessage('intel-ir', { address: '0x8000040', data: 0 }).kind).toBe('undecoded');
  });
});

describe('common/msi/controllerFromChain', () => {
  const cases: [string[], string | null, Parameters<typeof controllerFromChain>[2], ControllerKind, string][] = [
    [['IR-PCI-MSIX-0000:00:02.0-11', 'INTEL-IR-0-12', 'VECTOR'], null, {}, 'intel-ir', 'debugfs chain of x86-vtd-vfio-e1000e IRQ 25'],
    [['IR-PCI-MSIX-0000:00:02.0-11', 'AMD-IR-0', 'VECTOR'], null, {}, 'amd-ir', 'AMD IR domain name'],
    [['PCI-MSIX-0000:00:03.0-12', 'VECTOR'], null, {}, 'x86-vector', 'x86 without IR: VECTOR is the composing domain'],
    [['ITS-PCI-MSIX-0000:01:00.0-5', 'ITS', 'GICv3'], null, {}, 'gic-its', 'arm64 ITS chain'],
    [['PCI-MSIX-0000:00:01.0-3', 'IMSIC-MSI'], null, {}, 'riscv-imsic', 'RISC-V IMSIC parent'],
    [[], 'IR-PCI-MSIX-0000:00:02.0', { irVendor: 'intel' }, 'intel-ir', 'chip prefix IR- + dmar unit'],
    [[], 'IR-PCI-MSIX-0000:00:02.0', {}, 'unknown', 'IR- without knowing Intel or AMD: do not guess'],
    [[], 'PCI-MSIX-0000:00:03.0', { arch: 'x86_64' }, 'x86-vector', 'x86 chip without IR'],
    [[], 'PCI-MSIX-0000:00:03.0', { arch: 'riscv64' }, 'unknown', 'PCI-MSIX on riscv: not the x86 vector domain'],
    [[], 'ITS-PCI-MSIX-0000:01:00.0', {}, 'gic-its', 'arm64 6.11+ per-device chip'],
    [[], 'ITS-MSI', {}, 'gic-its', 'arm64 ≤6.10 global ITS-MSI'],
    [[], 'GICv2m', {}, 'gic-v2m', 'GICv2m chip'],
    [[], null, {}, 'unknown', 'nothing known'],
  ];
  for (const [chain, chip, hints, want, why] of cases) {
    it(`${why} → ${want}`, () => expect(controllerFromChain(chain, chip, hints)).toBe(want));
  }
});
