// SPDX-License-Identifier: MIT
// The real MSI-X table (PCI spec; pci_regs.h PCI_MSIX_ENTRY_*): 16 bytes per vector at
// table_offset + 16*i in BAR BIR — LOWER_ADDR, UPPER_ADDR, DATA, VECTOR_CTRL (bit 0 = masked).
// Without a VFIO device fd the only way to read it is a root mmap of
// /sys/bus/pci/devices/<BDF>/resourceN (0600; refused under kernel lockdown). Entries are read as
// 32-bit words: the table does not promise byte accesses.
import { hex } from '../../common/model/hex.js';
import type { MsixCap } from '../../common/model/lab.js';
import type { MsiMessage } from '../../common/model/vector.js';
import { errnoName } from '../../common/errno.js';
import { libc } from '../sys/libc.js';
import type { SysRoot } from '../sysfs/root.js';

export interface MsixEntry extends MsiMessage {
  index: number;
  vectorCtrl: number;
  masked: boolean;
}

export type MsixTableRead =
  | { ok: true; entries: MsixEntry[]; path: string }
  | { ok: false; why: string; path: string };

const O_RDONLY = 0, O_CLOEXEC = 0o2000000, PROT_READ = 1, MAP_SHARED = 1, MAP_FAILED = (1n << 64n) - 1n;
const PAGE = 4096;

/** Decode `n` entries from 32-bit words (as read from the table). */
export function decodeMsixEntries(words: ArrayLike<number>, n: number): MsixEntry[] {
  const out: MsixEntry[] = [];
  for (let i = 0; i < n; i++) {
    const lo = words[i * 4]! >>> 0, hi = words[i * 4 + 1]! >>> 0, data = words[i * 4 + 2]! >>> 0, ctrl = words[i * 4 + 3]! >>> 0;
    out.push({ index: i, address: hex((BigInt(hi) << 32n) | BigInt(lo)), data, vectorCtrl: ctrl, masked: (ctrl & 1) === 1 });
  }
  return out;
}

/**
 * Read the table through resourceN. Kept apart from the sysfs readers: it is the only read here
 * that maps device memory, and it only makes sense on the live machine as root.
 */
export function readMsixTableViaResource(root: SysRoot, bdf: string, cap: MsixCap): MsixTableRead {
  const kpath = `/sys/bus/pci/devices/${bdf}/resource${cap.tableBar}`;
  if (!root.exists(kpath)) {
    return { ok: false, path: kpath, why: `MSI-X table not readable: no resource${cap.tableBar} file for BAR ${cap.tableBar} in ${root.isHost ? 'this machine\'s sysfs' : 'this captured tree'}` };
  }
  if (!root.isHost) return { ok: false, path: kpath, why: 'MSI-X table not readable: a captured tree holds no device memory' };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { ok: false, path: kpath, why: `MSI-X table not readable: ${kpath} is 0600 (root only)` };
  }
  let c;
  try { c = libc(); } catch (e) { return { ok: false, path: kpath, why: `MSI-X table not readable: ${(e as Error).message}` }; }
  const fd = c.open(kpath, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return { ok: false, path: kpath, why: `MSI-X table not readable: open ${kpath} failed with ${errnoName(c.errno())}` };
  try {
    const start = Math.floor(cap.tableOffset / PAGE) * PAGE;
    const len = Math.ceil((cap.tableOffset - start + 16 * cap.tableSize) / PAGE) * PAGE;
    // SAFETY: a read-only shared mapping of the BAR, unmapped before returning; words are copied out.
    const addr = c.mmap(null, len, PROT_READ, MAP_SHARED, fd, start);
    if (addr === MAP_FAILED || addr === -1n) {
      return { ok: false, path: kpath, why: `MSI-X table not readable: mmap ${kpath} failed with ${errnoName(c.errno())} (kernel lockdown refuses resource mmaps)` };
    }
    try {
      const words: number[] = [];
      for (let k = 0; k < cap.tableSize * 4; k++) {
        words.push(c.koffi.decode(addr, cap.tableOffset - start + k * 4, 'uint32_t') as number);
      }
      return { ok: true, path: kpath, entries: decodeMsixEntries(words, cap.tableSize) };
    } finally {
      c.munmap(addr, len);
    }
  } finally {
    c.close(fd);
  }
}
