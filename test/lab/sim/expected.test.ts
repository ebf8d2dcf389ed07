// SPDX-License-Identifier: MIT
// Expected behaviour per platform × profile × bug: a HAND-WRITTEN table, each row citing the kernel
// source or the seed thread it comes from (not derived from the simulator's code). Each row is
// checked against what a user would see: the vector table, the address-space map, the counters,
// and the errno of an operation.
import { describe, expect, it } from 'vitest';
import { LabFailure } from '../../../common/errors.js';
import { createSimLab } from '../../../lab/sim/index.js';
import type { SimBackend } from '../../../lab/sim/backend.js';

type Row = { scenario: string; params: Record<string, string>; expect: string; cite: string; check: (lab: SimBackend) => Promise<void> | void };

const ARM_VMM = '0000:01:00.0', ARM_VMM2 = '0000:04:00.0', ARM_NVME = '0000:02:00.0';
const X86_VMM = '0000:3b:00.0', RV_VMM = '0000:00:01.0';

async function vec(lab: SimBackend, bdf: string, index: number) {
  const r = (await lab.vectors(bdf)).vectors.find((v) => v.index === index)!;
  if (!r.message.ok || !r.effective.ok || !r.counts.ok) throw new Error('unreadable row');
  return { row: r, addr: r.message.value.address, data: r.message.value.data, eff: r.effective.value, counts: r.counts.value };
}
const delta = (a: number[], b: number[]) => b.map((x, i) => x - (a[i] ?? 0));
const other = (eff: number[], n = 8) => [...Array(n).keys()].find((c) => !eff.includes(c))!;

const ROWS: Row[] = [
  { scenario: 'arm64-its-smmuv3', params: {}, expect: 'upstream non-nested: vector at SW_MSI window 0x08000040, data = EventID; a move sends MOVI only (message unchanged), counts follow',
    cite: 'drivers/irqchip/irq-gic-v3-its.c its_set_affinity; drivers/iommu/iommufd/driver.c iommufd_sw_msi', check: async (lab) => {
      const a = await vec(lab, ARM_VMM2, 1);
      expect(a.addr).toBe('0x8000040'); expect(a.data).toBe(1);
      const to = other(a.eff);
      expect(lab.ops.writeAffinity(a.row.irq!, String(to)).ok).toBe(true);
      lab.advance(1000);
      const b = await vec(lab, ARM_VMM2, 1);
      expect(b.addr).toBe(a.addr); expect(b.eff).toEqual([to]);
      expect(delta(a.counts, b.counts)[to]).toBeGreaterThan(0);
    } },
  { scenario: 'arm64-its-smmuv3', params: {}, expect: 'upstream nested: the physical vector is at 0x08000040 and needs a guest RMR; without one nothing is delivered',
    cite: 'seed thread: RFCv2 cover.1736550979 (RMR option); domain.md §1.6', check: async (lab) => {
      const a = await vec(lab, ARM_VMM, 0);
      expect(a.addr).toBe('0x8000040');
      const m = (await lab.addressSpaces(ARM_VMM)).flatMap((s) => s.vectors).find((v) => v.bdf === ARM_VMM && v.index === 0)!;
      expect(m.hits.ok).toBe(false);
      if (!m.hits.ok) expect(m.hits.why.match(/needs guest RMR/g), m.hits.why).toHaveLength(1);
      lab.advance(1000);
      expect((await vec(lab, ARM_VMM, 0)).counts.every((c) => c === 0)).toBe(true);
    } },
  { scenario: 'arm64-its-smmuv3', params: { profile: 'per-vector-table' }, expect: 'per-vector-table nested: vector at gIOVA 0xEEEE0040 → vITS IPA → PA 0x20200040; delivered',
    cite: 'seed thread: Jason Gunthorpe 20 Nov 2024 (20241120140337.GA772273@nvidia.com); RFCv1 cover.1731130093', check: async (lab) => {
      const a = await vec(lab, ARM_VMM, 0);
      expect(a.addr).toBe('0xeeee0040');
      lab.advance(1000);
      expect((await vec(lab, ARM_VMM, 0)).counts.some((c) => c > 0)).toBe(true);
    } },
  { scenario: 'arm64-its-smmuv3', params: { profile: 'per-vector-table', bug: 'rewrite-default-address' }, expect: 'an affinity rewrite loses the userspace address; the vector stops arriving',
    cite: 'seed thread: Jason Gunthorpe 20 Nov 2024 ("any rewrite must still apply the userspace-provided address")', check: async (lab) => {
      const a = await vec(lab, ARM_VMM, 0);
      expect(lab.ops.writeAffinity(a.row.irq!, String(other(a.eff))).ok).toBe(true);
      const b = await vec(lab, ARM_VMM, 0);
      expect(b.addr).not.toBe('0xeeee0040');
      lab.advance(1000);
      expect((await vec(lab, ARM_VMM, 0)).counts).toEqual(b.counts);
    } },
  { scenario: 'arm64-its-smmuv3', params: { bug: 'lost-movi' }, expect: 'lost MOVI: effective affinity says the new CPU, counts stay on the old one',
    cite: 'drivers/irqchip/irq-gic-v3-its.c its_send_movi / its_set_affinity', check: async (lab) => {
      const a = await vec(lab, ARM_VMM2, 0);
      const to = other(a.eff);
      expect(lab.ops.writeAffinity(a.row.irq!, String(to)).ok).toBe(true);
      lab.advance(1000);
      const b = await vec(lab, ARM_VMM2, 0);
      expect(b.eff).toEqual([to]);
      expect(delta(a.counts, b.counts)[to]).toBe(0);
      expect(delta(a.counts, b.counts)[a.eff[0]!]).toBeGreaterThan(0);
    } },
  { scenario: 'arm64-its-smmuv3', params: {}, expect: 'GICv4 vLPI (posted to a vCPU): a host affinity write is EINVAL',
    cite: 'drivers/irqchip/irq-gic-v3-its.c its_set_affinity (irqd_is_forwarded_to_vcpu → -EINVAL)', check: async (lab) => {
      const a = await vec(lab, ARM_VMM, 63);
      const r = lab.ops.writeAffinity(a.row.irq!, '1');
      expect(r.ok ? null : r.errno).toBe('EINVAL');
    } },
  { scenario: 'arm64-its-smmuv3', params: { bug: 'unmapped-doorbell' }, expect: 'the IOMMU lacks the SW_MSI doorbell page: the map shows every vector red (page not mapped) and lists no mapped doorbell; no interrupts, IOMMU faults',
    cite: 'drivers/iommu/iommufd/driver.c iommufd_sw_msi_install (the page iommufd_sw_msi maps is what makes the vector reach the ITS)', check: async (lab) => {
      lab.advance(1000);
      const v = await lab.vectors(ARM_VMM2);
      expect(v.vectors.every((r) => r.counts.ok && r.counts.value.every((c) => c === 0))).toBe(true);
      expect(v.notes.join(' ')).toMatch(/IOMMU faults/);
      const sp = (await lab.addressSpaces(ARM_VMM2))[0]!;
      expect(sp.vectors.length).toBe(4);
      for (const m of sp.vectors) {
        expect(m.hits.ok).toBe(false);
        if (!m.hits.ok) expect(m.hits.why).toMatch(/0x8000040 is in the SW_MSI window but the doorbell page 0x8000000 .*is not mapped in IOAS \d+ \(bug unmapped-doorbell\)/);
      }
      expect(sp.doorbells.some((p) => BigInt(p.start) <= 0x8000040n && 0x8000040n <= BigInt(p.last))).toBe(false);
    } },
  { scenario: 'arm64-its-smmuv3', params: { bug: 'unmapped-doorbell' }, expect: 'nested without guest RMR stays red for its own reason (stage 1 has no mapping), bug or not',
    cite: 'seed thread: RFCv2 cover.1736550979 (RMR option); domain.md §1.6', check: async (lab) => {
      const ms = (await lab.addressSpaces(ARM_VMM)).filter((s) => s.id.startsWith('ioas:')).flatMap((s) => s.vectors);
      expect(ms.length).toBe(64);
      expect(ms.every((m) => !m.hits.ok && /needs guest RMR/.test(m.hits.why))).toBe(true);
    } },
  { scenario: 'arm64-its-smmuv3', params: { profile: 'per-vector-table', bug: 'unmapped-doorbell' }, expect: 'per-vector-table: the ITS IOAS area userspace created is missing from the page table: vectors red naming the area, the area shown as not mapped, nothing delivered',
    cite: 'seed thread: Jason Gunthorpe 20 Nov 2024 (the ITS page becomes an IOAS area userspace creates)', check: async (lab) => {
      for (const bdf of [ARM_VMM, ARM_VMM2]) {
        const a = await vec(lab, bdf, 0);
        lab.advance(1000);
        expect((await vec(lab, bdf, 0)).counts).toEqual(a.counts);
        const sp = (await lab.addressSpaces(bdf)).find((s) => s.id.startsWith('ioas:'))!;
        expect(sp.vectors.every((m) => !m.hits.ok && /is in the doorbell area .* but the page is not mapped in IOAS \d+.*\(bug unmapped-doorbell\)/.test(m.hits.why))).toBe(true);
        expect(sp.doorbells.filter((p) => p.mappedBy === 'user-area')).toEqual([]);
        expect(sp.mappings.some((m) => /NOT in the IOMMU page table \(bug unmapped-doorbell\)/.test(m.label))).toBe(true);
      }
    } },
  { scenario: 'riscv-aia-imsic', params: { profile: 'per-vector-table', bug: 'unmapped-doorbell' }, expect: 'per-vector-table IMSIC: the per-hart window area is missing from the page table: every vector red, nothing delivered',
    cite: 'seed thread: Jason Gunthorpe 20 Nov 2024 (platforms encoding affinity in the address: one IOVA per hart page)', check: async (lab) => {
      const sp = (await lab.addressSpaces(RV_VMM))[0]!;
      expect(sp.vectors.length).toBeGreaterThan(0);
      expect(sp.vectors.every((m) => !m.hits.ok && /bug unmapped-doorbell/.test(m.hits.why))).toBe(true);
      expect(sp.doorbells.filter((p) => p.kind === 'imsic-hart')).toEqual([]);
    } },
  { scenario: 'arm64-its-smmuv3', params: { profile: 'rfc-v1' }, expect: 'RFCv1 nested: stage 2 maps the vITS IPA page to the ITS itself; the map shows it and the vectors green, and they are delivered',
    cite: 'seed thread: RFCv1 cover.1731130093 (hard-coded vITS IPA → pITS for the nested test)', check: async (lab) => {
      const a = await vec(lab, ARM_VMM, 0);
      expect(a.addr).toBe('0xeeee0040');
      const sp = (await lab.addressSpaces(ARM_VMM)).find((s) => s.id.startsWith('ioas:'))!;
      const m = sp.vectors.find((x) => x.index === 0)!;
      expect(m.hits.ok).toBe(true);
      if (m.hits.ok) expect(sp.doorbells[m.hits.doorbell]!.start).toBe('0x8090000');
      lab.advance(1000);
      expect((await vec(lab, ARM_VMM, 0)).counts.some((c, i) => c > a.counts[i]!)).toBe(true);
    } },
  { scenario: 'arm64-its-smmuv3', params: { profile: 'per-vector-table' }, expect: 'per-vector-table: a table entry pointing at an IOVA with no IOAS doorbell area is red on the map and never arrives; a mapped one is green and arrives',
    cite: 'seed thread: Jason Gunthorpe 20 Nov 2024 (userspace fills the table; the IOVA must be a doorbell area it mapped)', check: async (lab) => {
      const o = lab.ops; const h = o.openIommufd(); const d = o.openDevice('0000:03:00.0');
      if (!h.ok || !d.ok) throw new Error('open failed');
      const ioas = o.ioasAlloc(h.value);
      if (!o.bindIommufd(d.value, h.value).ok || !ioas.ok || !o.attachPt(d.value, ioas.value).ok) throw new Error('setup');
      expect(o.experimental.ioasMapDoorbell(h.value, { ioasId: ioas.value, iova: 0x0a000000n, target: { kind: 'its' } }).ok).toBe(true);
      expect(o.experimental.msiTableSet(d.value, { index: 2, start: 0, entries: [{ iova: 0x0b000000n }, { iova: 0x0a000000n }] }).ok).toBe(true);
      const e0 = o.eventfd(), e1 = o.eventfd();
      if (!e0.ok || !e1.ok) throw new Error('eventfd');
      expect(o.setIrqs(d.value, { index: 2, start: 0, count: 2, action: 'trigger', data: { kind: 'eventfd', fds: [e0.value, e1.value] } }).ok).toBe(true);
      const sp = (await lab.addressSpaces('0000:03:00.0'))[0]!;
      const [m0, m1] = [0, 1].map((i) => sp.vectors.find((x) => x.index === i)!);
      expect(m0!.address).toBe('0xb000040');
      expect(m0!.hits.ok ? null : m0!.hits.why).toMatch(/0xb000040 is not covered by any doorbell page or mapping in IOAS \d+/);
      expect(m1!.hits.ok).toBe(true);
      lab.advance(2000);
      const rows = (await lab.vectors('0000:03:00.0')).vectors;
      const total = (i: number) => { const c = rows[i]!.counts; return c.ok ? c.value.reduce((x, y) => x + y, 0) : -1; };
      expect(total(0)).toBe(0);
      expect(total(1)).toBeGreaterThan(0);
      expect((await lab.vectors('0000:03:00.0')).notes.join(' ')).toMatch(/IOMMU faults on MSI writes: [1-9]/);
    } },
  { scenario: 'arm64-its-smmuv3', params: {}, expect: 'a managed host IRQ (nvme) refuses affinity writes with EPERM',
    cite: 'kernel/irq/proc.c write_irq_affinity (irq_can_set_affinity_usr → -EPERM since 6.12)', check: async (lab) => {
      const a = await vec(lab, ARM_NVME, 0);
      const r = lab.ops.writeAffinity(a.row.irq!, '2');
      expect(r.ok ? null : r.errno).toBe('EPERM');
    } },
  { scenario: 'x86-vtd-ir', params: {}, expect: 'VT-d IR: a move rewrites only the IRTE; the message (remappable format) is unchanged; counts follow',
    cite: 'drivers/iommu/intel/irq_remapping.c intel_ir_set_affinity', check: async (lab) => {
      const a = await vec(lab, X86_VMM, 3);
      expect(a.row.decoded.kind).toBe('intel-remap');
      const to = other(a.eff);
      expect(lab.ops.writeAffinity(a.row.irq!, String(to)).ok).toBe(true);
      lab.advance(1000);
      const b = await vec(lab, X86_VMM, 3);
      expect(b.addr).toBe(a.addr); expect(b.data).toBe(a.data);
      expect(delta(a.counts, b.counts)[to]).toBeGreaterThan(0);
    } },
  { scenario: 'x86-vtd-ir', params: { bug: 'stale-irte' }, expect: 'stale IRTE: effective says the new CPU, counts land on the old one',
    cite: 'drivers/iommu/intel/irq_remapping.c modify_irte / intel_ir_set_affinity', check: async (lab) => {
      const a = await vec(lab, X86_VMM, 3);
      const to = other(a.eff);
      expect(lab.ops.writeAffinity(a.row.irq!, String(to)).ok).toBe(true);
      lab.advance(1000);
      const b = await vec(lab, X86_VMM, 3);
      expect(b.eff).toEqual([to]);
      expect(delta(a.counts, b.counts)[to]).toBe(0);
      expect(delta(a.counts, b.counts)[a.eff[0]!]).toBeGreaterThan(0);
    } },
  { scenario: 'x86-vtd-ir', params: {}, expect: 'x86 posted interrupt: the host write succeeds but does not move it (no host counts)',
    cite: 'drivers/iommu/intel/irq_remapping.c intel_ir_set_vcpu_affinity', check: async (lab) => {
      const a = await vec(lab, X86_VMM, 0);
      expect(lab.ops.writeAffinity(a.row.irq!, String(other(a.eff))).ok).toBe(true);
      lab.advance(1000);
      expect((await vec(lab, X86_VMM, 0)).counts.every((c) => c === 0)).toBe(true);
    } },
  { scenario: 'x86-noir', params: {}, expect: 'no IR: a move rewrites address (APIC ID) and data (vector); a second move before an interrupt is EBUSY',
    cite: 'arch/x86/kernel/apic/msi.c msi_set_affinity; arch/x86/kernel/apic/vector.c assign_vector_locked', check: async (lab) => {
      const a = await vec(lab, X86_VMM, 2);
      expect(a.row.decoded.kind).toBe('x86-compat');
      const to = other(a.eff);
      expect(lab.ops.writeAffinity(a.row.irq!, String(to)).ok).toBe(true);
      const b = await vec(lab, X86_VMM, 2);
      expect(b.addr).not.toBe(a.addr);
      if (b.row.decoded.kind === 'x86-compat') expect(b.row.decoded.destApicId).toBe(to);
      const r = lab.ops.writeAffinity(a.row.irq!, String(other([to, a.eff[0]!])));
      expect(r.ok ? null : r.errno).toBe('EBUSY');
    } },
  { scenario: 'x86-noir', params: { allow_unsafe_interrupts: '0' }, expect: 'no MSI isolation: VFIO_DEVICE_BIND_IOMMUFD is EPERM',
    cite: 'drivers/iommu/iommufd/device.c iommufd_device_bind (iommu_group_has_isolated_msi)', check: (lab) => {
      const h = lab.ops.openIommufd();
      const d = lab.ops.openDevice('0000:af:00.0');
      if (!h.ok || !d.ok) throw new Error('open failed');
      const r = lab.ops.bindIommufd(d.value, h.value);
      expect(r.ok ? null : r.errno).toBe('EPERM');
    } },
  { scenario: 'x86-vtd-ir', params: { profile: 'per-vector-table' }, expect: 'x86: userspace-address operations are EOPNOTSUPP (0xFEE writes are never translated)',
    cite: 'drivers/iommu/intel/irq_remapping.c (interrupt requests bypass DMA translation)', check: (lab) => {
      const h = lab.ops.openIommufd();
      const d = lab.ops.openDevice('0000:af:00.0');
      if (!h.ok || !d.ok) throw new Error('open failed');
      expect(lab.ops.bindIommufd(d.value, h.value).ok).toBe(true);
      const r = lab.ops.experimental.msiTableSet(d.value, { index: 2, start: 0, entries: [{ iova: 0x1000n }] });
      expect(r.ok ? null : r.errno).toBe('EOPNOTSUPP');
    } },
  { scenario: 'riscv-aia-imsic', params: {}, expect: 'IMSIC: a move changes address and data; a mask holding the current hart is a no-op; a move in flight is EBUSY',
    cite: 'drivers/irqchip/irq-riscv-imsic-platform.c imsic_irq_set_affinity', check: async (lab) => {
      const a = await vec(lab, RV_VMM, 0);
      const cur = a.eff[0]!;
      expect(lab.ops.writeAffinity(a.row.irq!, `${cur},${other(a.eff)}`).ok).toBe(true);
      expect((await vec(lab, RV_VMM, 0)).addr).toBe(a.addr);
      const to = other(a.eff);
      expect(lab.ops.writeAffinity(a.row.irq!, String(to)).ok).toBe(true);
      const b = await vec(lab, RV_VMM, 0);
      expect(b.addr).not.toBe(a.addr);
      const r = lab.ops.writeAffinity(a.row.irq!, String(other([to, cur])));
      expect(r.ok ? null : r.errno).toBe('EBUSY');
      lab.advance(1000);
      expect(lab.ops.writeAffinity(a.row.irq!, String(other([to, cur]))).ok).toBe(true);
    } },
  { scenario: 'riscv-aia-imsic', params: { profile: 'per-vector-table', bug: 'rewrite-default-address' }, expect: 'per-hart window lost on a move: the physical hart page is not mapped, delivery stops',
    cite: 'seed thread: Jason Gunthorpe 20 Nov 2024 (platforms encoding affinity in the address)', check: async (lab) => {
      const a = await vec(lab, RV_VMM, 0);
      expect(BigInt(a.addr) >= 0x30000000n).toBe(true);
      expect(lab.ops.writeAffinity(a.row.irq!, String(other(a.eff))).ok).toBe(true);
      const b = await vec(lab, RV_VMM, 0);
      expect(BigInt(b.addr) < 0x30000000n).toBe(true);
      lab.advance(1000);
      expect((await vec(lab, RV_VMM, 0)).counts).toEqual(b.counts);
    } },
  { scenario: 'arm64-its-smmuv3', params: {}, expect: 'upstream: unmerged operations answer as Linux 7.3 would (table ENOTTY, prepare EINVAL, SW_MSI option EOPNOTSUPP)',
    cite: 'drivers/vfio/vfio_main.c vfio_set_irqs_validate_and_prepare; include/uapi/linux/iommufd.h enum iommufd_option', check: (lab) => {
      const h = lab.ops.openIommufd(); const d = lab.ops.openDevice('0000:03:00.0');
      if (!h.ok || !d.ok) throw new Error('open failed');
      const b = lab.ops.bindIommufd(d.value, h.value);
      if (!b.ok) throw new Error('bind failed');
      const x = lab.ops.experimental;
      const e = (r: { ok: boolean; errno?: string }) => (r.ok ? null : r.errno);
      expect(e(x.msiTableSet(d.value, { index: 2, start: 0, entries: [{ iova: 0n }] }))).toBe('ENOTTY');
      expect(e(x.msiPrepare(d.value, { index: 2, start: 0, iovas: [0n] }))).toBe('EINVAL');
      expect(e(x.swMsiSet(h.value, { devId: b.value.devId, which: 'start', value: 0x0c000000n }))).toBe('EOPNOTSUPP');
      expect(e(x.ioasMapDoorbell(h.value, { ioasId: 1, iova: 0n, target: { kind: 'its' } }))).toBe('ENOTTY');
    } },
  { scenario: 'arm64-its-smmuv3', params: { profile: 'sw-msi-option' }, expect: 'SW_MSI_START: 1 MB aligned (EINVAL), before attach only (EBUSY); the IOVA hole moves',
    cite: 'seed thread series: Part-2 RMR v2 cover.1760487869 (IOMMU_OPTION_SW_MSI_START/SIZE)', check: (lab) => {
      const o = lab.ops; const h = o.openIommufd(); const d = o.openDevice('0000:03:00.0');
      if (!h.ok || !d.ok) throw new Error('open failed');
      const b = o.bindIommufd(d.value, h.value); const ioas = o.ioasAlloc(h.value);
      if (!b.ok || !ioas.ok) throw new Error('bind failed');
      const set = (v: bigint) => o.experimental.swMsiSet(h.value, { devId: b.value.devId, which: 'start', value: v });
      const r1 = set(0x0c000800n); expect(r1.ok ? null : r1.errno).toBe('EINVAL');
      expect(set(0x0c000000n).ok).toBe(true);
      expect(o.attachPt(d.value, ioas.value).ok).toBe(true);
      const r2 = set(0x0d000000n); expect(r2.ok ? null : r2.errno).toBe('EBUSY');
      const rg = o.ioasIovaRanges(h.value, ioas.value);
      if (!rg.ok) throw new Error('ranges');
      expect(rg.value.ranges[0]!.last).toBe('0xbffffff');
    } },
  { scenario: 'arm64-its-smmuv3', params: { profile: 'per-vector-table' }, expect: 'per-vector-table: enabling a vector with no table entry fails (EINVAL) and leaves nothing enabled',
    cite: 'seed thread: Jason Gunthorpe 20 Nov 2024 ("fail if the kernel asks for an msi_desc that userspace has not mapped")', check: (lab) => {
      const o = lab.ops; const h = o.openIommufd(); const d = o.openDevice('0000:03:00.0');
      if (!h.ok || !d.ok) throw new Error('open failed');
      const ioas = o.ioasAlloc(h.value);
      if (!o.bindIommufd(d.value, h.value).ok || !ioas.ok || !o.attachPt(d.value, ioas.value).ok) throw new Error('setup');
      const ev = o.eventfd(); if (!ev.ok) throw new Error('eventfd');
      const r = o.setIrqs(d.value, { index: 2, start: 0, count: 1, action: 'trigger', data: { kind: 'eventfd', fds: [ev.value] } });
      expect(r.ok ? null : r.errno).toBe('EINVAL');
      expect(o.msiIrqs!('0000:03:00.0')).toEqual({ ok: true, value: [] });
    } },
  { scenario: 'arm64-its-smmuv3', params: { bug: 'ignores-mask' }, expect: 'a device that ignores the mask bit fires a de-assigned (masked) vector: counts move with no handler',
    cite: 'drivers/vfio/pci/vfio_pci_intrs.c vfio_msi_set_vector_signal (free_irq masks the vector)', check: async (lab) => {
      const o = lab.ops; const h = o.openIommufd(); const d = o.openDevice('0000:03:00.0');
      if (!h.ok || !d.ok) throw new Error('open failed');
      const ioas = o.ioasAlloc(h.value);
      if (!o.bindIommufd(d.value, h.value).ok || !ioas.ok || !o.attachPt(d.value, ioas.value).ok) throw new Error('setup');
      const ev = o.eventfd(); if (!ev.ok) throw new Error('eventfd');
      expect(o.setIrqs(d.value, { index: 2, start: 0, count: 1, action: 'trigger', data: { kind: 'eventfd', fds: [ev.value] } }).ok).toBe(true);
      expect(o.setIrqs(d.value, { index: 2, start: 0, count: 1, action: 'trigger', data: { kind: 'eventfd', fds: [null] } }).ok).toBe(true);
      const irq = lab.k.irqs.get(o.msiIrqs!('0000:03:00.0').ok ? (o.msiIrqs!('0000:03:00.0') as { value: number[] }).value[0]! : -1)!;
      irq.rate = 100;   // the device keeps raising the vector
      lab.advance(1000);
      const row = (await lab.vectors('0000:03:00.0')).vectors[0]!;
      expect(row.masked.ok && row.masked.value).toBe(true);
      expect(row.actions).toEqual([]);
      expect(row.counts.ok && row.counts.value.some((c) => c > 0)).toBe(true);
    } },
];

describe('expected behaviour table (hand-written, cited)', () => {
  for (const r of ROWS) {
    const spec = `${r.scenario}${Object.keys(r.params).length ? `?${new URLSearchParams(r.params).toString()}` : ''}`;
    it(`${spec}: ${r.expect} [${r.cite}]`, async () => {
      await r.check(createSimLab({ scenario: r.scenario, params: r.params }));
    });
  }

  it('x86 refuses the rewrite-default-address bug with EOPNOTSUPP, listing where it applies', () => {
    try { createSimLab({ scenario: 'x86-vtd-ir', params: { profile: 'per-vector-table', bug: 'rewrite-default-address' } }); expect.fail('opened'); } catch (e) {
      expect(e).toBeInstanceOf(LabFailure);
      expect((e as LabFailure).error.errnoName).toBe('EOPNOTSUPP');
    }
  });
});
