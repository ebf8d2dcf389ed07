// SPDX-License-Identifier: MIT
// The plain-text bug report: what a kernel mailing list needs to read a report without opening
// Doorbell — kernel and command line, platform, the device's vector table, the address map, the
// findings, the last affinity edits with verdicts, and the reproduction steps. Pure: snapshot in,
// text out; plain ASCII tables, no ANSI, lines kept within 100 columns where the data allows.
import { describeDecoded } from '../../common/msi/describe.js';
import { formatCpuList } from '../../common/cpulist.js';
import type {
  AddressSpace, DeviceSummary, DeviceVectors, KernelOp, Read, VectorRow,
} from '../../common/model/index.js';
import type { Snapshot } from '../snapshot/format.js';

export interface ReportOptions {
  /** Only this device's vectors and address spaces (default: every device with vectors). */
  device?: string;
  /** Rows of a vector table before the rest is summarised (the snapshot has them all). */
  maxVectors?: number;
  /** Kernel log entries at the end. */
  maxLog?: number;
  /** Affinity edits shown. */
  maxEdits?: number;
}

const WIDTH = 72;
/** Tables may run wider than prose, up to this; their last column wraps. */
const TABLE_WIDTH = 100;

function table(header: string[], rows: string[][], indent = 2): string[] {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const lead = w.slice(0, -1).reduce((a, b) => a + b + 2, indent);
  const room = Math.max(24, TABLE_WIDTH - lead);
  const out: string[] = [];
  for (const r of [header, ...rows]) {
    const head = r.slice(0, -1).map((c, i) => c.padEnd(w[i]!)).join('  ');
    const last = r[r.length - 1] ?? '';
    const parts = last.length > room ? wrap(last, room, '') : [last];
    out.push(`${' '.repeat(indent)}${head}${head ? '  ' : ''}${parts[0]}`.trimEnd());
    for (const more of parts.slice(1)) out.push(`${' '.repeat(lead)}${more}`.trimEnd());
  }
  return out;
}

/** Word-wrap `text` to `width` with `indent` on continuation lines (long words are not split). */
export function wrap(text: string, width = WIDTH, indent = '    '): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) { out.push(line); line = indent + word; } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.length ? out : [''];
}

function heading(title: string): string[] {
  return ['', title, '-'.repeat(Math.min(title.length, WIDTH))];
}

function hex4(n: number): string { return n.toString(16).padStart(4, '0'); }

function cpus(r: Read<number[]>): string {
  return r.ok ? formatCpuList(r.value) || '-' : '?';
}

function caps(d: DeviceSummary): string {
  const parts: string[] = [];
  if (!d.msix.ok) parts.push('MSI-X ?');
  else if (d.msix.value) parts.push(`MSI-X ${d.msix.value.tableSize}${d.msix.value.enabled ? ' on' : ''}`);
  if (!d.msi.ok) parts.push('MSI ?');
  else if (d.msi.value) parts.push(`MSI ${1 << d.msi.value.multiCapable}${d.msi.value.enabled ? ' on' : ''}`);
  return parts.join(', ') || '-';
}

function binding(d: DeviceSummary): string {
  switch (d.binding.kind) {
    case 'vfio-cdev': return `vfio-pci ${d.binding.cdev.replace('/dev/vfio/devices/', '')}`;
    case 'vfio-group': return `vfio-pci group ${d.binding.group}`;
    case 'host': return d.binding.driver;
    case 'unbound': return '(unbound)';
  }
}

/** Interrupts per second per IRQ, summed over CPUs, from the snapshot's two samples. */
export function ratesFromSamples(s: Snapshot['payload']['samples']): Map<number, number> {
  const [a, b] = s;
  const dt = b.mono - a.mono;
  const out = new Map<number, number>();
  if (!(dt > 0)) return out;
  const before = new Map(a.irqs);
  for (const [irq, counts] of b.irqs) {
    const prev = before.get(irq);
    if (!prev) continue;
    const d = counts.reduce((x, y) => x + y, 0) - prev.reduce((x, y) => x + y, 0);
    out.set(irq, d >= 0 ? (d * 1000) / dt : 0);
  }
  return out;
}

function rate(r: number | undefined): string {
  if (r === undefined) return '-';
  return r >= 100 ? String(Math.round(r)) : r.toFixed(1);
}

function vectorTable(dv: DeviceVectors, rates: Map<number, number>, max: number): string[] {
  const rows = dv.vectors.slice(0, max).map((v: VectorRow) => {
    const m = v.message.ok ? v.message : v.cachedMessage.ok ? v.cachedMessage : null;
    const mismatch = v.message.ok && v.cachedMessage.ok &&
      (v.message.value.address !== v.cachedMessage.value.address || v.message.value.data !== v.cachedMessage.value.data);
    return [
      String(v.index), v.kind === 'msix' ? 'X' : 'M', v.irq === null ? '-' : String(v.irq),
      m ? m.value.address : '?', m ? `0x${m.value.data.toString(16)}` : '?',
      v.masked.ok ? (v.masked.value ? 'y' : 'n') : '?',
      cpus(v.affinity), `${cpus(v.effective)}${v.pending ? '*' : ''}`,
      v.irq === null ? '-' : rate(rates.get(v.irq)),
      `${describeDecoded(v.decoded)}${mismatch ? ' [!cached differs]' : ''}`,
    ];
  });
  const out = table(['IDX', 'K', 'IRQ', 'ADDRESS', 'DATA', 'M', 'AFFINITY', 'EFFECTIVE', 'IRQ/S', 'DECODED'], rows);
  if (dv.vectors.length > max) out.push(`  … ${dv.vectors.length - max} more vectors (all are in the snapshot)`);
  // Where the messages came from, once per table rather than per row.
  const src = new Map<string, number>();
  for (const v of dv.vectors) {
    const m = v.message.ok ? v.message : v.cachedMessage.ok ? v.cachedMessage : null;
    const k = m ? (m.from.origin ?? m.from.source) + (v.message.ok ? '' : ' (kernel cache)') : 'unreadable';
    src.set(k, (src.get(k) ?? 0) + 1);
  }
  if (dv.vectors.length > 0) {
    out.push(...wrap(`messages read from: ${[...src].map(([k, n]) => `${k} (${n})`).join(', ')}`, WIDTH, '    ').map((l) => `  ${l}`));
    out.push('  K: X = MSI-X, M = MSI; M: masked; * = affinity move pending; IRQ/S over the capture interval');
  }
  const unread = dv.vectors.find((v) => !v.message.ok);
  if (unread && !unread.message.ok) out.push(...wrap(`message unreadable: ${unread.message.why}`, WIDTH).map((l) => `  ${l}`));
  const whys = new Set(dv.vectors.flatMap((v) => (v.decoded.kind === 'undecoded' ? [v.decoded.why] : [])));
  for (const why of whys) out.push(...wrap(`undecoded: ${why}`, WIDTH).map((l) => `  ${l}`));
  for (const n of dv.notes) out.push(...wrap(`note: ${n}`, WIDTH).map((l) => `  ${l}`));
  return out;
}

function addressMap(a: AddressSpace): string[] {
  const out = [`  ${a.id}  ${a.label}`, ...wrap(`devices: ${a.devices.join(' ') || '-'}`, WIDTH, '      ').map((l) => `    ${l}`)];
  if (a.unavailable) out.push(...wrap(`unavailable: ${a.unavailable}`, WIDTH).map((l) => `    ${l}`));
  const rows: string[][] = [];
  for (const r of a.allowed) rows.push(['allowed', r.start, r.last, '']);
  for (const r of a.reserved) rows.push(['reserved', r.start, r.last, r.type]);
  for (const m of a.mappings) rows.push(['mapping', m.start, m.last, `${m.label}${m.flags.length ? ` [${m.flags.join(',')}]` : ''}`]);
  a.doorbells.forEach((d, i) => rows.push([`doorbell#${i}`, d.start, d.last, `${d.label}, ${d.mappedBy}`]));
  rows.sort((x, y) => (BigInt(x[1]!) < BigInt(y[1]!) ? -1 : BigInt(x[1]!) > BigInt(y[1]!) ? 1 : 0));
  if (rows.length) out.push(...table(['WHAT', 'START', 'LAST', 'DETAIL'], rows, 4));
  const miss = a.vectors.filter((v) => !v.hits.ok);
  const hit = a.vectors.length - miss.length;
  if (a.vectors.length) out.push(`    vectors: ${hit} of ${a.vectors.length} land on a doorbell page`);
  for (const v of miss.slice(0, 16)) {
    if (!v.hits.ok) out.push(...wrap(`MISS ${v.bdf} vector ${v.index} (IRQ ${v.irq ?? '-'}) at ${v.address}: ${v.hits.why}`, WIDTH, '        ').map((l) => `    ${l}`));
  }
  if (miss.length > 16) out.push(`    … ${miss.length - 16} more vectors miss`);
  return out;
}

function logLine(o: KernelOp): string {
  const args = Object.entries(o.args).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  const res = o.ok ? `= ${o.ret ?? 0}` : `= -1 ${o.errnoName ?? ''} (${o.errno ?? '?'})`;
  return `  ${new Date(o.at).toISOString().slice(11, 23)}  ${o.op}${args ? ` ${args}` : ''} ${res}`;
}

export function renderReport(snap: Snapshot, opts: ReportOptions = {}): string {
  const { header, payload: p } = snap;
  const maxVectors = opts.maxVectors ?? 256;
  const rates = ratesFromSamples(p.samples);
  const L: string[] = [];
  L.push(`Doorbell report: ${p.info.title}`);
  L.push('='.repeat(Math.min(WIDTH, 17 + p.info.title.length)));
  L.push(`captured   ${header.createdAt} by Doorbell ${header.doorbell}`);
  L.push(...wrap(p.info.spec, WIDTH - 11, '').map((l, i) => `${i === 0 ? 'lab        ' : '           '}${l}`));
  if (header.redacted.length) L.push(`redacted   ${header.redacted.join(', ')}`);
  const dt = p.samples[1].mono - p.samples[0].mono;
  L.push(`samples    2, ${Math.round(dt)} ms apart (rates below are over that interval)`);

  L.push(...heading('Kernel'));
  L.push(`  release  ${p.info.kernel.release}`);
  L.push(...wrap(p.info.kernel.version, WIDTH - 11, '').map((l, i) => `  ${i === 0 ? 'version  ' : '         '}${l}`));
  L.push(...wrap(p.info.kernel.cmdline || '(empty)', WIDTH - 11, '').map((l, i) => `  ${i === 0 ? 'cmdline  ' : '         '}${l}`));

  L.push(...heading('Platform'));
  L.push(`  arch ${p.info.arch}, host ${p.info.hostname || '-'}, lab ${p.info.backend} (${p.info.reason})`.slice(0, 100));
  L.push(`  CPUs online ${formatCpuList(p.cpus.online) || '-'} of possible ${formatCpuList(p.cpus.possible) || '-'}, isolated ${formatCpuList(p.cpus.isolated) || '-'}, ${p.cpus.nodes.length} NUMA node${p.cpus.nodes.length === 1 ? '' : 's'}`);
  L.push(...table(['FEATURE', 'STATE', 'HOW'], p.info.features.map((f) => [f.id, f.state, f.how])));
  if (p.iommus.length) L.push(...table(['IOMMU', 'KIND', 'DEVICES'], p.iommus.map((u) => [u.name, u.kind, String(u.devices.length)])));
  else L.push('  no IOMMU units');
  if (p.groups.length) {
    L.push(...table(['GROUP', 'TYPE', 'VFIO-VIABLE', 'DEVICES'], p.groups.map((g) => [
      String(g.id), g.defaultDomain ?? '-', g.viable.ok ? 'yes' : 'no', g.devices.join(' ')])));
  }

  L.push(...heading('Devices'));
  L.push(...table(['BDF', 'ID', 'DRIVER', 'GROUP', 'IRQS', 'CAPS', 'NAME'], p.devices.map((d) => [
    d.bdf, `${hex4(d.vendor)}:${hex4(d.device)}`, binding(d), d.iommuGroup === null ? '-' : String(d.iommuGroup),
    String(d.vectorCount), caps(d), [d.vendorName, d.deviceName].filter(Boolean).join(' ') || (d.className ?? '-'),
  ])));

  const chosen = opts.device
    ? p.vectors.filter((v) => v.bdf === opts.device)
    : p.vectors.filter((v) => !v.result.ok || v.result.value.vectors.length > 0);
  if (opts.device && chosen.length === 0) L.push('', `Device ${opts.device}: not in this snapshot`);
  for (const v of chosen) {
    const d = p.devices.find((x) => x.bdf === v.bdf);
    const name = d ? [d.vendorName, d.deviceName].filter(Boolean).join(' ') : '';
    L.push(...heading(`Vectors of ${v.bdf}${name ? ` (${name})` : ''}`));
    if (d) L.push(`  driver ${binding(d)}, IOMMU group ${d.iommuGroup ?? '-'}, holder ${d.holder.kind === 'process' ? `${d.holder.comm}[${d.holder.pid}]` : d.holder.kind}, ${caps(d)}`);
    if (!v.result.ok) L.push(...wrap(`could not read: ${v.result.error.message} (${v.result.error.op}); hint: ${v.result.error.hint}`, WIDTH).map((l) => `  ${l}`));
    else if (v.result.value.vectors.length === 0) L.push('  no MSI/MSI-X vectors allocated');
    else L.push(...vectorTable(v.result.value, rates, maxVectors));
  }

  L.push(...heading('Address map'));
  if (!p.addressSpaces.ok) L.push(...wrap(`could not read: ${p.addressSpaces.error.message}`, WIDTH).map((l) => `  ${l}`));
  else {
    const spaces = opts.device ? p.addressSpaces.value.filter((a) => a.devices.includes(opts.device!)) : p.addressSpaces.value;
    if (spaces.length === 0) L.push('  no address spaces (no IOMMU groups or IOAS' + (opts.device ? ` for ${opts.device})` : ')'));
    for (const a of spaces) L.push(...addressMap(a));
  }

  if (p.findings && p.findings.length) {
    const fs = opts.device ? p.findings.filter((f) => f.bdf === null || f.bdf === opts.device) : p.findings;
    L.push(...heading(`Findings (${fs.length})`));
    for (const f of fs) {
      L.push(...wrap(`[${f.severity.toUpperCase()}] ${f.title}${f.bdf ? ` (${f.bdf}${f.vector !== null ? ` vector ${f.vector}` : ''})` : ''}`, WIDTH, '      ').map((l) => `  ${l}`));
      L.push(...wrap(f.detail, WIDTH, '      ').map((l) => `      ${l}`));
      for (const [k, val] of Object.entries(f.evidence ?? {})) L.push(`      ${k}: ${String(val)}`);
    }
  }

  if (p.journal && p.journal.length) {
    const max = opts.maxEdits ?? 20;
    const edits = p.journal.slice(-max);
    L.push(...heading(`Affinity edits (last ${edits.length} of ${p.journal.length})`));
    L.push(...table(['TIME', 'IRQ', 'VECTOR', 'BEFORE', 'REQUESTED', 'EFFECTIVE', 'VERDICT'], edits.map((e) => [
      new Date(e.at).toISOString().slice(11, 19), String(e.irq), e.bdf ? `${e.bdf}#${e.index ?? '?'}` : '-',
      formatCpuList(e.before) || '-', formatCpuList(e.requested) || '-', e.effective ? formatCpuList(e.effective) || '-' : '?', e.verdict,
    ])));
    for (const e of edits.filter((x) => x.verdict !== 'verified' && x.detail)) L.push(...wrap(`IRQ ${e.irq}: ${e.detail}`, WIDTH).map((l) => `  ${l}`));
  }

  L.push(...heading('Reproduction steps'));
  if (p.reproduction && p.reproduction.length) p.reproduction.forEach((s, i) => L.push(...wrap(`${i + 1}. ${s}`, WIDTH, '     ').map((l) => `  ${l}`)));
  else L.push('  (none recorded: describe what you did before this state)');

  const maxLog = opts.maxLog ?? 30;
  if (p.kernelLog.length) {
    const ops = p.kernelLog.slice(-maxLog);
    L.push(...heading(`Kernel interaction log (last ${ops.length} of ${p.kernelLog.length})`));
    for (const o of ops) L.push(logLine(o).slice(0, 100));
  }
  L.push('', `-- the snapshot beside this report opens read-only with: doorbell --lab snapshot:FILE`);
  return `${L.join('\n')}\n`;
}
