// SPDX-License-Identifier: MIT
// A group's address space as a passive reader infers it. On arm64 a host driver's device sits in
// its group's DMA-API domain, where dma-iommu maps the ITS doorbell at an IOVA of its own
// allocator (iommu_dma_get_msi_page: 0xfffff000, below 4 GiB first), outside the msi window:
// that is a doorbell mapping, not a miss. The same address from a device on vfio-pci is a miss.
import { describe, expect, it } from 'vitest';
import { groupAddressSpace } from '../../../lab/linux/addrspace.js';
import { createSimLab } from '../../../lab/sim/index.js';
import { checkLab } from '../../../lab/affinity/check-input.js';

const NVME = '0000:02:00.0';

describe('lab/linux/addrspace', () => {
  it('a host driver\'s vector outside the msi window of a DMA domain hits the page dma-iommu mapped; on vfio-pci it misses', async () => {
    const lab = createSimLab({ scenario: 'arm64-its-smmuv3', params: {}, reason: 'test' });
    const g = (await lab.groups()).find((x) => x.devices.includes(NVME))!;
    const dv = await lab.vectors(NVME);
    expect(g.defaultDomain).toBe('DMA');
    expect(g.reserved).toEqual([{ start: '0x8000000', last: '0x80fffff', type: 'msi' }]);
    const addrs = new Set(dv.vectors.map((v) => (v.message.ok ? v.message.value.address : null)));
    expect(addrs).toEqual(new Set(['0xfffff040']));

    const host = groupAddressSpace(g, [dv], 'aarch64', (b) => (b === NVME ? 'nvme' : null));
    const page = host.doorbells.findIndex((d) => d.mappedBy === 'kernel-dma-api');
    expect(host.doorbells[page]).toMatchObject({ start: '0xfffff000', last: '0xffffffff', kind: 'its-translater' });
    expect(host.doorbells[page]!.evidence.join('; ')).toMatch(/type: DMA; vector address 0xfffff040 of 0000:02:00\.0 \(9 vectors\), on a host driver/);
    expect(host.vectors.map((m) => m.hits)).toEqual(dv.vectors.map(() => ({ ok: true, doorbell: page })));

    const vfio = groupAddressSpace(g, [dv], 'aarch64', () => 'vfio-pci');
    expect(vfio.doorbells.map((d) => d.mappedBy)).toEqual(['kernel-sw-msi']);
    expect(vfio.vectors.every((m) => !m.hits.ok && /0xfffff040 is in no doorbell page of group 11/.test(m.hits.why))).toBe(true);
    await lab.close();
  });

  it('the simulator shows a host device its group\'s space, and the checks find no vector outside a doorbell there', async () => {
    const lab = createSimLab({ scenario: 'arm64-its-smmuv3', params: {}, reason: 'test' });
    const spaces = await lab.addressSpaces(NVME);
    expect(spaces.map((s) => [s.id, s.kind])).toEqual([['group:11', 'group']]);
    const report = await checkLab(lab, {});
    expect(report.findings.filter((f) => f.rule === 'vector-outside-doorbell' && f.subject.bdf === NVME)).toEqual([]);
    await lab.close();
  });
});
