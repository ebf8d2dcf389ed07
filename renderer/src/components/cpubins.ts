// SPDX-License-Identifier: MIT
// Per-CPU heatmap layout: one cell per CPU up to a budget, then contiguous CPU ranges per cell,
// never crossing a NUMA node, so 512 CPUs fit in one table row and a node boundary stays visible.
import { formatCpuList } from '../../../common/cpulist.js';
import type { CpuInfo } from '../../../common/model/index.js';

export type HeatMode = 'rate' | 'count';
/** Heatmap cell width, px. */
export const CELL = 4;

export interface CpuBin {
  cpus: number[];
  node: number | null;
  label: string;        // "8-15"
  /** Cell position (in cells, with a one-cell gap between NUMA nodes). */
  x: number;
}

export interface CpuBins {
  bins: CpuBin[];
  width: number;        // in cells, gaps included
  perCell: number;
}

export function cpuBins(info: Pick<CpuInfo, 'online' | 'possible' | 'nodes'> | null, ncols: number, maxCells = 64): CpuBins {
  let groups: { node: number | null; cpus: number[] }[];
  const known = new Set<number>();
  if (info && info.nodes.length > 0) {
    groups = info.nodes.map((n) => ({ node: n.id, cpus: [...n.cpus].sort((a, b) => a - b) }));
    for (const g of groups) for (const c of g.cpus) known.add(c);
  } else {
    groups = [];
  }
  // CPUs the counters cover but no node lists (no NUMA info, or a captured tree without node/).
  const rest: number[] = [];
  const all = info ? (info.possible.length ? info.possible : info.online) : [];
  for (let c = 0; c < Math.max(ncols, all.length ? Math.max(...all) + 1 : 0); c++) if (!known.has(c)) rest.push(c);
  if (rest.length) groups.push({ node: null, cpus: rest });
  groups = groups.filter((g) => g.cpus.length > 0);
  const total = groups.reduce((a, g) => a + g.cpus.length, 0);
  const perCell = Math.max(1, Math.ceil(total / Math.max(1, maxCells - (groups.length - 1))));
  const bins: CpuBin[] = [];
  let x = 0;
  groups.forEach((g, gi) => {
    if (gi > 0) x += 1;
    for (let i = 0; i < g.cpus.length; i += perCell) {
      const cpus = g.cpus.slice(i, i + perCell);
      bins.push({ cpus, node: g.node, label: formatCpuList(cpus), x: x++ });
    }
  });
  return { bins, width: x, perCell };
}

/** Sum of values over a bin's CPUs (counts or rates are indexed by CPU number). */
export function binValue(values: readonly number[] | undefined, bin: CpuBin): number {
  if (!values) return 0;
  let t = 0;
  for (const c of bin.cpus) t += values[c] ?? 0;
  return t;
}
