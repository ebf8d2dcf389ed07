// SPDX-License-Identifier: MIT
import type { Hex } from './hex.js';

export interface IovaRange {
  start: Hex;
  last: Hex;          // inclusive, like struct iommu_iova_range
}

export type DoorbellKind = 'its-translater' | 'gic-v2m' | 'imsic-hart' | 'x86-msi-window';

export interface DoorbellPage extends IovaRange {
  kind: DoorbellKind;
  label: string;                      // "ITS translater page (PA 0x20200000)", "IMSIC page of hart 3"
  /** Physical address the page maps to, where known. */
  pa: Hex | null;
  hart?: number;
  /**
   * How the page reaches the device:
   * - kernel-sw-msi: iommufd/dma-iommu maps it at the SW_MSI window (not an IOAS area; inferred)
   * - kernel-dma-api: dma-iommu maps it for a host driver's DMA domain, at an IOVA of its own
   *   allocator (iommu_dma_get_msi_page; inferred from the vector address)
   * - user-area: userspace created the IOAS area (per-vector-table profile)
   * - untranslated: x86 0xFEE window, never translated by the IOMMU
   * - identity: no IOMMU translation (IOVA = PA)
   */
  mappedBy: 'kernel-sw-msi' | 'kernel-dma-api' | 'user-area' | 'untranslated' | 'identity';
  /** What the page is known from: reserved_regions, the IOVA_RANGES hole, a vector address, the scenario. */
  evidence: string[];
}

export interface UserMapping extends IovaRange {
  label: string;
  userVa: Hex | null;
  flags: string[];                    // READABLE, WRITEABLE
}

export interface VectorMarker {
  bdf: string;
  index: number;
  irq: number | null;
  address: Hex;
  /** The doorbell page that contains the address, or why none does. */
  hits: { ok: true; doorbell: number } | { ok: false; why: string };
}

export interface AddressSpace {
  id: string;                         // "ioas:2" or "group:7"
  kind: 'ioas' | 'group';
  label: string;
  devices: string[];
  /** Allowed IOVA ranges (IOMMU_IOAS_IOVA_RANGES), or the complement of reserved regions for a group. */
  allowed: IovaRange[];
  reserved: (IovaRange & { type: string })[];
  mappings: UserMapping[];
  doorbells: DoorbellPage[];
  vectors: VectorMarker[];
  /** Set when part of the space cannot be read (e.g. another process holds the IOAS). */
  unavailable: string | null;
}
