// SPDX-License-Identifier: MIT
// IOMMU groups (/sys/kernel/iommu_groups/<N>/{devices/,reserved_regions,type}) and IOMMU units
// (/sys/class/iommu/<unit>). reserved_regions lines are `0x%016llx 0x%016llx %s` with an
// inclusive end; `type` is the group's default domain, not what VFIO attached.
import type { IommuUnit, ReservedRegion } from '../../common/model/lab.js';
import { hex } from '../../common/model/hex.js';
import { firstLine, parseError, type SysRoot } from './root.js';

export const IOMMU_GROUPS = '/sys/kernel/iommu_groups';

export interface RawGroup {
  id: number;
  devices: string[];
  reserved: ReservedRegion[];
  type: string | null;
}

export function parseReservedRegions(root: SysRoot, kpath: string, text: string): ReservedRegion[] {
  const out: ReservedRegion[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === '') continue;
    const m = /^0x([0-9a-fA-F]{1,16})\s+0x([0-9a-fA-F]{1,16})\s+(\S+)$/.exec(l);
    if (!m) throw parseError(kpath, root.p(kpath), i + 1, `expected "0xSTART 0xEND TYPE", found ${JSON.stringify(l)}`);
    const start = BigInt(`0x${m[1]}`), last = BigInt(`0x${m[2]}`);
    if (last < start) throw parseError(kpath, root.p(kpath), i + 1, `region end 0x${m[2]} is below its start 0x${m[1]}`);
    out.push({ start: hex(start), last: hex(last), type: m[3]! });
  }
  return out;
}

export function readIommuGroups(root: SysRoot): RawGroup[] {
  const ids = root.list(IOMMU_GROUPS).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  return ids.map((id) => {
    const dir = `${IOMMU_GROUPS}/${id}`;
    const rr = root.textOr(`${dir}/reserved_regions`);
    const type = root.textOr(`${dir}/type`);
    return {
      id,
      devices: root.list(`${dir}/devices`),
      reserved: rr === null ? [] : parseReservedRegions(root, `${dir}/reserved_regions`, rr),
      type: type === null ? null : firstLine(type) || null,
    };
  });
}

export function iommuKind(name: string): IommuUnit['kind'] {
  if (/^dmar\d+$/.test(name)) return 'intel-vtd';
  if (/^ivhd\d+$/.test(name)) return 'amd-vi';
  if (name.startsWith('smmu3.')) return 'arm-smmuv3';
  if (name.startsWith('riscv-iommu') || name.startsWith('riscv_iommu')) return 'riscv-iommu';
  if (name.startsWith('virtio-iommu') || /^virtio\d+$/.test(name)) return 'virtio-iommu';
  return 'unknown';
}

/** Unit names from /sys/class/iommu (entries are links; in captured trees they may dangle, so only names are used). */
export function readIommuUnitNames(root: SysRoot): string[] {
  return root.list('/sys/class/iommu');
}
