// SPDX-License-Identifier: MIT
// PCI configuration space (include/uapi/linux/pci_regs.h): the capability list and the MSI (0x05)
// and MSI-X (0x11) capabilities. /sys/bus/pci/devices/<BDF>/config reads real hardware, so it holds
// the address/data the host programmed (unlike the VFIO config region, which vfio-pci virtualises).
// Unprivileged reads are truncated to the first 64 bytes (the header only: no capabilities), and
// the file is 256 bytes (conventional) or 4096 bytes (PCIe extended space) for root.
import { hex } from '../../common/model/hex.js';
import type { MsiCap, MsixCap } from '../../common/model/lab.js';

export const PCI_STATUS = 0x06;
export const PCI_STATUS_CAP_LIST = 0x10;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_CAP_ID_MSI = 0x05;
export const PCI_CAP_ID_MSIX = 0x11;
/** Bytes an unprivileged reader gets (drivers/pci/pci-sysfs.c: pci_read_config, 64 unless CAP_SYS_ADMIN). */
export const PCI_CONFIG_UNPRIVILEGED = 64;

const PCI_MSI_FLAGS_ENABLE = 0x0001;
const PCI_MSI_FLAGS_QMASK = 0x000e;
const PCI_MSI_FLAGS_QSIZE = 0x0070;
const PCI_MSI_FLAGS_64BIT = 0x0080;
const PCI_MSI_FLAGS_MASKBIT = 0x0100;
const PCI_MSIX_FLAGS_QSIZE = 0x07ff;
const PCI_MSIX_FLAGS_MASKALL = 0x4000;
const PCI_MSIX_FLAGS_ENABLE = 0x8000;

export interface CapEntry { id: number; offset: number }

export type CapWalk =
  | { ok: true; caps: CapEntry[] }
  | { ok: false; why: string };

/** Walk the standard capability list. Stops on loops and on pointers past what was read. */
export function walkCapabilities(cfg: Uint8Array): CapWalk {
  if (cfg.length <= PCI_CAPABILITY_LIST) return { ok: false, why: `config space read is only ${cfg.length} bytes` };
  const status = cfg[PCI_STATUS]! | (cfg[PCI_STATUS + 1]! << 8);
  if (!(status & PCI_STATUS_CAP_LIST)) return { ok: true, caps: [] };
  const caps: CapEntry[] = [];
  const seen = new Set<number>();
  let ptr = cfg[PCI_CAPABILITY_LIST]! & 0xfc;
  while (ptr !== 0) {
    if (ptr < 0x40) return { ok: false, why: `capability pointer 0x${ptr.toString(16)} points into the header` };
    if (ptr + 2 > cfg.length) {
      return {
        ok: false,
        why: cfg.length <= PCI_CONFIG_UNPRIVILEGED
          ? `config space read was truncated to ${cfg.length} bytes (unprivileged reads stop at 64; read as root to see capabilities)`
          : `capability at 0x${ptr.toString(16)} lies past the ${cfg.length} bytes read`,
      };
    }
    if (seen.has(ptr)) return { ok: false, why: `capability list loops at 0x${ptr.toString(16)}` };
    seen.add(ptr);
    caps.push({ id: cfg[ptr]!, offset: ptr });
    ptr = cfg[ptr + 1]! & 0xfc;
  }
  return { ok: true, caps };
}

function u16(b: Uint8Array, o: number): number { return b[o]! | (b[o + 1]! << 8); }
function u32(b: Uint8Array, o: number): number { return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0; }

/** MSI capability (pci_regs.h PCI_MSI_*): 32- or 64-bit layout, optional per-vector mask. */
export function parseMsiCap(cfg: Uint8Array, off: number): MsiCap | string {
  const flags = u16(cfg, off + 2);
  const is64 = (flags & PCI_MSI_FLAGS_64BIT) !== 0;
  const perVectorMask = (flags & PCI_MSI_FLAGS_MASKBIT) !== 0;
  const len = 10 + (is64 ? 4 : 0) + (perVectorMask ? 10 : 0);
  if (off + len > cfg.length) return `MSI capability at 0x${off.toString(16)} runs past the ${cfg.length} bytes read`;
  const lo = u32(cfg, off + 4);
  const hi = is64 ? u32(cfg, off + 8) : 0;
  const data = u16(cfg, off + (is64 ? 0x0c : 0x08));
  const maskBits = perVectorMask ? u32(cfg, off + (is64 ? 0x10 : 0x0c)) : null;
  return {
    offset: off,
    enabled: (flags & PCI_MSI_FLAGS_ENABLE) !== 0,
    is64,
    perVectorMask,
    multiCapable: (flags & PCI_MSI_FLAGS_QMASK) >> 1,
    multiEnabled: (flags & PCI_MSI_FLAGS_QSIZE) >> 4,
    address: hex((BigInt(hi) << 32n) | BigInt(lo)),
    data,
    maskBits,
  };
}

/** MSI-X capability (pci_regs.h PCI_MSIX_*): table size − 1 in QSIZE, BIR in bits 2:0 of table/PBA. */
export function parseMsixCap(cfg: Uint8Array, off: number): MsixCap | string {
  if (off + 12 > cfg.length) return `MSI-X capability at 0x${off.toString(16)} runs past the ${cfg.length} bytes read`;
  const flags = u16(cfg, off + 2);
  const table = u32(cfg, off + 4);
  const pba = u32(cfg, off + 8);
  return {
    offset: off,
    enabled: (flags & PCI_MSIX_FLAGS_ENABLE) !== 0,
    maskAll: (flags & PCI_MSIX_FLAGS_MASKALL) !== 0,
    tableSize: (flags & PCI_MSIX_FLAGS_QSIZE) + 1,
    tableBar: table & 0x7,
    tableOffset: (table & ~0x7) >>> 0,
    pbaBar: pba & 0x7,
    pbaOffset: (pba & ~0x7) >>> 0,
  };
}

export interface ConfigCaps {
  size: number;
  /** Why the capability list could not be walked (null when it could). */
  why: string | null;
  msi: MsiCap | null | string;
  msix: MsixCap | null | string;
}

/** Parse both interrupt capabilities; a string in msi/msix says why it could not be read. */
export function parseConfigCaps(cfg: Uint8Array): ConfigCaps {
  const walk = walkCapabilities(cfg);
  if (!walk.ok) return { size: cfg.length, why: walk.why, msi: walk.why, msix: walk.why };
  const msi = walk.caps.find((c) => c.id === PCI_CAP_ID_MSI);
  const msix = walk.caps.find((c) => c.id === PCI_CAP_ID_MSIX);
  return {
    size: cfg.length,
    why: null,
    msi: msi ? parseMsiCap(cfg, msi.offset) : null,
    msix: msix ? parseMsixCap(cfg, msix.offset) : null,
  };
}

/** The message of MSI vector `index`: one address for all vectors; the low log2(n) data bits carry the index. */
export function msiVectorMessage(cap: MsiCap, index: number): { address: string; data: number } {
  const n = cap.multiEnabled;
  const mask = (1 << n) - 1;
  return { address: cap.address, data: (cap.data & ~mask & 0xffff) | (index & mask) };
}
