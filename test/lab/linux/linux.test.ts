// SPDX-License-Identifier: MIT
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatCpuList } from '../../../common/cpulist.js';
import { LabFailure } from '../../../common/errors.js';
import { hex } from '../../../common/model/hex.js';
import type { DeviceVectors } from '../../../common/model/index.js';
import { LinuxLab, openLinuxLab } from '../../../lab/linux/index.js';
import { CONSOLE, E1000E, NOIOMMU, copyTree, expected } from '../../fixtures/sysroots/paths.js';

const lab = (root: string) => new LinuxLab({ root, reason: 'test' });
const tmp: string[] = [];
// Each copied tree is thousands of small files: removing six takes ~10 s on a loaded 2-vCPU machine.
afterAll(() => { for (const d of tmp) fs.rmSync(d, { recursive: true, force: true }); }, 60_000);

describe('lab/linux on captured trees', () => {
  for (const [name, tree] of [['x86-vtd-vfio-e1000e', E1000E], ['x86-vtd-host-virtio-console', CONSOLE]] as const) {
    it(`${name}: every vector agrees with the holding process's own view (.expected.json)`, async () => {
      const exp = expected(tree);
      const dv = await lab(tree).vectors(exp.bdf as string);
      expect(dv.vectors.map((v) => v.irq)).toEqual(exp.vectors.map((v) => v.irq));
      for (const e of exp.vectors) {
        const v = dv.vectors.find((x) => x.index === e.index)!;
        expect(v.irq).toBe(e.irq);
        expect(v.chip).toBe(e.chip_name);
        expect(String(v.hwirq)).toBe(e.hwirq);
        expect(v.actions.join(',')).toBe(e.actions);
        // The table could not be read from a tree; the address comes from debugfs and matches the BAR read.
        expect(v.message.ok).toBe(false);
        expect(v.cachedMessage).toMatchObject({ ok: true, value: { address: hex(BigInt(e.msix_entry.addr)), data: Number(e.msix_entry.data) }, from: { source: 'debugfs' } });
        expect(v.affinity.ok && formatCpuList(v.affinity.value)).toBe(e.smp_affinity_list);
        expect(v.effective.ok && formatCpuList(v.effective.value)).toBe(e.effective_affinity_list);
        expect(v.counts.ok && v.counts.value).toEqual(e.per_cpu_counts);
        expect(v.controller).toBe('intel-ir');
        // The IRTE handle in the address is the INTEL-IR domain's hwirq >> 16 in debugfs (index in the remap table).
        const dbg = fs.readFileSync(path.join(tree, `sys/kernel/debug/irq/irqs/${e.irq}`), 'latin1');
        const irHwirq = Number(/domain:\s+INTEL-IR[^\n]*\n\s+hwirq:\s+(0x[0-9a-f]+)/.exec(dbg)![1]);
        expect(v.decoded).toMatchObject({ kind: 'intel-remap', handle: irHwirq >> 16 });
        expect(v.pending).toBe(false);
      }
      expect(dv.notes.join('\n')).toMatch(/MSI-X table not readable: no resource\d file/);
    });
  }

  it('x86-vtd-vfio-e1000e: device binding, holder, groups, viability', async () => {
    const l = lab(E1000E);
    const d = (await l.devices()).find((x) => x.bdf === '0000:00:02.0')!;
    expect(d).toMatchObject({
      driver: 'vfio-pci', iommuGroup: 2, vectorCount: 5,
      binding: { kind: 'vfio-cdev', cdev: '/dev/vfio/devices/vfio0', group: 2 },
      holder: { kind: 'process', pid: 120, comm: 'node' },
      msix: { ok: true, value: { tableSize: 5, tableBar: 3, enabled: true } },
    });
    const groups = await l.groups();
    expect(groups.find((g) => g.id === 2)!.viable.ok).toBe(true);
    const g3 = groups.find((g) => g.id === 3)!;
    expect(g3.viable).toEqual({ ok: false, why: '0000:00:1f.3 is bound to i801_smbus (bind it to vfio-pci or unbind it)' });
    expect(await l.iommus()).toEqual([{ name: 'dmar0', kind: 'intel-vtd', devices: ['0000:00:00.0', '0000:00:01.0', '0000:00:02.0', '0000:00:1f.0', '0000:00:1f.2', '0000:00:1f.3'] }]);
  });

  it('x86-vtd-vfio-e1000e: info is read-only with probed features', async () => {
    const info = await lab(E1000E).info();
    expect(info.writable.ok).toBe(false);
    expect(info.writable.why).toMatch(/read-only/);
    expect(info.kernel.release).toBe('7.3.4');
    expect(info.kernel.cmdline).toMatch(/intel_iommu=on/);
    const f = Object.fromEntries(info.features.map((x) => [x.id, x]));
    expect(f['iommufd']).toMatchObject({ state: 'yes', how: '.devnodes records /dev/iommu' });
    expect(f['vfio-cdev']!.state).toBe('yes');
    expect(f['irq-debugfs']!.state).toBe('yes');
    expect(f['irq-remapping']!.state).toBe('yes');
    expect(f['vfio-fdinfo-syspath']!.state).toBe('yes');
    for (const x of info.features) expect(x.how).not.toBe('');
    const noiommu = Object.fromEntries((await lab(NOIOMMU).info()).features.map((x) => [x.id, x.state]));
    expect(noiommu).toMatchObject({ iommufd: 'no', iommu: 'no', 'irq-debugfs': 'no', 'irq-remapping': 'no' });
  });

  it('x86-vtd-host-virtio-console: host driver, free, not a vfio binding', async () => {
    const d = (await lab(CONSOLE).devices()).find((x) => x.bdf === '0000:00:02.0')!;
    expect(d).toMatchObject({ driver: 'virtio-pci', binding: { kind: 'host', driver: 'virtio-pci' }, holder: { kind: 'free' }, vectorCount: 10 });
    const dv = await lab(CONSOLE).vectors('0000:00:02.0');
    expect(dv.vectors.every((v) => v.eventfd === 'none')).toBe(true);
  });

  it('x86-virtio-noiommu: controller from the chip name, message not readable, and says why', async () => {
    const dv = await lab(NOIOMMU).vectors('0000:00:03.0');
    expect(dv.vectors.map((v) => [v.index, v.irq])).toEqual([[0, 37], [1, 38], [2, 39]]);
    for (const v of dv.vectors) {
      expect(v.controller).toBe('x86-vector');
      expect(v.domainChain).toMatchObject({ ok: true, value: ['PCI-MSIX-0000:00:03.0'], from: { source: 'sysfs' } });
      expect(v.message.ok || v.cachedMessage.ok).toBe(false);
      expect(v.decoded.kind).toBe('undecoded');
    }
    expect(dv.notes.some((n) => n.includes('debugfs'))).toBe(true);
    expect(await lab(NOIOMMU).addressSpaces()).toEqual([]);
  });

  it('address space of group 2: the x86 0xFEE window, untranslated, holds every vector', async () => {
    const [as] = await lab(E1000E).addressSpaces('0000:00:02.0');
    expect(as!.id).toBe('group:2');
    expect(as!.reserved).toEqual([{ start: '0xfee00000', last: '0xfeefffff', type: 'msi' }]);
    expect(as!.allowed).toEqual([{ start: '0x0', last: '0xfedfffff' }, { start: '0xfef00000', last: '0xffffffffffffffff' }]);
    expect(as!.doorbells).toMatchObject([{ kind: 'x86-msi-window', mappedBy: 'untranslated' }]);
    expect(as!.vectors).toHaveLength(5);
    expect(as!.vectors.every((v) => v.hits.ok)).toBe(true);
  });

  it('sample returns every IRQ asked for, with CPU columns from the header', async () => {
    const s = await lab(E1000E).sample([26, 27, 500]);
    expect(s.cpus).toEqual([0, 1]);
    expect(s.irqs.get(26)).toEqual([0, 3]);
    expect(s.irqs.get(500)).toEqual([0, 0]);
    expect(s.irqs.size).toBe(3);
    expect(typeof s.mono).toBe('number');
  });

  it('an unknown BDF is ENODEV', async () => {
    await expect(lab(E1000E).vectors('0000:09:00.0')).rejects.toSatisfy((e: unknown) => e instanceof LabFailure && e.error.errnoName === 'ENODEV');
    await expect(openLinuxLab({ root: '/nonexistent-doorbell-root', reason: 't' })).rejects.toMatchObject({ error: { errnoName: 'ENOENT', message: '/nonexistent-doorbell-root does not exist' } });
  });

  it('linux:ROOT naming a file, or a directory with no captured tree, says which', async () => {
    const file = path.join(E1000E, 'proc', 'interrupts');
    await expect(openLinuxLab({ root: file, reason: 't' })).rejects.toMatchObject({ error: { errnoName: 'ENOTDIR', errno: 20, message: `${file} is not a directory` } });
    await expect(openLinuxLab({ root: path.join(E1000E, 'sys', 'bus'), reason: 't' })).rejects.toMatchObject({ error: { errnoName: 'ENOENT', message: expect.stringMatching(/has neither proc\/ nor sys\/$/) } });
  });

  it('a truncated /proc/interrupts: sample fails naming file and line; vectors read per_cpu_count and need it only where that is missing', async () => {
    const dir = copyTree(E1000E);
    tmp.push(dir);
    const f = path.join(dir, 'proc/interrupts');
    const text = fs.readFileSync(f, 'latin1');
    fs.writeFileSync(f, text.slice(0, text.indexOf('  27:') + 14));
    const line = text.slice(0, text.indexOf('  27:')).split('\n').length;
    const l = lab(dir);
    await expect(l.sample()).rejects.toSatisfy((e: unknown) => e instanceof LabFailure && e.error.message.startsWith(`/proc/interrupts:${line}: IRQ 27 has 0 counts for 2 online CPUs`) && e.error.detail?.line === line);
    // Counts come from /sys/kernel/irq/N/per_cpu_count, read with the IRQ's other sysfs files.
    const dv = await l.vectors('0000:00:02.0');
    expect(dv.vectors[0]!.counts).toMatchObject({ ok: true, value: [2, 0], from: { source: 'sysfs', path: '/sys/kernel/irq/25/per_cpu_count' } });
    expect(dv.vectors[0]!.cachedMessage.ok).toBe(true);
    expect(dv.notes.join('\n')).not.toContain('counts unavailable');
    // Without per_cpu_count, /proc/interrupts is read, and its failure is said once.
    fs.rmSync(path.join(dir, 'sys/kernel/irq/27/per_cpu_count'));
    const dv2 = await l.vectors('0000:00:02.0');
    expect(dv2.vectors.find((v) => v.irq === 27)!.counts).toMatchObject({ ok: false, why: expect.stringContaining(`/proc/interrupts:${line}: IRQ 27`) as unknown });
    expect(dv2.notes.filter((n) => n.startsWith(`counts unavailable: /proc/interrupts:${line}:`))).toHaveLength(1);
    expect(dv2.vectors.find((v) => v.irq === 26)!.counts).toMatchObject({ ok: true, from: { path: '/sys/kernel/irq/26/per_cpu_count' } });
  });

  it('counts from per_cpu_count equal /proc/interrupts, which answers for an IRQ without it (online CPUs only)', async () => {
    const dir = copyTree(E1000E);
    tmp.push(dir);
    const exp = expected(E1000E);
    fs.rmSync(path.join(dir, 'sys/kernel/irq/26/per_cpu_count'));
    const dv = await lab(dir).vectors('0000:00:02.0');
    for (const e of exp.vectors) {
      const v = dv.vectors.find((x) => x.irq === e.irq)!;
      expect(v.counts.ok && v.counts.value).toEqual(e.per_cpu_counts);
      expect(v.counts.ok && v.counts.from.path).toBe(e.irq === 26 ? '/proc/interrupts' : `/sys/kernel/irq/${e.irq}/per_cpu_count`);
    }
    // A CPU that is not online reads 0, as /proc/interrupts (which has no column for it) would show.
    fs.writeFileSync(path.join(dir, 'sys/devices/system/cpu/online'), '0\n');
    const one = await lab(dir).vectors('0000:00:02.0');
    for (const v of one.vectors) if (v.irq !== 26) expect(v.counts.ok && v.counts.value).toEqual([exp.vectors.find((e) => e.irq === v.irq)!.per_cpu_counts[0]]);
  });

  it('vector(bdf, index) is the row vectors(bdf) holds; null for no such vector; ENODEV for no such device', async () => {
    const noAt = (x: unknown) => JSON.parse(JSON.stringify(x), (k, v: unknown) => (k === 'at' ? 0 : v)) as unknown;
    for (const [tree, bdf] of [[E1000E, '0000:00:02.0'], [CONSOLE, '0000:00:02.0'], [NOIOMMU, '0000:00:03.0']] as const) {
      const l = lab(tree);
      const dv = await l.vectors(bdf);
      expect(dv.vectors.length).toBeGreaterThan(0);
      for (const v of dv.vectors) expect(noAt(await l.vector(bdf, v.index))).toEqual(noAt(v));
      expect(await l.vector(bdf, 4095)).toBeNull();
    }
    await expect(lab(E1000E).vector('0000:09:00.0', 0)).rejects.toSatisfy((e: unknown) => e instanceof LabFailure && e.error.errnoName === 'ENODEV');
  });

  it('batch: one PCI tree read and one /proc/interrupts parse for every read inside; reads outside stay fresh', async () => {
    const dir = copyTree(E1000E);
    tmp.push(dir);
    for (const irq of [25, 26, 27, 28, 29]) fs.rmSync(path.join(dir, `sys/kernel/irq/${irq}/per_cpu_count`), { force: true });
    const l = lab(dir);
    const noAt = (x: unknown) => JSON.parse(JSON.stringify(x), (k, v: unknown) => (k === 'at' ? 0 : v)) as unknown;
    const plain = { vectors: await l.vectors('0000:00:02.0'), spaces: await l.addressSpaces(), devices: await l.devices(), groups: await l.groups() };
    const reads = { interrupts: 0, pciList: 0 };
    const withBytes = l.root.withBytes.bind(l.root), list = l.root.list.bind(l.root);
    l.root.withBytes = <T>(k: string, use: (b: Uint8Array) => T): T => { if (k === '/proc/interrupts') reads.interrupts++; return withBytes(k, use); };
    l.root.list = (k: string) => { if (k === '/sys/bus/pci/devices') reads.pciList++; return list(k); };
    const batched = await l.batch(async () => ({
      vectors: await l.vectors('0000:00:02.0'), spaces: await l.addressSpaces(), devices: await l.devices(), groups: await l.groups(),
    }));
    expect(reads).toEqual({ interrupts: 1, pciList: 1 });
    expect(noAt(batched)).toEqual(noAt(plain));

    // A read outside the batch, while it is open, parses /proc/interrupts afresh.
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const counts26 = (dv: DeviceVectors) => { const c = dv.vectors.find((v) => v.irq === 26)!.counts; return c.ok ? c.value : null; };
    const inside = l.batch(async () => { const a = await l.vectors('0000:00:02.0'); await gate; return [a, await l.vectors('0000:00:02.0')] as const; });
    const f = path.join(dir, 'proc/interrupts');
    fs.writeFileSync(f, fs.readFileSync(f, 'latin1').replace(/^( +26: +)0( +)3 /m, '$15$23 '));
    const outside = await l.vectors('0000:00:02.0');
    release();
    const [a, b] = await inside;
    expect(counts26(a)).toEqual([0, 3]);
    expect(counts26(b)).toEqual([0, 3]);
    expect(counts26(outside)).toEqual([5, 3]);
  });

  it('batch: counts come from the one /proc/interrupts parse, without a per_cpu_count per vector; per_cpu_count when that fails', async () => {
    const dir = copyTree(E1000E);
    tmp.push(dir);
    const l = lab(dir);
    const opened: string[] = [];
    const textOr = l.root.textOr.bind(l.root);
    l.root.textOr = (k: string) => { opened.push(k); return textOr(k); };
    const plain = await l.vectors('0000:00:02.0');
    expect(opened.filter((k) => k.endsWith('/per_cpu_count')).length).toBe(plain.vectors.length);
    opened.length = 0;
    const batched = await l.batch(() => l.vectors('0000:00:02.0'));
    expect(opened.filter((k) => k.endsWith('/per_cpu_count'))).toEqual([]);
    // The same counters (kstat_irqs) either way; the provenance names the file they came from.
    expect(batched.vectors.map((v) => v.counts.ok && v.counts.value)).toEqual(plain.vectors.map((v) => v.counts.ok && v.counts.value));
    for (const v of batched.vectors) expect(v.counts.ok && v.counts.from.path).toBe('/proc/interrupts');

    fs.rmSync(path.join(dir, 'proc/interrupts'));
    opened.length = 0;
    const fallback = await l.batch(() => l.vectors('0000:00:02.0'));
    expect(opened.filter((k) => k.endsWith('/per_cpu_count')).length).toBe(plain.vectors.length);
    expect(fallback.vectors.map((v) => v.counts.ok && v.counts.value)).toEqual(plain.vectors.map((v) => v.counts.ok && v.counts.value));
  });

  it('reads one msi_irqs/N file per device: MSI and MSI-X are never enabled together', async () => {
    const dir = copyTree(E1000E);
    tmp.push(dir);
    const msiDir = path.join(dir, 'sys/bus/pci/devices/0000:00:02.0/msi_irqs');
    const l = lab(dir);
    const kinds = async () => (await l.vectors('0000:00:02.0')).vectors.map((v) => v.kind);
    const opened: string[] = [];
    const textOr = l.root.textOr.bind(l.root);
    l.root.textOr = (k: string) => { opened.push(k); return textOr(k); };
    const before = await kinds();
    expect(before.length).toBeGreaterThan(1);
    expect(new Set(before)).toEqual(new Set(['msix']));
    expect(opened.filter((k) => /\/msi_irqs\/\d+$/.test(k))).toHaveLength(1);
    // The same device with MSI enabled instead: every vector is MSI.
    for (const f of fs.readdirSync(msiDir)) fs.writeFileSync(path.join(msiDir, f), 'msi\n');
    expect(new Set(await kinds())).toEqual(new Set(['msi']));
  });

  it('a malformed debugfs file names the file and line', async () => {
    const dir = copyTree(E1000E);
    tmp.push(dir);
    const f = path.join(dir, 'sys/kernel/debug/irq/irqs/25');
    fs.writeFileSync(f, fs.readFileSync(f, 'latin1').replace('msg_data:   0x00000000', 'msg_data:   zero'));
    await expect(lab(dir).vectors('0000:00:02.0')).rejects.toSatisfy((e: unknown) => e instanceof LabFailure && /^\/sys\/kernel\/debug\/irq\/irqs\/25:\d+: msg_data is "zero"/.test(e.error.message));
  });
});

describe('lab/linux on this machine (checked against shell readers)', () => {
  const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' }).trim();

  it('info and cpus: features probed from the same files the shell sees', async () => {
    const l = lab('/');
    const info = await l.info();
    const f = Object.fromEntries(info.features.map((x) => [x.id, x.state]));
    expect(f['iommufd']).toBe(sh('test -e /dev/iommu && echo yes || echo no'));
    expect(f['irq-debugfs']).toBe(sh('test -d /sys/kernel/debug/irq/irqs && echo yes || echo no'));
    expect(f['iommu']).toBe(sh('ls /sys/class/iommu 2>/dev/null | grep -q . && echo yes || echo no'));
    expect(info.kernel.release).toBe(sh('uname -r'));
    expect(info.writable.ok).toBe(process.getuid?.() === 0);
    const cpus = await l.cpus();
    const expand = (t: string) => (t === '' ? [] : sh(`for r in $(echo ${t} | tr , ' '); do seq $(echo $r | tr - ' '); done`).split('\n').map(Number));
    expect(cpus.online).toEqual(expand(sh('cat /sys/devices/system/cpu/online')));
    expect(cpus.isolated).toEqual(expand(sh('cat /sys/devices/system/cpu/isolated')));
  });

  it('devices: BDFs, drivers and vector counts agree with ls/readlink', async () => {
    const devs = await lab('/').devices();
    const bdfs = sh('ls /sys/bus/pci/devices').split('\n');
    expect(devs.map((d) => d.bdf)).toEqual(bdfs.sort());
    for (const d of devs) {
      expect(d.vectorCount).toBe(Number(sh(`ls /sys/bus/pci/devices/${d.bdf}/msi_irqs 2>/dev/null | wc -l`)));
      expect(d.driver ?? '').toBe(sh(`l=$(readlink /sys/bus/pci/devices/${d.bdf}/driver) && basename "$l" || true`));
      expect(d.vendor).toBe(Number(sh(`cat /sys/bus/pci/devices/${d.bdf}/vendor`)));
      // Root reads the whole config space (256 bytes here): the capabilities are visible.
      if (process.getuid?.() === 0) expect(d.msix.ok).toBe(true);
    }
  });

  it('vectors: IRQs from msi_irqs, counts monotonic against awk on /proc/interrupts, affinity as cat prints it', async () => {
    const devs = (await lab('/').devices()).filter((d) => d.vectorCount > 0);
    expect(devs.length).toBeGreaterThan(0);
    const awkCounts = (irq: number) => sh(`awk -v irq="${irq}:" 'NR==1{n=NF} $1==irq{s=""; for(i=2;i<=n+1;i++) s=s" "$i; print s}' /proc/interrupts`).split(/\s+/).filter(Boolean).map(Number);
    const cpuCols = sh(`awk 'NR==1{for(i=1;i<=NF;i++){sub("CPU","",$i); print $i}}' /proc/interrupts`).split('\n').map(Number);
    for (const d of devs) {
      const before = new Map<number, number[]>();
      const irqs = sh(`ls /sys/bus/pci/devices/${d.bdf}/msi_irqs`).split('\n').map(Number).sort((a, b) => a - b);
      for (const irq of irqs) before.set(irq, awkCounts(irq));
      const dv = await lab('/').vectors(d.bdf);
      expect(dv.vectors.map((v) => v.irq).sort((a, b) => a! - b!)).toEqual(irqs);
      for (const v of dv.vectors) {
        const after = awkCounts(v.irq!);
        expect(v.counts.ok).toBe(true);
        if (!v.counts.ok) continue;
        cpuCols.forEach((cpu, col) => {
          if (before.get(v.irq!)!.length === 0) return; // not listed: no action, all zero
          expect(v.counts.ok && v.counts.value[cpu]).toBeGreaterThanOrEqual(before.get(v.irq!)![col]!);
          expect(v.counts.ok && v.counts.value[cpu]).toBeLessThanOrEqual(after[col]!);
        });
        expect(v.affinity.ok && formatCpuList(v.affinity.value)).toBe(sh(`cat /proc/irq/${v.irq}/smp_affinity_list`));
        expect(v.effective.ok && formatCpuList(v.effective.value)).toBe(sh(`cat /proc/irq/${v.irq}/effective_affinity_list`));
        expect(v.chip).toBe(sh(`cat /sys/kernel/irq/${v.irq}/chip_name`));
        expect(v.index).toBe(Number(sh(`cat /sys/kernel/irq/${v.irq}/hwirq`)));
      }
      // What could not be read is said, not hidden.
      for (const v of dv.vectors) if (!v.message.ok) expect(v.message.why).not.toBe('');
    }
  });
});

describe('linux backend: hooks for the affinity editor', () => {
  it('writes through the real kernel ops and reads /proc at / on this machine only', async () => {
    const live = await openLinuxLab({ root: '/', reason: 'test' });
    expect(live.procRoot?.()).toBe('/');
    const ops = live.kernelOps?.();
    expect(ops?.name).toMatch(/^linux/);
    const tree = await openLinuxLab({ root: E1000E, reason: 'test' });
    expect(tree.kernelOps?.()).toBeNull();
    expect(tree.procRoot?.()).toBeNull();
  });

  it('reports allow_unsafe_interrupts from the module parameters, or that no module is loaded', async () => {
    const f = (await (await openLinuxLab({ root: E1000E, reason: 'test' })).info()).features.find((x) => x.id === 'unsafe-interrupts');
    expect(f).toBeDefined();
    const hostF = (await (await openLinuxLab({ root: '/', reason: 'test' })).info()).features.find((x) => x.id === 'unsafe-interrupts')!;
    const onHost = ['/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts', '/sys/module/iommufd/parameters/allow_unsafe_interrupts'].filter((p) => fs.existsSync(p));
    expect(hostF.state).toBe(onHost.length === 0 ? 'unknown' : onHost.some((p) => /^[Y1]/.test(fs.readFileSync(p, 'utf8'))) ? 'yes' : 'no');
  });
});

describe('linux backend: the IRTE target under interrupt remapping', () => {
  it('reads the remapped target from the debugfs VECTOR level and maps it to the APIC ID (captured VT-d tree)', async () => {
    const dv = await lab(E1000E).vectors(expected(E1000E).bdf as string);
    // Expected by hand from the tree: debugfs VECTOR "Target:" per IRQ equals effective affinity,
    // and /proc/cpuinfo maps CPU 0 → apicid 0, CPU 1 → apicid 1.
    for (const v of dv.vectors) {
      expect(v.decoded.kind).toBe('intel-remap');
      const eff = v.effective.ok ? v.effective.value : [];
      if (v.decoded.kind === 'intel-remap') expect([v.decoded.irteTargetApicId]).toEqual(eff);
    }
  });
});
