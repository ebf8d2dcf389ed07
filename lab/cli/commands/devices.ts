// SPDX-License-Identifier: MIT
// `doorbell devices [--json]`: PCI devices with their binding, IOMMU group, holder and vectors.
import type { DeviceSummary } from '../../../common/model/index.js';
import { EXIT, parseFlags, type Command } from '../context.js';

/** Left-aligned text table with a header row; columns separated by two spaces. */
export function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

function hex4(n: number): string { return n.toString(16).padStart(4, '0'); }

function binding(d: DeviceSummary): string {
  switch (d.binding.kind) {
    case 'vfio-cdev': return `vfio ${d.binding.cdev.replace('/dev/vfio/devices/', '')}`;
    case 'vfio-group': return `vfio group ${d.binding.group}`;
    case 'host': return d.binding.driver;
    case 'unbound': return '(unbound)';
  }
}

function holder(d: DeviceSummary): string {
  switch (d.holder.kind) {
    case 'process': return `${d.holder.comm}[${d.holder.pid}]`;
    case 'doorbell': return 'doorbell';
    case 'free': return '-';
    case 'unknown': return '?';
  }
}

function irqCaps(d: DeviceSummary): string {
  const parts: string[] = [];
  if (d.msix.ok) { if (d.msix.value) parts.push(`MSI-X ${d.msix.value.tableSize}${d.msix.value.enabled ? '+' : ''}`); } else parts.push('MSI-X ?');
  if (d.msi.ok) { if (d.msi.value) parts.push(`MSI ${1 << d.msi.value.multiCapable}${d.msi.value.enabled ? '+' : ''}`); } else if (d.msix.ok) parts.push('MSI ?');
  return parts.join(', ') || '-';
}

export const devices: Command = {
  name: 'devices',
  summary: 'List PCI devices: binding, IOMMU group, holder and MSI/MSI-X vectors in use',
  usage: 'doorbell [--lab SPEC] devices [--json]',
  async run(args, ctx) {
    const { flags, positional, unknown } = parseFlags(args, { bools: ['json'] });
    if (unknown.length > 0 || positional.length > 0) {
      ctx.err(`doorbell devices: unexpected ${[...unknown, ...positional].join(' ')}\nusage: ${this.usage}`);
      return EXIT.USAGE;
    }
    const lab = await ctx.openLab();
    try {
      const devs = await lab.devices();
      if (flags.json) {
        ctx.out(JSON.stringify(devs, null, 2));
        return EXIT.OK;
      }
      const rows = devs.map((d) => [
        d.bdf, `${hex4(d.vendor)}:${hex4(d.device)}`, d.className ?? `class ${d.classCode.toString(16).padStart(6, '0')}`,
        binding(d), d.iommuGroup === null ? '-' : String(d.iommuGroup), holder(d), String(d.vectorCount), irqCaps(d),
      ]);
      ctx.out(table(['BDF', 'ID', 'CLASS', 'DRIVER', 'GROUP', 'HOLDER', 'IRQS', 'CAPS (+ enabled)'], rows));
      const unreadable = devs.find((d) => !d.msix.ok);
      if (unreadable && !unreadable.msix.ok) ctx.err(`note: ${unreadable.msix.why}`);
      return EXIT.OK;
    } finally {
      await lab.close();
    }
  },
};
