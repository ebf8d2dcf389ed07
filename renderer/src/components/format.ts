// SPDX-License-Identifier: MIT
// Pure formatting for the views: the same strings go on screen, into tooltips and into the text a
// user copies into a bug report, so a screenshot and a paste say the same thing.
import { formatCpuList } from '../../../common/cpulist.js';
import type { Binding, DecodedMessage, Holder, KernelOp, Read, VectorRow } from '../../../common/model/index.js';

export function num(n: number | null | undefined, hex: boolean): string {
  if (n === null || n === undefined) return '—';
  return hex ? `0x${n.toString(16)}` : String(n);
}

export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** "0-3,8" or "∅"; an unreadable list shows "?" and the reason is in the tooltip. */
export function cpus(r: Read<number[]>): string {
  return r.ok ? formatCpuList(r.value) || '∅' : '?';
}

/**
 * Wall-clock time of a read, local, 24-hour HH:MM:SS — the same on every machine, so screenshots
 * and pasted tables from different labs read alike. Not Intl/toLocaleTimeString: the first ICU
 * formatter in a fresh page costs ~100 ms, and the first table render shows hundreds of these.
 */
export function clockTime(at: number): string {
  const d = new Date(at);
  const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function age(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 1) return 'just now';
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** Tooltip for any value: where it came from and how old it is, or why it could not be read. */
export function provenance(r: Read<unknown>, now = Date.now()): string {
  if (!r.ok) return `not read: ${r.why}${r.from ? `\nsource: ${r.from.source}${r.from.path ? ` ${r.from.path}` : ''}` : ''}`;
  const f = r.from;
  return `source: ${f.source}${f.origin ? ` (originally ${f.origin})` : ''}${f.path ? `\n${f.path}` : ''}\nread ${clockTime(f.at)} (${age(f.at, now)})`;
}

export function decoded(d: DecodedMessage, hex = true): string {
  switch (d.kind) {
    case 'x86-compat':
      return `APIC ${num(d.destApicId, hex)} vec ${num(d.vector, hex)}${d.destModeLogical ? ' logical' : ''}${d.levelTriggered ? ' level' : ''}`;
    case 'intel-remap':
      return `IRTE ${d.handle}${d.shv && d.subhandle !== null ? `+${d.subhandle}` : ''} → ${d.irteTargetApicId !== null ? `APIC ${num(d.irteTargetApicId, hex)}` : 'target unknown'}`;
    case 'amd-remap':
      return `IRTE ${d.irteIndex} → ${d.irteTargetApicId !== null ? `APIC ${num(d.irteTargetApicId, hex)}` : 'target unknown'}`;
    case 'its':
      return `ITS ${d.doorbell} EventID ${num(d.eventId, hex)}`;
    case 'v2m':
      return `v2m ${d.doorbell} SPI ${d.spi}`;
    case 'imsic':
      return `IMSIC ${d.hart !== null ? `hart ${d.hart}` : `page ${d.page} (unknown hart)`} id ${num(d.identity, hex)}${d.guestFile ? ` guest ${d.guestFile}` : ''}`;
    case 'undecoded':
      return 'undecoded';
  }
  return '';
}

/** What the decode means for the target CPU, in words (the tooltip of the decoded cell). */
export function decodedWhy(d: DecodedMessage): string {
  switch (d.kind) {
    case 'x86-compat': return 'Compatibility-format x86 MSI: the destination APIC ID and vector are in the message itself.';
    case 'intel-remap': return d.irteTargetApicId !== null
      ? 'Remappable format: the message names an IRTE; the target APIC ID was read from the IRTE (debugfs).'
      : 'Remappable format: the message names an IRTE; its target is in the IOMMU\'s table (not readable here: mount debugfs as root).';
    case 'amd-remap': return 'AMD-Vi remapped: the data names an IRTE index; the target is in the IOMMU\'s table.';
    case 'its': return 'GICv3 ITS: the message carries the doorbell (GITS_TRANSLATER) and EventID only. The DeviceID is the requester ID; the target CPU comes from the ITS collection, not from the message.';
    case 'v2m': return 'GICv2m: the data is the SPI number.';
    case 'imsic': return 'RISC-V IMSIC: the address is the target hart\'s interrupt-file page, the data is the interrupt identity.';
    case 'undecoded': return d.why;
  }
  return '';
}

export function binding(b: Binding): string {
  switch (b.kind) {
    case 'vfio-cdev': return `vfio-pci (cdev ${b.cdev}${b.group !== null ? `, group ${b.group}` : ''})`;
    case 'vfio-group': return `vfio-pci (group ${b.group})`;
    case 'host': return `host driver ${b.driver}`;
    case 'unbound': return 'no driver';
  }
  return '';
}

export function holder(h: Holder): string {
  switch (h.kind) {
    case 'doorbell': return 'Doorbell (this session)';
    case 'process': return `${h.comm} (pid ${h.pid})`;
    case 'free': return '—';
    case 'unknown': return `unknown: ${h.why}`;
  }
  return '';
}

export function sum(a: readonly number[] | undefined): number {
  let t = 0;
  if (a) for (const x of a) t += x;
  return t;
}

export function rateText(r: number): string {
  if (r === 0) return '0';
  if (r < 10) return r.toFixed(1);
  if (r < 10000) return Math.round(r).toString();
  return `${(r / 1000).toFixed(1)}k`;
}

export const VECTOR_COLUMNS = ['#', 'IRQ', 'Chip', 'hwirq', 'Address', 'Data', 'Masked', 'Decoded', 'Eventfd', 'Affinity', 'Effective', 'Count', 'Rate/s'] as const;

/** One vector as tab-separated text (the order of VECTOR_COLUMNS); unreadable values say why. */
export function vectorCells(v: VectorRow, hex: boolean, total: number, rate: number): string[] {
  const msg = v.message.ok ? v.message.value : v.cachedMessage.ok ? v.cachedMessage.value : null;
  const msgNote = v.message.ok ? '' : v.cachedMessage.ok ? ' (kernel cache)' : '';
  return [
    String(v.index),
    v.irq === null ? '—' : String(v.irq),
    v.chip ?? '—',
    num(v.hwirq, hex),
    msg ? `${msg.address}${msgNote}` : `unreadable: ${v.message.ok ? '' : v.message.why}`,
    msg ? num(msg.data, hex) : '—',
    v.masked.ok ? (v.masked.value ? 'masked' : 'no') : '?',
    v.decoded.kind === 'undecoded' ? `undecoded: ${v.decoded.why}` : decoded(v.decoded, hex),
    v.eventfd,
    cpus(v.affinity),
    `${cpus(v.effective)}${v.pending ? ' (move pending)' : ''}`,
    String(total),
    rateText(rate),
  ];
}

export function tableText(rows: string[][]): string {
  return [VECTOR_COLUMNS.join('\t'), ...rows.map((r) => r.join('\t'))].join('\n');
}

export function opArgs(o: KernelOp): string {
  return Object.entries(o.args).map(([k, v]) => `${k}=${String(v)}`).join(' ');
}

export function opResult(o: KernelOp): string {
  return o.ok ? `ok${o.ret !== null ? ` (${o.ret})` : ''}` : `${o.errnoName ?? 'error'}${o.errno !== null ? ` (${o.errno})` : ''}`;
}

export function opLine(o: KernelOp): string {
  return `${new Date(o.at).toISOString()}\t#${o.seq}\t${o.kind}\t${o.op}\t${o.bdf ?? '-'}\t${opArgs(o)}\t${opResult(o)}\t${o.durationUs} us`;
}

/**
 * Copy text. navigator.clipboard needs a secure context and a focused document, which a served
 * page or a test browser may not have: fall back to selecting a textarea and execCommand('copy').
 * Returns how it was copied (the text stays in the page's copy buffer either way).
 */
export async function copyText(text: string, el: HTMLElement | null): Promise<'clipboard' | 'selection' | 'none'> {
  const buffer = el as HTMLTextAreaElement | null;
  if (buffer) buffer.value = text;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return 'clipboard';
    }
  } catch { /* fall through to the selection copy */ }
  if (!buffer) return 'none';
  buffer.focus();
  buffer.select();
  try {
    // Deprecated but still the only copy that works without the Clipboard API permission.
    return document.execCommand('copy') ? 'selection' : 'none';
  } catch {
    return 'none';
  }
}

/**
 * `text` cut to `chars` characters, the last one an ellipsis when it was longer. The vector table
 * truncates its fixed-width cells this way rather than with a clipping `overflow: hidden` per cell:
 * each clip is a paint property node, and ~600 of them in view cost Chromium a third of the slow
 * frames while the table scrolls during live updates (npm run bench: ui).
 */
export function fit(text: string, chars: number): string {
  const n = Math.max(1, Math.floor(chars));
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

/** A cell's text cut to `chars` (fit), and its tooltip: `why`, preceded by the whole value when it was cut. */
export function cut(text: string, chars: number, why = ''): { t: string; title: string | undefined } {
  const t = fit(text, chars);
  return { t, title: (t === text ? why : why ? `${text}\n\n${why}` : text) || undefined };
}
