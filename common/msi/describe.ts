// SPDX-License-Identifier: MIT
import type { DecodedMessage } from '../model/vector.js';

/** One short plain-text line per decoded message, for the CLI and the mailing-list report. */
export function describeDecoded(d: DecodedMessage, opts: { undecoded?: string } = {}): string {
  switch (d.kind) {
    case 'x86-compat': return `APIC ${d.destApicId} vec ${d.vector}${d.destModeLogical ? ' logical' : ''}`;
    case 'intel-remap': return `IRTE ${d.handle}${d.shv ? `+${d.subhandle ?? 0}` : ''}${d.irteTargetApicId !== null ? ` -> APIC ${d.irteTargetApicId}` : ''}`;
    case 'amd-remap': return `IRTE ${d.irteIndex}${d.irteTargetApicId !== null ? ` -> APIC ${d.irteTargetApicId}` : ''}`;
    case 'its': return `ITS ${d.doorbell} event ${d.eventId}`;
    case 'v2m': return `v2m ${d.doorbell} SPI ${d.spi}`;
    case 'imsic': return `IMSIC hart ${d.hart ?? '?'} file ${d.guestFile} id ${d.identity}`;
    case 'undecoded': return opts.undecoded ?? 'undecoded';
  }
}
