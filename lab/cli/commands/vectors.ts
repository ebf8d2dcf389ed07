// SPDX-License-Identifier: MIT
// `doorbell vectors BDF [--json]`: one device's MSI/MSI-X vectors — IRQ, message, decode,
// affinity and counts — each value with the source it was read from.
import { describeDecoded as describe } from '../../../common/msi/describe.js';
import { formatCpuList } from '../../../common/cpulist.js';
import type { DecodedMessage, VectorRow } from '../../../common/model/index.js';
import { EXIT, notBdf, parseBdf, parseFlags, type Command } from '../context.js';
import { table } from './devices.js';

export interface VectorJson {
  index: number;
  kind: 'msi' | 'msix';
  irq: number | null;
  chip: string | null;
  hwirq: number | null;
  controller: string;
  domainChain: string[] | null;
  actions: string[];
  /** The device's own message when readable, else the kernel's cached one (see `source`). */
  address: string | null;
  data: number | null;
  /** Where address/data came from: resource-mmap, config, debugfs, … or null when unreadable. */
  source: string | null;
  messageWhy: string | null;
  cachedAddress: string | null;
  cachedData: number | null;
  masked: boolean | null;
  affinity: string | null;
  effectiveAffinity: string | null;
  pending: boolean;
  eventfd: string;
  counts: number[] | null;
  decoded: DecodedMessage;
}

export function vectorJson(v: VectorRow): VectorJson {
  const m = v.message.ok ? v.message : v.cachedMessage.ok ? v.cachedMessage : null;
  return {
    index: v.index,
    kind: v.kind,
    irq: v.irq,
    chip: v.chip,
    hwirq: v.hwirq,
    controller: v.controller,
    domainChain: v.domainChain.ok ? v.domainChain.value : null,
    actions: v.actions,
    address: m ? m.value.address : null,
    data: m ? m.value.data : null,
    source: m ? m.from.source : null,
    messageWhy: v.message.ok ? null : v.message.why,
    cachedAddress: v.cachedMessage.ok ? v.cachedMessage.value.address : null,
    cachedData: v.cachedMessage.ok ? v.cachedMessage.value.data : null,
    masked: v.masked.ok ? v.masked.value : null,
    affinity: v.affinity.ok ? formatCpuList(v.affinity.value) : null,
    effectiveAffinity: v.effective.ok ? formatCpuList(v.effective.value) : null,
    pending: v.pending,
    eventfd: v.eventfd,
    counts: v.counts.ok ? v.counts.value : null,
    decoded: v.decoded,
  };
}

/** The CLI's column: '-' when undecoded. */
export function describeDecoded(d: DecodedMessage): string {
  return describe(d, { undecoded: '-' });
}

export const vectors: Command = {
  name: 'vectors',
  summary: 'Show one device\'s MSI/MSI-X vectors: IRQ, message, decode, affinity, counts',
  usage: 'doorbell [--lab SPEC] vectors BDF [--json]',
  async run(args, ctx) {
    const { flags, positional, unknown } = parseFlags(args, { bools: ['json'] });
    if (unknown.length > 0 || positional.length !== 1) {
      ctx.err(`doorbell vectors: ${positional.length === 0 ? 'needs a BDF' : `unexpected ${[...unknown, ...positional.slice(1)].join(' ')}`}\nusage: ${this.usage}`);
      return EXIT.USAGE;
    }
    const bdf = parseBdf(positional[0]!);
    if (!bdf) {
      ctx.err(`doorbell vectors: ${notBdf(positional[0]!)}\nusage: ${this.usage}`);
      return EXIT.USAGE;
    }
    const lab = await ctx.openLab();
    try {
      const dv = await lab.vectors(bdf);
      const rows = dv.vectors.map(vectorJson);
      if (flags.json) {
        ctx.out(JSON.stringify({ bdf: dv.bdf, vectors: rows, notes: dv.notes }, null, 2));
        return EXIT.OK;
      }
      if (rows.length === 0) ctx.out(`${dv.bdf}: no MSI/MSI-X vectors allocated (msi_irqs/ is empty)`);
      else {
        ctx.out(table(
          ['IDX', 'KIND', 'IRQ', 'ADDRESS', 'DATA', 'SRC', 'MASK', 'AFFINITY', 'EFFECTIVE', 'COUNTS', 'DECODED', 'ACTIONS'],
          rows.map((r) => [
            String(r.index), r.kind, r.irq === null ? '-' : String(r.irq),
            r.address ?? '?', r.data === null ? '?' : `0x${r.data.toString(16)}`, r.source ?? '-',
            r.masked === null ? '?' : r.masked ? 'yes' : 'no',
            r.affinity ?? '?', `${r.effectiveAffinity ?? '?'}${r.pending ? ' (pending)' : ''}`,
            r.counts ? r.counts.join('/') : '?', describeDecoded(r.decoded), r.actions.join(',') || '-',
          ]),
        ));
      }
      for (const n of dv.notes) ctx.out(`note: ${n}`);
      return EXIT.OK;
    } finally {
      await lab.close();
    }
  },
};
