// SPDX-License-Identifier: MIT
// Which interrupt controller composed an MSI message. Named by the IRQ's domain chain (debugfs) or,
// failing that, by the chip name's prefix (/sys/kernel/irq/N/chip_name) — never guessed from the
// address bits: an arm64 doorbell and an x86 remappable address can look alike.
import type { ControllerKind } from '../model/vector.js';

export interface ControllerHints {
  /** `IR-…` chip names exist for both Intel VT-d and AMD-Vi; the IOMMU unit names which (dmarN / ivhdN). */
  irVendor?: 'intel' | 'amd' | null;
  /** uname machine; `PCI-MSI(X)-…` without a prefix means the x86 vector domain only on x86. */
  arch?: string | null;
}

function fromDomainName(n: string): ControllerKind | null {
  const u = n.toUpperCase();
  if (u.startsWith('INTEL-IR')) return 'intel-ir';
  if (u.startsWith('AMD-IR')) return 'amd-ir';
  if (u.includes('IMSIC')) return 'riscv-imsic';
  if (u.includes('V2M')) return 'gic-v2m';
  if (/(^|[^A-Z])ITS([^A-Z]|$)/.test(u)) return 'gic-its';
  return null;
}

/**
 * chain: domain names from debugfs, device's MSI domain first (IR-PCI-MSIX-…, INTEL-IR-0-12, VECTOR).
 * The remapping domain, when present, composes the message, so it wins over the VECTOR root.
 */
export function controllerFromChain(chain: readonly string[], chip: string | null, hints: ControllerHints = {}): ControllerKind {
  const kinds = chain.map(fromDomainName).filter((k): k is ControllerKind => k !== null);
  for (const k of ['intel-ir', 'amd-ir', 'gic-its', 'gic-v2m', 'riscv-imsic'] as const) if (kinds.includes(k)) return k;
  if (chain.some((n) => n.toUpperCase() === 'VECTOR')) return 'x86-vector';
  if (chip === null) return 'unknown';
  // Chip names (kernel/irq/msi.c, per-device MSI domains 6.2+ on x86, 6.11+ on arm64).
  const c = chip.toUpperCase();
  if (c.startsWith('IR-PCI-MSI') || c.startsWith('IR-')) {
    if (hints.irVendor === 'intel') return 'intel-ir';
    if (hints.irVendor === 'amd') return 'amd-ir';
    return 'unknown';
  }
  if (c.startsWith('ITS-') || c === 'ITS') return 'gic-its';
  if (c.startsWith('GICV2M')) return 'gic-v2m';
  if (c.includes('IMSIC')) return 'riscv-imsic';
  if (c.startsWith('PCI-MSI')) {
    const a = hints.arch ?? null;
    if (a === null || a === 'x86_64' || a === 'x64' || a === 'i686' || a === 'ia32') return 'x86-vector';
    return 'unknown';
  }
  return 'unknown';
}
