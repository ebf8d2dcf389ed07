// SPDX-License-Identifier: MIT
// MSI message decoders, one per interrupt controller (domain.md §5). The decoder is chosen by the
// controller that composed the message, never by the address: the caller names it (controller.ts).
import { big, hex, type Hex } from '../model/hex.js';
import type { ControllerKind, DecodedMessage, MsiMessage } from '../model/vector.js';

export interface DecodeContext {
  /** RISC-V IMSIC: the S-mode interrupt-file page of each hart; guest files follow at +4 KiB each. */
  imsicHarts?: readonly { hart: number; page: Hex; guestFiles?: number }[];
  /** Intel/AMD IR: the APIC ID the IRTE targets, when something could read the IRTE. */
  irteTargetApicId?: number | null;
}

const X86_MSI_BASE = 0xfee; // address bits 31:20 of every x86 MSI (arch/x86/include/asm/msi.h)
const IMSIC_PAGE_SHIFT = 12n;

function split(msg: MsiMessage): { hi: number; lo: number; addr: bigint } | string {
  let addr: bigint;
  try { addr = big(msg.address); } catch { return `address ${msg.address} is not a 64-bit hex value`; }
  return { hi: Number(addr >> 32n), lo: Number(addr & 0xffffffffn), addr };
}

/**
 * x86 compatibility format (arch/x86/include/asm/msi.h, struct msi_address_lo / msi_msg_data):
 * lo = 0xFEE<<20 | destid[7:0]<<12 | virt_destid[14:8]<<5 | redirect_hint<<3 | dest_mode_logical<<2,
 * hi bits 31:8 = destid[31:8]; data = vector | delivery_mode<<8 | dest_mode_logical<<11 |
 * active_low<<14 | is_level<<15.
 */
function x86Compat(lo: number, hi: number, data: number): DecodedMessage {
  const destApicId = (((lo >>> 12) & 0xff) | (((lo >>> 5) & 0x7f) << 8) | (hi & 0xffffff00)) >>> 0;
  return {
    kind: 'x86-compat',
    destApicId,
    vector: data & 0xff,
    deliveryMode: (data >>> 8) & 0x7,
    destModeLogical: ((lo >>> 2) & 1) === 1,
    redirectHint: ((lo >>> 3) & 1) === 1,
    levelTriggered: ((data >>> 15) & 1) === 1,
  };
}

export function decodeMessage(controller: ControllerKind, msg: MsiMessage, ctx: DecodeContext = {}): DecodedMessage {
  const s = split(msg);
  if (typeof s === 'string') return { kind: 'undecoded', why: s };
  const { hi, lo, addr } = s;
  const data = msg.data >>> 0;
  const inX86Window = (lo >>> 20) === X86_MSI_BASE && hi === 0;
  switch (controller) {
    case 'x86-vector':
      if ((lo >>> 20) !== X86_MSI_BASE) return { kind: 'undecoded', why: `address ${msg.address} is outside the x86 interrupt window 0xFEExxxxx` };
      return x86Compat(lo, hi, data);
    case 'intel-ir': {
      if (!inX86Window) return { kind: 'undecoded', why: `address ${msg.address} is outside the x86 interrupt window 0xFEExxxxx` };
      // Interrupt format bit 4: 0 = compatibility (not remapped), 1 = remappable (VT-d spec 5.1.2.2).
      if (((lo >>> 4) & 1) === 0) return x86Compat(lo, hi, data);
      const shv = ((lo >>> 3) & 1) === 1;
      const handle = ((lo >>> 5) & 0x7fff) | (((lo >>> 2) & 1) << 15);
      return { kind: 'intel-remap', handle, shv, subhandle: shv ? data & 0xffff : null, irteTargetApicId: ctx.irteTargetApicId ?? null };
    }
    case 'amd-ir':
      // AMD-Vi remapping: the destination in the address is ignored; the data carries the IRTE index
      // (drivers/iommu/amd/iommu.c fill_msi_msg: msg->data = index). Exact field width UNVERIFIED.
      if (!inX86Window) return { kind: 'undecoded', why: `address ${msg.address} is outside the x86 interrupt window 0xFEExxxxx` };
      return { kind: 'amd-remap', irteIndex: data & 0xffff, irteTargetApicId: ctx.irteTargetApicId ?? null };
    case 'gic-its':
      // GITS_TRANSLATER (ITS base + 0x10040, or its IOVA behind an IOMMU); data = EventID only.
      // The DeviceID is the requester ID (sideband), and the target CPU is the ITS collection: no CPU here.
      return { kind: 'its', doorbell: hex(addr), eventId: data };
    case 'gic-v2m':
      return { kind: 'v2m', doorbell: hex(addr), spi: data };
    case 'riscv-imsic': {
      const page = (addr >> IMSIC_PAGE_SHIFT) << IMSIC_PAGE_SHIFT;
      let hart: number | null = null, guestFile = 0;
      for (const h of ctx.imsicHarts ?? []) {
        const base = big(h.page);
        const files = BigInt(1 + (h.guestFiles ?? 0));
        if (page >= base && page < base + (files << IMSIC_PAGE_SHIFT)) {
          hart = h.hart;
          guestFile = Number((page - base) >> IMSIC_PAGE_SHIFT);
          break;
        }
      }
      return { kind: 'imsic', page: hex(page), hart, guestFile, identity: data };
    }
    case 'unknown':
      return { kind: 'undecoded', why: 'the interrupt controller is not known (no debugfs domain chain and an unrecognised chip name), so the message is not decoded' };
  }
}
