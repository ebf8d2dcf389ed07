// SPDX-License-Identifier: MIT
// The bring-up checklist on the simulator: each platform × profile × injected bug must make the
// right step fail with the right explanation, or pass every step and leave nothing behind. The
// expected column is written by hand, with where the behaviour comes from. Binding runs only
// against the simulator here; the linux binder is exercised only up to its refusal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AffinityEditor } from '../../../lab/affinity/editor.js';
import { AffinityJournal } from '../../../lab/affinity/journal.js';
import { BringupRunner, linuxBinder, type Binder } from '../../../lab/bringup/index.js';
import { openLinuxLab } from '../../../lab/linux/index.js';
import { createSimLab } from '../../../lab/sim/index.js';
import type { SimBackend } from '../../../lab/sim/backend.js';
import type { BringupChecklist, BringupStepId } from '../../../common/model/index.js';
import type { LabBackend } from '../../../lab/backend.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
function tmp(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

function runner(b: LabBackend, bdf: string, extra: { binder?: Binder | null } = {}): BringupRunner {
  const editor = new AffinityEditor({ backend: b, journal: new AffinityJournal(tmp('doorbell-bringup-')) });
  return new BringupRunner({ backend: b, bdf, editor, ...extra });
}

const byId = (c: BringupChecklist, id: BringupStepId) => c.steps.find((s) => s.id === id)!;

interface Row {
  name: string;
  scenario: string;
  params: Record<string, string>;
  bdf: string;
  /** The step that must fail (null: every step passes). */
  fails: BringupStepId | null;
  /** What its failure must say (headline / message), and the explanation. */
  message?: RegExp;
  explanation?: RegExp;
  errno?: string;
  cite: string;
}

// The 'free' device of each scenario (on vfio-pci, unopened), and a host-driver device to bind.
const ROWS: Row[] = [
  { name: 'arm64 ITS upstream: everything passes', scenario: 'arm64-its-smmuv3', params: {}, bdf: '0000:03:00.0', fails: null, cite: 'domain.md §2.5 (the cdev + iommufd flow), §5 ITS row (MOVI, message unchanged)' },
  { name: 'arm64 ITS upstream, host NVMe bound through the simulated driver_override', scenario: 'arm64-its-smmuv3', params: {}, bdf: '0000:02:00.0', fails: null, cite: 'Documentation/ABI/testing/sysfs-bus-pci driver_override; domain.md §2.5 step 1' },
  { name: 'arm64 ITS per-vector-table: userspace doorbell area + table, move verified', scenario: 'arm64-its-smmuv3', params: { profile: 'per-vector-table' }, bdf: '0000:03:00.0', fails: null, cite: 'seed thread (per-device/per-index table, userspace-created ITS IOAS area); docs/sim-profiles.md' },
  { name: 'x86 VT-d IR: everything passes', scenario: 'x86-vtd-ir', params: {}, bdf: '0000:af:00.0', fails: null, cite: 'domain.md §5 Intel IR row (IRTE rewritten, message unchanged)' },
  { name: 'x86 AMD-Vi IR: everything passes', scenario: 'x86-amdvi-ir', params: {}, bdf: '0000:af:00.0', fails: null, cite: 'domain.md §5 AMD IR row' },
  { name: 'x86 without IR, allow_unsafe_interrupts=1: everything passes', scenario: 'x86-noir', params: { allow_unsafe_interrupts: '1' }, bdf: '0000:af:00.0', fails: null, cite: 'domain.md §2.4: bind needs isolated MSI or allow_unsafe_interrupts' },
  { name: 'riscv IMSIC, allow_unsafe_interrupts=1: everything passes', scenario: 'riscv-aia-imsic', params: { allow_unsafe_interrupts: '1' }, bdf: '0000:00:03.0', fails: null, cite: 'domain.md §5 IMSIC row (message rewritten to the new hart page)' },
  {
    name: 'unmapped-doorbell → "every vector hits a doorbell" fails', scenario: 'arm64-its-smmuv3', params: { bug: 'unmapped-doorbell' }, bdf: '0000:03:00.0',
    fails: 'doorbells', message: /hit no mapped doorbell.*not mapped in IOAS/, explanation: /IOMMU fault/, errno: 'EFAULT',
    cite: 'domain.md §5.1: the ITS page must be mapped (iommufd_sw_msi) for the MSI write to reach GITS_TRANSLATER',
  },
  {
    name: 'rewrite-default-address (ITS, per-vector-table) → "affinity move verified" fails: message wrong', scenario: 'arm64-its-smmuv3', params: { profile: 'per-vector-table', bug: 'rewrite-default-address' }, bdf: '0000:03:00.0',
    fails: 'affinity', message: /moved but the message is wrong/, explanation: /userspace-provided doorbell address/,
    cite: 'seed thread (Jason Gunthorpe, 20 Nov 2024): any rewrite must keep the userspace-supplied address; domain.md §5 x86 row note',
  },
  {
    name: 'rewrite-default-address (IMSIC, per-vector-table) → "affinity move verified" fails: message wrong', scenario: 'riscv-aia-imsic', params: { allow_unsafe_interrupts: '1', profile: 'per-vector-table', bug: 'rewrite-default-address' }, bdf: '0000:00:03.0',
    fails: 'affinity', message: /moved but the message is wrong/, explanation: /not a mapped interrupt-file page/,
    cite: 'domain.md §5 IMSIC row: behind an IOMMU each per-hart page needs its own IOVA mapping',
  },
  {
    name: 'lost-movi → "affinity move verified" fails: counts stay on the old CPU', scenario: 'arm64-its-smmuv3', params: { bug: 'lost-movi' }, bdf: '0000:03:00.0',
    fails: 'affinity', message: /interrupts still arrive on the old CPU/, explanation: /lost MOVI/,
    cite: 'domain.md §5 ITS row: its_set_affinity sends MOVI to move the event to the new collection',
  },
  {
    name: 'stale-irte → "affinity move verified" fails: counts stay on the old CPU', scenario: 'x86-vtd-ir', params: { bug: 'stale-irte' }, bdf: '0000:af:00.0',
    fails: 'affinity', message: /interrupts still arrive on the old CPU|interrupt remapping entry is stale/, explanation: /old CPU|never retargeted/,
    cite: 'domain.md §5 Intel IR row: intel_ir_set_affinity rewrites only the IRTE',
  },
  {
    name: 'ignores-mask → "test interrupts delivered" fails (the masked-vector control is delivered)', scenario: 'arm64-its-smmuv3', params: { bug: 'ignores-mask' }, bdf: '0000:03:00.0',
    fails: 'delivery', message: /ignores the MSI-X mask bit/, explanation: /PBA/, errno: 'EIO',
    cite: 'domain.md §4.3: VECTOR_CTRL bit 0 masks the vector, the PBA holds it pending; vfio_msi_set_vector_signal with fd -1 frees the IRQ (masked)',
  },
  {
    name: 'x86 without IR, allow_unsafe_interrupts=0 → "iommufd opened" fails with EPERM and the hint', scenario: 'x86-noir', params: { allow_unsafe_interrupts: '0' }, bdf: '0000:af:00.0',
    fails: 'iommufd', message: /EPERM/, explanation: /no interrupt remapping|not isolated/, errno: 'EPERM',
    cite: 'domain.md §2.4: "The bind fails with EPERM unless the platform provides isolated MSI or the module parameter allow_unsafe_interrupts is set"',
  },
  {
    name: 'riscv IMSIC, allow_unsafe_interrupts=0 → "iommufd opened" fails with EPERM', scenario: 'riscv-aia-imsic', params: { allow_unsafe_interrupts: '0' }, bdf: '0000:00:03.0',
    fails: 'iommufd', message: /EPERM/, explanation: /allow_unsafe_interrupts/, errno: 'EPERM',
    cite: 'docs/sim-profiles.md upstream: IMSIC writes bypass the IOMMU (no MSI isolation); domain.md §2.4',
  },
  {
    name: 'a device a VMM holds → stop at "iommufd opened" with the passive explanation, open nothing', scenario: 'arm64-its-smmuv3', params: {}, bdf: '0000:01:00.0',
    fails: 'iommufd', message: /held by qemu-system-aarch64 \(pid 4242\)/, explanation: /shows it passively/, errno: 'EBUSY',
    cite: 'DESIGN.md backends: a device another process holds is shown passively, with the owner named',
  },
];

describe('bring-up on the simulator (expected step and verdict written by hand)', () => {
  for (const r of ROWS) {
    it(`${r.name} — ${r.cite}`, async () => {
      const b = createSimLab({ scenario: r.scenario, params: r.params }) as SimBackend;
      const before = b.k.census();
      const c = await runner(b, r.bdf).runAll();
      const order = c.steps.map((s) => s.id);
      if (r.fails === null) {
        expect(c.steps.map((s) => `${s.id}:${s.state}`)).toEqual(order.map((id) => `${id}:passed`));
      } else {
        const f = byId(c, r.fails);
        expect(f.state).toBe('failed');
        expect(f.summary).toMatch(r.message!);
        expect(f.explanation).toMatch(r.explanation!);
        if (r.errno) expect(f.error?.errnoName).toBe(r.errno);
        expect(f.error?.hint.length).toBeGreaterThan(20);
        // Every step before it passed; every step after it (but the rollback) was skipped.
        const i = order.indexOf(r.fails);
        for (const s of c.steps.slice(0, i)) expect(`${s.id}:${s.state}`).toBe(`${s.id}:passed`);
        for (const s of c.steps.slice(i + 1, -1)) expect(`${s.id}:${s.state}`).toBe(`${s.id}:skipped`);
      }
      // The rollback always runs after runAll and leaves the kernel as it found it.
      expect(byId(c, 'rollback').state).toBe('passed');
      expect(c.holding).toEqual([]);
      const after = b.k.census();
      if (r.bdf === '0000:02:00.0') {
        // The host driver's IRQs went away with the unbind (the device stays on vfio-pci).
        expect({ ...after, irqs: 0 }).toEqual({ ...before, irqs: 0 });
      } else {
        expect(after).toEqual(before);
      }
    });
  }

  it('the passive device: no kernel operation at all was issued for it', async () => {
    const b = createSimLab({ scenario: 'arm64-its-smmuv3' });
    const seq = b.kernelLog().at(-1)?.seq ?? 0;
    const c = await runner(b, '0000:01:00.0').runAll();
    expect(c.passive?.holder).toBe('qemu-system-aarch64 (pid 4242)');
    expect(b.kernelLog(seq)).toEqual([]);
  });

  it('each step records its evidence and the ioctls it issued (the same entries as the kernel log)', async () => {
    const b = createSimLab({ scenario: 'arm64-its-smmuv3' });
    const c = await runner(b, '0000:03:00.0').runAll();
    const ops = (id: BringupStepId) => byId(c, id).ops.map((o) => o.op);
    expect(ops('iommufd')).toEqual(['open /dev/iommu', 'open /dev/vfio/devices (0000:03:00.0)', 'VFIO_DEVICE_BIND_IOMMUFD', 'VFIO_DEVICE_GET_INFO']);
    expect(ops('ioas')).toEqual(['IOMMU_IOAS_ALLOC', 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', 'IOMMU_IOAS_IOVA_RANGES', 'IOMMU_IOAS_IOVA_RANGES', 'IOMMU_IOAS_MAP']);
    expect(ops('vectors')).toContain('VFIO_DEVICE_SET_IRQS');
    expect(ops('affinity').some((o) => /^write \/proc\/irq\/\d+\/smp_affinity_list$/.test(o))).toBe(true);
    expect(ops('rollback')).toEqual(expect.arrayContaining(['VFIO_DEVICE_SET_IRQS', 'IOMMU_IOAS_UNMAP', 'VFIO_DEVICE_DETACH_IOMMUFD_PT', 'close /dev/vfio/devices', 'IOMMU_DESTROY', 'close /dev/iommu']));
    const all = new Set(b.kernelLog().map((o) => o.seq));
    for (const s of c.steps) for (const o of s.ops) expect(all.has(o.seq)).toBe(true);
    // The test buffer avoids the SW_MSI window the group reserves (0x8000000–0x80fffff).
    const map = byId(c, 'ioas').evidence.find((e) => e.startsWith('test buffer at IOVA'))!;
    const iova = BigInt(/IOVA (0x[0-9a-f]+)/.exec(map)![1]!);
    expect(iova + 0x10000n <= 0x8000000n || iova > 0x80fffffn).toBe(true);
    // The rollback undid the move before disabling the vectors.
    expect(byId(c, 'rollback').evidence[0]).toMatch(/^affinity: undo: IRQ \d+ back from/);
  });

  it('running one step runs the steps before it, holds its resources, and the rollback releases them', async () => {
    const b = createSimLab({ scenario: 'x86-vtd-ir' }) as SimBackend;
    const before = b.k.census();
    const r = runner(b, '0000:af:00.0');
    const c = await r.runStep('vectors');
    expect(c.steps.map((s) => s.state)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed', 'pending', 'pending', 'pending', 'pending']);
    expect(c.holding.join('; ')).toMatch(/4 MSI-X vectors enabled.*test buffer.*IOAS/);
    expect((await b.vectors('0000:af:00.0')).vectors.filter((v) => v.eventfd === 'assigned')).toHaveLength(4);
    const d = await r.runStep('doorbells');
    expect(byId(d, 'doorbells').state).toBe('passed');
    const rb = await r.runStep('rollback');
    expect(byId(rb, 'rollback').state).toBe('passed');
    expect(rb.holding).toEqual([]);
    expect(b.k.census()).toEqual(before);
    // After a rollback the next run starts over.
    const again = await r.runStep('iommufd');
    expect(again.steps.slice(3).every((s) => s.state === 'pending')).toBe(true);
    await r.runStep('rollback');
    expect(b.k.census()).toEqual(before);
  });

  it('runAll(upTo) stops there and keeps what it holds; a failed step is re-run from a clean start', async () => {
    const b = createSimLab({ scenario: 'x86-noir', params: { allow_unsafe_interrupts: '0' } }) as SimBackend;
    const r = runner(b, '0000:af:00.0');
    const c = await r.runAll('iommufd');
    expect(byId(c, 'iommufd').state).toBe('failed');
    expect(byId(c, 'rollback').state).toBe('passed');
    const again = await r.runStep('iommufd');
    expect(byId(again, 'iommufd').state).toBe('failed');
    expect(byId(again, 'iommufd').error?.hint).toMatch(/allow_unsafe_interrupts=1/);
    const upTo = createSimLab({ scenario: 'x86-vtd-ir' });
    const u = await runner(upTo, '0000:af:00.0').runAll('ioas');
    expect(byId(u, 'ioas').state).toBe('passed');
    expect(byId(u, 'rollback').state).toBe('pending');
    expect(u.holding.length).toBeGreaterThan(0);
  });
});

describe('bring-up on linux labs (no bind is ever attempted here)', () => {
  const refuseBinder: Binder = { how: 'test: must not be called', bind: () => { throw new Error('bind was attempted'); } };

  it('a captured VT-d tree: read-only, so the steps that open the device stop with EROFS (or the passive holder)', async () => {
    const b = await openLinuxLab({ root: path.resolve(import.meta.dirname, '../../fixtures/sysroots/x86-vtd-vfio-e1000e'), reason: 'test' });
    const dev = (await b.devices()).find((d) => d.driver === 'vfio-pci')!;
    const c = await runner(b, dev.bdf, { binder: refuseBinder }).runAll();
    expect(byId(c, 'iommu').state).toBe('passed');
    expect(byId(c, 'bound').state).toBe('passed');
    expect(byId(c, 'iommufd').state).toBe('failed');
    expect(byId(c, 'iommufd').error?.errnoName).toBe(dev.holder.kind === 'process' ? 'EBUSY' : 'EROFS');
    expect(byId(c, 'rollback').state).toBe('passed');
  });

  it('this machine (no IOMMU): "IOMMU present" fails with the explanation, and nothing after it runs', async () => {
    const b = await openLinuxLab({ root: '/', reason: 'test' });
    const devs = await b.devices();
    if (devs.length === 0) return expect(devs).toEqual([]);
    const units = await b.iommus();
    const c = await runner(b, devs[0]!.bdf, { binder: refuseBinder }).runAll();
    if (units.length === 0) {
      expect(byId(c, 'iommu').state).toBe('failed');
      expect(byId(c, 'iommu').explanation).toMatch(/only behind an IOMMU/);
      expect(byId(c, 'bound').state).toBe('skipped');
      expect(byId(c, 'bound').ops).toEqual([]);
    }
    expect(c.steps.flatMap((s) => s.ops).filter((o) => o.kind === 'write')).toEqual([]);
  });

  it('the linux binder refuses a device with a mounted filesystem or an up interface before any privileged call', async () => {
    const root = tmp('doorbell-bind-');
    const bdf = '0000:00:07.0';
    const dev = path.join(root, 'sys/devices/pci0000:00', bdf);
    fs.mkdirSync(path.join(dev, 'block/vda'), { recursive: true });
    fs.writeFileSync(path.join(dev, 'block/vda/dev'), '254:0\n');
    fs.mkdirSync(path.join(dev, 'net/eth0'), { recursive: true });
    fs.writeFileSync(path.join(dev, 'net/eth0/operstate'), 'up\n');
    fs.writeFileSync(path.join(dev, 'net/eth0/flags'), '0x1003\n');
    fs.mkdirSync(path.join(root, 'sys/bus/pci/devices'), { recursive: true });
    fs.symlinkSync(dev, path.join(root, 'sys/bus/pci/devices', bdf));
    fs.mkdirSync(path.join(root, 'proc/self'), { recursive: true });
    fs.writeFileSync(path.join(root, 'proc/self/mountinfo'), '22 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n');
    let called = 0;
    const binder = linuxBinder({ root, run: async () => { called++; throw new Error('must not run'); } });
    const r = await binder.bind(bdf);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.errnoName).toBe('EBUSY');
      expect(r.error.message).toMatch(/vda \(254:0\) is mounted.*eth0 is up/);
    }
    expect(called).toBe(0);
  });

  it('the linux binder refuses this machine\'s own disk (read-only check, no privileged call)', async () => {
    const mi = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    const rootDev = mi.split('\n').map((l) => l.split(' ')).find((f) => f[4] === '/')?.[2];
    const disk = fs.readdirSync('/sys/bus/pci/devices').find((bdf) => {
      const found: string[] = [];
      const walk = (d: string, depth: number) => { if (depth > 5) return; for (const e of fs.readdirSync(d, { withFileTypes: true })) { if (!e.isDirectory()) continue; if (e.name === 'block') found.push(path.join(d, e.name)); else walk(path.join(d, e.name), depth + 1); } };
      walk(fs.realpathSync(`/sys/bus/pci/devices/${bdf}`), 0);
      return found.length > 0;
    });
    if (!disk || !rootDev) return expect(disk ?? rootDev ?? null).toBeNull();
    let called = 0;
    const r = await linuxBinder({ root: '/', run: async () => { called++; throw new Error('must not run'); } }).bind(disk);
    expect(called).toBe(0);
    expect(r.ok).toBe(false);
  });
});
