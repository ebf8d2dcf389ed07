// SPDX-License-Identifier: MIT
// Address spaces a passive reader can see: one per IOMMU group (no IOAS is open here). Allowed
// IOVA = the complement of the group's reserved regions. Doorbell pages are inferred — no uAPI
// lists them (domain.md §0.3): the x86 0xFEE window is never translated; on ARM/RISC-V the `msi`
// region is the SW_MSI window where the kernel maps the doorbell page itself, and the pages
// actually in use are the pages of the vectors' addresses that fall inside it.
import { big, hex, U64_MAX } from '../../common/model/hex.js';
import type { AddressSpace, DoorbellKind, DoorbellPage, IovaRange, VectorMarker } from '../../common/model/addrspace.js';
import type { IommuGroup } from '../../common/model/lab.js';
import type { ControllerKind, DeviceVectors } from '../../common/model/vector.js';

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

/** The doorbell a controller's message writes to, for pages no reserved region names. */
const KIND_OF: Partial<Record<ControllerKind, DoorbellKind>> = { 'gic-its': 'its-translater', 'gic-v2m': 'gic-v2m', 'riscv-imsic': 'imsic-hart' };

/**
 * `driverOf`: the driver bound to a device of the group (null: none). A host driver (not vfio)
 * keeps its device in the group's default domain.
 */
export function groupAddressSpace(g: IommuGroup, vectors: DeviceVectors[], arch: string | null, driverOf: (bdf: string) => string | null = () => null): AddressSpace {
  const doorbells: DoorbellPage[] = [];
  const x86 = arch === null || arch === 'x86_64' || arch === 'x64';
  const addrs: { bdf: string; index: number; irq: number | null; address: bigint; hex: string; controller: ControllerKind }[] = [];
  for (const dv of vectors) {
    for (const v of dv.vectors) {
      const m = v.message.ok ? v.message.value : v.cachedMessage.ok ? v.cachedMessage.value : null;
      if (m) addrs.push({ bdf: dv.bdf, index: v.index, irq: v.irq, address: big(m.address), hex: m.address, controller: v.controller });
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
  // A device its host driver owns is in the group's default domain. With a DMA-API domain (DMA,
  // DMA-FQ), dma-iommu maps the doorbell page itself, at an IOVA from its own allocator (below
  // 4 GiB first: 0xfffff000 on arm64), and composes the message with it (iommu_dma_get_msi_page,
  // iommu_dma_compose_msi_msg): such an address is a doorbell mapping, not a miss, wherever it
  // is. A device on vfio-pci gets no such mapping: its doorbell must be in the msi window above.
  if (g.defaultDomain === 'DMA' || g.defaultDomain === 'DMA-FQ') {
    const hostOwned = new Set(g.devices.filter((b) => { const drv = driverOf(b); return drv !== null && !drv.includes('vfio'); }));
    const dma = new Map<bigint, typeof addrs>();
    for (const a of addrs) {
      if (!hostOwned.has(a.bdf) || !KIND_OF[a.controller] || doorbells.some((d) => contains(d, a.address))) continue;
      const p = a.address & ~(PAGE - 1n);
      dma.set(p, [...(dma.get(p) ?? []), a]);
    }
    for (const [p, users] of [...dma].sort(([a], [b]) => (a < b ? -1 : 1))) {
      doorbells.push({
        start: hex(p), last: hex(p + PAGE - 1n), kind: KIND_OF[users[0]!.controller]!, pa: null, mappedBy: 'kernel-dma-api',
        label: `doorbell page mapped by the kernel's DMA API for its host driver (inferred, IOVA from dma-iommu's allocator)`,
        evidence: [
          `/sys/kernel/iommu_groups/${g.id}/type: ${g.defaultDomain}`,
          `vector address ${users[0]!.hex} of ${[...new Set(users.map((u) => u.bdf))].join(', ')} (${users.length} vector${users.length === 1 ? '' : 's'}), on a host driver`,
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
