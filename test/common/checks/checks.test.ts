// SPDX-License-Identifier: MIT
// The checks engine on the captured fixture trees (test/fixtures/sysroots, read by the linux
// backend), as captured and with one fault introduced per row. Each row's expected findings are
// written by hand, with the kernel source (or fixture README) that says why.
import { beforeAll, describe, expect, it } from 'vitest';
import { predictAttach, predictMap, runChecks, type CheckInput, type CheckReport } from '../../../common/checks/index.js';
import type { AddressSpace, DecodedMessage, VectorRow } from '../../../common/model/index.js';
import { gatherCheckInput } from '../../../lab/affinity/check-input.js';
import { openLab } from '../../../lab/select.js';

const FX = 'test/fixtures/sysroots';
const E1000E = '0000:00:02.0';
let vfio: CheckInput;
let noiommu: CheckInput;
let console_: CheckInput;

async function load(name: string): Promise<CheckInput> {
  const b = await openLab({ kind: 'linux', root: `${FX}/${name}`, reason: 'fixture' });
  try { return (await gatherCheckInput(b, { procRoot: null })).input; } finally { await b.close(); }
}

beforeAll(async () => {
  [vfio, noiommu, console_] = await Promise.all([load('x86-vtd-vfio-e1000e'), load('x86-virtio-noiommu'), load('x86-vtd-host-virtio-console')]);
});

const clone = <T>(x: T): T => structuredClone(x);
function vec(input: CheckInput, bdf: string, index: number): VectorRow {
  return input.vectors.find((d) => d.bdf === bdf)!.vectors.find((v) => v.index === index)!;
}
function state(r: CheckReport, rule: string) { return r.rules.find((x) => x.rule === rule)!; }
function ids(r: CheckReport) { return r.findings.map((f) => `${f.rule}${f.subject.index !== undefined ? `#${f.subject.index}` : ''}`).sort(); }
/** The fixture's own debugfs VECTOR "Target:" per vector: what the IRTE points at (README: vectors 1→CPU1, 2→CPU0, 3→CPU0-1). */
function withIrteTargets(input: CheckInput, targets: Record<number, number>): CheckInput {
  const c = clone(input);
  for (const [i, t] of Object.entries(targets)) {
    const v = vec(c, E1000E, Number(i));
    v.decoded = { ...(v.decoded as Extract<DecodedMessage, { kind: 'intel-remap' }>), irteTargetApicId: t };
  }
  return c;
}

describe('captured trees, as captured', () => {
  it('x86-vtd-vfio-e1000e: remapped vectors all hit the 0xFEE window; VFIO vectors have eventfds; no errors', () => {
    // fixture README: e1000e on vfio-pci, 5 MSI-X vectors enabled with eventfds, VT-d IR (IR-PCI-MSIX chip).
    const r = runChecks(vfio);
    expect(r.errors).toBe(0);
    expect(state(r, 'vector-outside-doorbell').state).toBe('pass');
    expect(state(r, 'vector-without-eventfd').state).toBe('pass');
    expect(state(r, 'msix-table-too-small').state).toBe('pass');     // table 5, 5 vectors
    expect(state(r, 'group-not-viable').state).toBe('pass');         // group 3 is not viable, but nothing there wants VFIO
    expect(state(r, 'rewrite-lost-user-address').state).toBe('not-evaluable'); // upstream kernel: no userspace MSI address
    expect(vfio.vectors.find((d) => d.bdf === E1000E)!.vectors.every((v) => v.decoded.kind === 'intel-remap')).toBe(true);
  });

  it('x86-vtd-host-virtio-console: host-owned remapped vectors, nothing to report', () => {
    const r = runChecks(console_);
    expect(r.errors).toBe(0);
    expect(state(r, 'vector-without-eventfd').state).toBe('not-evaluable'); // no device on vfio-pci
  });

  it('x86-virtio-noiommu: IOMMU rules say they cannot run here instead of passing', () => {
    const r = runChecks(noiommu);
    expect(r.findings).toEqual([]);
    expect(state(r, 'group-not-viable')).toMatchObject({ state: 'not-evaluable', why: expect.stringMatching(/no IOMMU/) });
    expect(state(r, 'reserved-region-conflict').state).toBe('not-evaluable');
    expect(state(r, 'vector-outside-doorbell').state).toBe('not-evaluable'); // no MSI-X table or debugfs readable in the tree
    expect(state(r, 'unsafe-interrupts').state).toBe('not-evaluable');
    for (const s of r.rules) if (s.state === 'not-evaluable') expect(s.why).toBeTruthy();
  });
});

type Row = { name: string; cite: string; mutate: (i: CheckInput) => CheckInput; expect: string[]; from?: () => CheckInput };

const rows: Row[] = [
  {
    name: 'debugfs IRTE targets match the effective affinity', cite: 'intel_ir_set_affinity retargets the IRTE (drivers/iommu/intel/irq_remapping.c); fixture debugfs Target = effective',
    mutate: (i) => withIrteTargets(i, { 0: 0, 1: 1, 2: 0, 3: 1, 4: 0 }), expect: [],
  },
  {
    name: 'stale IRTE: vector 1 effective CPU 1, IRTE still CPU 0', cite: 'a lost IRTE update leaves the old destination (intel_ir_set_affinity / modify_irte)',
    mutate: (i) => withIrteTargets(i, { 0: 0, 1: 0, 2: 0, 3: 1, 4: 0 }), expect: ['target-outside-effective#1'],
  },
  {
    name: 'vector 2 programmed at 0x8000040 (an ARM SW_MSI address on x86)', cite: 'arch/x86/include/asm/msi.h: MSI writes must hit 0xFEExxxxx; group 2 reserved_regions msi window',
    mutate: (i) => {
      const c = clone(i);
      vec(c, E1000E, 2).cachedMessage = { ok: true, value: { address: '0x8000040', data: 0 }, from: { source: 'debugfs', at: 0 } };
      for (const s of c.spaces) for (const m of s.vectors) if (m.bdf === E1000E && m.index === 2) m.hits = { ok: false, why: '0x8000040 hits no mapped doorbell page' };
      return c;
    },
    expect: ['vector-outside-doorbell#2'],
  },
  {
    name: 'counts land on CPU 0 while vector 1 is effective on CPU 1', cite: 'kernel/irq/proc.c show_interrupts counts where the interrupt is handled',
    mutate: (i) => ({ ...clone(i), countDeltas: { [vec(i, E1000E, 1).irq!]: [4, 0] } }), expect: ['counts-outside-effective#1'],
  },
  {
    name: 'table entry differs from the kernel\'s composed message', cite: 'kernel/irq/debugfs.c (cached msg) vs drivers/pci/msi/msi.c pci_write_msg_msix (device table)',
    mutate: (i) => {
      const c = clone(i);
      vec(c, E1000E, 3).message = { ok: true, value: { address: '0xfee00000', data: 0x22 }, from: { source: 'resource-mmap', at: 0 } };
      vec(c, E1000E, 0).message = { ok: true, value: clone(vec(c, E1000E, 0).cachedMessage as { value: { address: string; data: number } }).value, from: { source: 'resource-mmap', at: 0 } };
      return c;
    },
    expect: ['cached-message-differs#3'],
  },
  {
    name: 'group of the VFIO device not viable', cite: 'drivers/vfio/group.c: every group member must be VFIO-owned or unbound',
    mutate: (i) => { const c = clone(i); c.groups.find((g) => g.id === 2)!.viable = { ok: false, why: '0000:00:02.1 is bound to e1000e' }; return c; },
    expect: ['group-not-viable'],
  },
  {
    name: 'vector 4 enabled with eventfd -1', cite: 'drivers/vfio/pci/vfio_pci_intrs.c vfio_msi_set_vector_signal (fd -1 leaves no trigger)',
    mutate: (i) => { const c = clone(i); vec(c, E1000E, 4).eventfd = 'none'; return c; }, expect: ['vector-without-eventfd#4'],
  },
  {
    name: 'VMM asked for 8 vectors, table has 5', cite: 'pci_regs.h PCI_MSIX_FLAGS_QSIZE (table size 5 in the fixture\'s config space)',
    mutate: (i) => ({ ...clone(i), requestedVectors: { [E1000E]: 8 } }), expect: ['msix-table-too-small'],
  },
  {
    name: 'planned map over the x86 MSI window', cite: 'drivers/iommu/iommufd/io_pagetable.c iopt_check_iova: reserved IOVA → EINVAL',
    mutate: (i) => ({ ...clone(i), planned: [{ space: 'group:2', iova: '0xfee00000', length: '0x1000', label: 'guest RAM' }] }), expect: ['reserved-region-conflict'],
  },
  {
    name: 'allow_unsafe_interrupts on', cite: 'drivers/iommu/iommufd/device.c iommufd_device_bind',
    mutate: (i) => {
      // The captured tree has no vfio module parameters (feature 'unknown'); the row turns it on.
      const c = clone(i);
      c.lab!.features = [...c.lab!.features.filter((f) => f.id !== 'unsafe-interrupts'), { id: 'unsafe-interrupts', name: 'allow_unsafe_interrupts', state: 'yes', how: 'test' }];
      return c;
    },
    expect: ['unsafe-interrupts'],
  },
];

describe('captured e1000e tree with one fault per row (expected written by hand)', () => {
  for (const r of rows) {
    it(`${r.name} — ${r.cite}`, () => {
      const out = runChecks(r.mutate(vfio));
      expect(ids(out)).toEqual(r.expect);
      for (const f of out.findings) {
        expect(f.explanation.length).toBeGreaterThan(20);
        expect(f.hint.length).toBeGreaterThan(10);
        expect(f.evidence.length).toBeGreaterThan(0);
      }
    });
  }
});

describe('per-vector userspace address (seed thread design)', () => {
  const space = (vecAddr: string): CheckInput => ({
    lab: { backend: 'sim', arch: 'aarch64', features: [] }, cpus: null, groups: [], devices: [],
    vectors: [{
      bdf: '0000:01:00.0', notes: [], vectors: [{
        index: 0, kind: 'msix', irq: 61, chip: 'ITS-PCI-MSIX-0000:01:00.0', hwirq: 0, domainChain: { ok: false, why: '' }, controller: 'gic-its', actions: [],
        message: { ok: true, value: { address: vecAddr, data: 0 }, from: { source: 'sim', at: 0 } }, cachedMessage: { ok: false, why: '' }, masked: { ok: true, value: false, from: { source: 'sim', at: 0 } },
        decoded: { kind: 'its', doorbell: vecAddr, eventId: 0 }, eventfd: 'assigned', affinity: { ok: false, why: '' }, effective: { ok: false, why: '' }, pending: false, counts: { ok: false, why: '' },
      }],
    }],
    spaces: [{
      id: 'ioas:1.2', kind: 'ioas', label: 'IOAS 2', devices: ['0000:01:00.0'], allowed: [], reserved: [{ start: '0x8000000', last: '0x80fffff', type: 'msi' }], mappings: [], vectors: [], unavailable: null,
      doorbells: [
        { start: '0xeeee0000', last: '0xeeee0fff', kind: 'its-translater', label: 'ITS page (user area)', pa: '0x20200000', mappedBy: 'user-area', evidence: [] },
      ],
    } satisfies AddressSpace],
  });
  it('a vector at the userspace IOAS area is fine', () => {
    expect(ids(runChecks(space('0xeeee0040')))).toEqual([]);
  });
  it('a vector rewritten to the kernel\'s SW_MSI window lost the userspace address — seed thread 20241120140337.GA772273@nvidia.com', () => {
    expect(ids(runChecks(space('0x8000040')))).toEqual(['rewrite-lost-user-address#0', 'vector-outside-doorbell#0']);
  });
  it('a vector rewritten to the ITS physical page lost it too (domain.md §5.1: msi_msg_set_addr substitutes the IOVA)', () => {
    expect(ids(runChecks(space('0x20200040')))).toEqual(['rewrite-lost-user-address#0', 'vector-outside-doorbell#0']);
  });
});

describe('predictMap / predictAttach (drivers/iommu/iommufd/io_pagetable.c iopt_check_iova, iopt_reserve_iova)', () => {
  const s: AddressSpace = {
    id: 'ioas:1', kind: 'ioas', label: 'IOAS 1', devices: [], vectors: [], doorbells: [], unavailable: null,
    allowed: [{ start: '0x0', last: '0x7ffffff' }, { start: '0x8100000', last: '0xffffffffffff' }],
    reserved: [{ start: '0x8000000', last: '0x80fffff', type: 'msi' }],
    mappings: [{ start: '0x100000', last: '0x1fffff', label: 'guest RAM', userVa: null, flags: [] }],
  };
  const cases: [string, bigint, bigint, string][] = [
    ['free, aligned', 0x400000n, 0x1000n, 'ok'],
    ['misaligned IOVA → EINVAL', 0x400800n, 0x1000n, 'EINVAL'],
    ['over the SW_MSI reserved window → EINVAL', 0x7fff000n, 0x2000n, 'EINVAL'],
    ['over an existing area → EEXIST', 0x1ff000n, 0x2000n, 'EEXIST'],
    ['wraps past 2^64 → EOVERFLOW', 0xfffffffffffff000n, 0x2000n, 'EOVERFLOW'],
  ];
  for (const [name, iova, len, want] of cases) {
    it(name, () => {
      const p = predictMap(s, iova, len);
      expect(p.ok ? 'ok' : p.errno).toBe(want);
    });
  }
  it('attach of a device whose RMRR overlaps an existing mapping → EADDRINUSE', () => {
    const p = predictAttach(s, [{ start: '0x180000', last: '0x18ffff', type: 'direct' }]);
    expect(p.ok ? 'ok' : p.errno).toBe('EADDRINUSE');
    expect(predictAttach(s, [{ start: '0x180000', last: '0x18ffff', type: 'direct-relaxable' }]).ok).toBe(true);
  });
});
