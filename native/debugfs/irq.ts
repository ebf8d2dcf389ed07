// SPDX-License-Identifier: MIT
// /sys/kernel/debug/irq/irqs/<N> (CONFIG_GENERIC_IRQ_DEBUGFS, kernel/irq/debugfs.c). Format learnt
// from Linux 7.3.4 files (test/fixtures/sysroots/x86-vtd-vfio-e1000e): top-level `key: value`
// lines (handler, device, node, affinity, effectiv, pending), then the domain hierarchy, outermost
// (the device's MSI domain) first, each level indented one more step:
//   domain:  IR-PCI-MSIX-0000:00:02.0-11 / hwirq: 0x1 / chip: … / flags … /
//   address_hi: 0x00000000 / address_lo: 0xfee00258 / msg_data: 0x00000000   (MSI levels only)
//   parent: → domain:  INTEL-IR-0-12 … parent: → domain:  VECTOR … Vector: 36 / Target: 1
// The message lines are the kernel's cached composed message (msi_desc->msg) for this IRQ.
import { hex } from '../../common/model/hex.js';
import type { MsiMessage } from '../../common/model/vector.js';
import { parseError, type SysRoot } from '../sysfs/root.js';

export const DEBUGFS_IRQS = '/sys/kernel/debug/irq/irqs';

export interface DebugfsDomainLevel {
  domain: string;
  hwirq: number | null;
  chip: string | null;
  /** x86 VECTOR level: the CPU vector and the target CPU. */
  vector?: number;
  target?: number;
}

export interface DebugfsIrq {
  irq: number;
  handler: string | null;
  device: string | null;
  affinity: string | null;
  effective: string | null;
  /** Outermost (device MSI domain) first, as printed; the root domain (VECTOR, ITS, …) last. */
  levels: DebugfsDomainLevel[];
  message: MsiMessage | null;
}

export function parseDebugfsIrq(root: SysRoot, irq: number, text: string): DebugfsIrq {
  const kpath = `${DEBUGFS_IRQS}/${irq}`;
  const out: DebugfsIrq = { irq, handler: null, device: null, affinity: null, effective: null, levels: [], message: null };
  let hi: number | null = null, lo: number | null = null, data: number | null = null;
  const lines = text.split('\n');
  const num = (v: string, ln: number, what: string): number => {
    const m = /^(0x[0-9a-fA-F]+|\d+)$/.exec(v);
    if (!m) throw parseError(kpath, root.p(kpath), ln, `${what} is ${JSON.stringify(v)}, not a number`);
    return v.startsWith('0x') ? parseInt(v.slice(2), 16) : parseInt(v, 10);
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const c = raw.indexOf(':');
    if (c < 0) continue;               // flag-name lines (IRQD_…, IRQCHIP_…) and blanks
    const key = raw.slice(0, c).trim();
    const val = raw.slice(c + 1).trim();
    const cur = out.levels[out.levels.length - 1];
    switch (key) {
      case 'handler': if (out.levels.length === 0) out.handler = val || null; break;
      case 'device': if (out.levels.length === 0) out.device = val || null; break;
      case 'affinity': if (out.levels.length === 0) out.affinity = val; break;
      case 'effectiv': if (out.levels.length === 0) out.effective = val; break;
      case 'domain': out.levels.push({ domain: val, hwirq: null, chip: null }); break;
      case 'hwirq': if (cur) cur.hwirq = num(val, i + 1, 'hwirq'); break;
      case 'chip': if (cur) cur.chip = val || null; break;
      case 'Vector': if (cur) cur.vector = num(val, i + 1, 'Vector'); break;
      case 'Target': if (cur) cur.target = num(val, i + 1, 'Target'); break;
      case 'address_hi': hi = num(val, i + 1, 'address_hi'); break;
      case 'address_lo': lo = num(val, i + 1, 'address_lo'); break;
      case 'msg_data': data = num(val, i + 1, 'msg_data'); break;
      default: break;
    }
  }
  if (lo !== null || hi !== null || data !== null) {
    if (lo === null || hi === null || data === null) {
      throw parseError(kpath, root.p(kpath), lines.length, 'the MSI message is incomplete (address_hi, address_lo and msg_data must all be present)', 'The file looks truncated; read it again.');
    }
    out.message = { address: hex((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)), data: data >>> 0 };
  }
  return out;
}

export function debugfsIrqDirPresent(root: SysRoot): boolean {
  return root.exists(DEBUGFS_IRQS);
}

/** null when debugfs is not mounted/readable here or the IRQ has no file. */
export function readDebugfsIrq(root: SysRoot, irq: number): DebugfsIrq | null {
  let text: string | null;
  try { text = root.textOr(`${DEBUGFS_IRQS}/${irq}`); } catch { return null; }
  return text === null ? null : parseDebugfsIrq(root, irq, text);
}

/** Domain names, the device's MSI domain first and the root controller (VECTOR, ITS, IMSIC…) last. */
export function domainChain(d: DebugfsIrq): string[] {
  return d.levels.map((l) => l.domain);
}
