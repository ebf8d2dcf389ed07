// SPDX-License-Identifier: MIT
import type { Hex } from './hex.js';
import type { Read } from './source.js';

/** The interrupt controller that composed a message, named by the IRQ's domain chain — never
 *  guessed from address bits (an arm64 doorbell and an x86 remappable address can look alike). */
export type ControllerKind = 'x86-vector' | 'intel-ir' | 'amd-ir' | 'gic-its' | 'gic-v2m' | 'riscv-imsic' | 'unknown';

export interface MsiMessage {
  address: Hex;
  data: number;
}

export type DecodedMessage =
  | {
      kind: 'x86-compat';                 // 0xFEExxxxx, destination APIC ID in the address
      destApicId: number;
      vector: number;
      destModeLogical: boolean;
      redirectHint: boolean;
      deliveryMode: number;
      levelTriggered: boolean;
    }
  | {
      kind: 'intel-remap';                // remappable format: IRTE handle in the address
      handle: number;
      shv: boolean;
      subhandle: number | null;
      /** From debugfs, when the IRTE can be read: the CPU the IRTE targets now. */
      irteTargetApicId: number | null;
    }
  | { kind: 'amd-remap'; irteIndex: number; irteTargetApicId: number | null }
  | {
      kind: 'its';                        // GICv3 ITS: data = EventID; DeviceID is sideband (requester ID)
      doorbell: Hex;
      eventId: number;
    }
  | { kind: 'v2m'; doorbell: Hex; spi: number }
  | {
      kind: 'imsic';                      // RISC-V AIA: address = target hart's interrupt-file page
      page: Hex;
      hart: number | null;                // null when the page is not one of the known hart pages
      guestFile: number;
      identity: number;
    }
  | { kind: 'undecoded'; why: string };

export type EventfdState = 'assigned' | 'none' | 'unknown';

export interface VectorRow {
  index: number;
  kind: 'msi' | 'msix';
  /** Linux IRQ number (null: the vector is not allocated). */
  irq: number | null;
  chip: string | null;
  hwirq: number | null;
  /** IRQ domain hierarchy, innermost first (from debugfs, the simulator, or inferred from the chip name). */
  domainChain: Read<string[]>;
  controller: ControllerKind;
  actions: string[];
  /** The message the device holds (MSI-X table entry or MSI capability). */
  message: Read<MsiMessage>;
  /** The kernel's cached composed message (debugfs); shown beside `message`, mismatch flagged. */
  cachedMessage: Read<MsiMessage>;
  masked: Read<boolean>;
  decoded: DecodedMessage;
  eventfd: EventfdState;
  affinity: Read<number[]>;
  effective: Read<number[]>;
  /** A requested move the hardware has not applied yet (effective outside requested). */
  pending: boolean;
  /** Interrupt counts indexed by CPU number (offline CPUs are 0). */
  counts: Read<number[]>;
}

export interface DeviceVectors {
  bdf: string;
  vectors: VectorRow[];
  /** Why some vectors could not be read, once for the table (e.g. MSI-X table not mappable). */
  notes: string[];
}

/** The Linux IRQs of a table's allocated vectors (a vector without one has no IRQ yet). */
export function irqsOf(t: Pick<DeviceVectors, 'vectors'>): number[] {
  return t.vectors.map((x) => x.irq).filter((x): x is number => x !== null);
}
