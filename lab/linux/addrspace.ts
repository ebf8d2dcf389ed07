// SPDX-License-Identifier: MIT
// Address spaces a passive reader can see: one per IOMMU group (no IOAS is open here). Allowed
// IOVA = the complement of the group's reserved regions. Doorbell pages are inferred — no uAPI
// lists them (domain.md §0.3): the x86 0xFEE window is never translated; on ARM/RISC-V the `msi`
// region is the SW_MSI window where the kernel maps the doorbell page itself, and the pages
// actually in use are the pages of the vectors' addresses that fall inside it.
import { big, hex, U64_MAX } from '../../common/model/hex.js';
import type { AddressSpace, DoorbellPage, IovaRange, VectorMarker } from '../../common/model/addrspace.js';
import type { IommuGroup } from '../../common/model/lab.js';
import type { DeviceVectors } from '../../common/model/vector.js';

const PAGE = 0x1000n;

export function complement(reserved: readonly IovaRange[]): IovaRange[] {
  const rs = reserved.map((r) => ({ s: big(r.start), l: big(r.last) })).sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : 0));
  const out: IovaRange[] = [];
  let next = 0n;
  for (const r of rs) {
    if (r.s > next) out.push({ start: hex(next), last: hex(r.s - 1n) });
    if (r.l + 1n > next) next = r.l + 1n;
    if (next > U64_MAX) return out;
  }
  if (next <= U64_MAX) out.push({ start: hex(next), last: hex(U64_MAX) });
  return out;
}

function contains(r: IovaRange, a: bigint): boolean {
  return big(r.start) <= a && a <= big(r.last);
}

export function groupAddressSpace(g: IommuGroup, vectors: DeviceVectors[], arch: string | null): AddressSpace {
  const doorbells: DoorbellPage[] = [];
  const x86 = arch === null || arch === 'x86_64' || arch === 'x64';
  const addrs: { bdf: string; index: number; irq: number | null; address: bigint; hex: string }[] = [];
  for (const dv of vectors) {
    for (const v of dv.vectors) {
      const m = v.message.ok ? v.message.value : v.cachedMessage.ok ? v.cachedMessage.value : null;
      if (m) addrs.push({ bdf: dv.bdf, index: v.index, irq: v.irq, address: big(m.address), hex: m.address });
    }
  }
  for (const r of g.reserved) {
    if (r.type !== 'msi') continue;
    const s = big(r.start);
    if (x86 && s === 0xfee00000n) {
      doorbells.push({
        start: r.start, last: r.last, kind: 'x86-msi-window', pa: r.start, mappedBy: 'untranslated',
        label: 'x86 interrupt window 0xFEE00000–0xFEEFFFFF (never translated by the IOMMU)',
        evidence: [`/sys/kernel/iommu_groups/${g.id}/reserved_regions: ${r.start} ${r.last} msi`],
      });
      continue;
    }
    // SW_MSI window: the kernel maps each doorbell page at sw_msi_start + pgoff*PAGE_SIZE.
    const pages = [...new Set(addrs.filter((a) => contains(r, a.address)).map((a) => a.address & ~(PAGE - 1n)))].sort((a, b) => (a < b ? -1 : 1));
    if (pages.length === 0) {
      doorbells.push({
        start: r.start, last: r.last, kind: 'its-translater', pa: null, mappedBy: 'kernel-sw-msi',
        label: 'kernel-managed SW_MSI window (no vector uses it yet)',
        evidence: [`/sys/kernel/iommu_groups/${g.id}/reserved_regions: ${r.start} ${r.last} msi`],
      });
    }
    for (const p of pages) {
      const users = addrs.filter((a) => (a.address & ~(PAGE - 1n)) === p);
      doorbells.push({
        start: hex(p), last: hex(p + PAGE - 1n), kind: 'its-translater', pa: null, mappedBy: 'kernel-sw-msi',
        label: `kernel-managed SW_MSI mapping of a doorbell page (inferred, not an IOAS area)`,
        evidence: [
          `/sys/kernel/iommu_groups/${g.id}/reserved_regions: ${r.start} ${r.last} msi`,
          `vector address ${users[0]!.hex} (${users.length} vector${users.length === 1 ? '' : 's'})`,
        ],
      });
    }
  }
  const markers: VectorMarker[] = addrs.map((a) => {
    const i = doorbells.findIndex((d) => contains(d, a.address));
    return {
      bdf: a.bdf, index: a.index, irq: a.irq, address: a.hex,
      hits: i >= 0 ? { ok: true, doorbell: i } : { ok: false, why: `address ${a.hex} is in no doorbell page of group ${g.id}` },
    };
  });
  return {
    id: `group:${g.id}`,
    kind: 'group',
    label: `IOMMU group ${g.id}${g.defaultDomain ? ` (default domain ${g.defaultDomain})` : ''}`,
    devices: g.devices,
    allowed: complement(g.reserved),
    reserved: g.reserved.map((r) => ({ start: r.start, last: r.last, type: r.type })),
    mappings: [],
    doorbells,
    vectors: markers,
    unavailable: 'no IOAS is open in this session: allowed ranges are the complement of the group\'s reserved regions (the IOMMU aperture is not known without IOMMU_IOAS_IOVA_RANGES), and mappings made by the process holding the device cannot be read',
  };
}
