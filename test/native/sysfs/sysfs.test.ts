// SPDX-License-Identifier: MIT
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabFailure } from '../../../common/errors.js';
import { readProcIrq } from '../../../native/procfs/irq.js';
import { findVfioFds } from '../../../native/procfs/fdinfo.js';
import { parseUnameA, readUname } from '../../../native/procfs/kernel.js';
import { readSysCpus } from '../../../native/sysfs/cpu.js';
import { readIommuGroups, readIommuUnitNames } from '../../../native/sysfs/iommu.js';
import { readSysIrq } from '../../../native/sysfs/irq.js';
import { listPciBdfs, readPciDevice } from '../../../native/sysfs/pci.js';
import { SysRoot } from '../../../native/sysfs/root.js';
import { CONSOLE, E1000E, NOIOMMU, copyTree } from '../../fixtures/sysroots/paths.js';

const tmp: string[] = [];
afterAll(() => { for (const d of tmp) fs.rmSync(d, { recursive: true, force: true }); });
function corrupt(tree: string, rel: string, text: string): SysRoot {
  const dir = copyTree(tree);
  tmp.push(dir);
  fs.rmSync(path.join(dir, rel), { force: true });
  fs.writeFileSync(path.join(dir, rel), text);
  return new SysRoot(dir);
}
function failure(fn: () => unknown): LabFailure {
  try { fn(); } catch (e) { if (e instanceof LabFailure) return e; throw e; }
  throw new Error('expected a LabFailure');
}

describe('native/sysfs on captured trees', () => {
  it('reads a vfio-bound device: driver link, override, group, cdev, msi_irqs', () => {
    const d = readPciDevice(new SysRoot(E1000E), '0000:00:02.0')!;
    expect(d).toMatchObject({
      vendor: 0x8086, device: 0x10d3, classCode: 0x020000, driver: 'vfio-pci', driverOverride: 'vfio-pci',
      iommuGroup: 2, iommuUnit: 'dmar0', numaNode: null, vfioCdev: 'vfio0', syspath: '/sys/devices/pci0000:00/0000:00:02.0',
    });
    expect(d.msiIrqs).toEqual([25, 26, 27, 28, 29].map((irq) => ({ irq, kind: 'msix' })));
  });

  it('treats "(null)" driver_override as unset and a missing driver link as unbound', () => {
    const root = new SysRoot(E1000E);
    const d = readPciDevice(root, '0000:00:1f.2')!;
    expect(fs.readFileSync(root.p('/sys/bus/pci/devices/0000:00:1f.2/driver_override'), 'utf8').trim()).toBe('(null)');
    expect(d.driverOverride).toBeNull();
    expect(d.driver).toBeNull();
  });

  it('reads IOMMU groups and units (dangling unit links: names only)', () => {
    const root = new SysRoot(E1000E);
    const groups = readIommuGroups(root);
    expect(groups.map((g) => g.id)).toEqual([0, 1, 2, 3]);
    expect(groups[2]).toEqual({ id: 2, devices: ['0000:00:02.0'], type: 'DMA-FQ', reserved: [{ start: '0xfee00000', last: '0xfeefffff', type: 'msi' }] });
    expect(groups[3]!.devices).toEqual(['0000:00:1f.0', '0000:00:1f.2', '0000:00:1f.3']);
    expect(readIommuUnitNames(root)).toEqual(['dmar0']);
    expect(readIommuGroups(new SysRoot(NOIOMMU))).toEqual([]);
  });

  it('reads /sys/kernel/irq/N and /proc/irq/N', () => {
    const root = new SysRoot(E1000E);
    expect(readSysIrq(root, 26)).toEqual({ irq: 26, actions: ['vfio-msix[1](0000:00:02.0)'], chip: 'IR-PCI-MSIX-0000:00:02.0', hwirq: 1, name: 'edge', type: 'edge', perCpu: [0, 3] });
    expect(readProcIrq(root, 26)).toEqual({ irq: 26, affinity: [1], effective: [1], node: -1 });
    expect(readProcIrq(root, 999)).toBeNull();
  });

  it('join: true reads only what the vector table shows, and a missing directory is still null', () => {
    const root = new SysRoot(E1000E);
    const opened: string[] = [];
    const text = root.textOr.bind(root);
    root.textOr = (k: string) => { opened.push(k); return text(k); };
    expect(readSysIrq(root, 26, { join: true })).toEqual({ irq: 26, actions: ['vfio-msix[1](0000:00:02.0)'], chip: 'IR-PCI-MSIX-0000:00:02.0', hwirq: 1, name: null, type: null, perCpu: [0, 3] });
    expect(readProcIrq(root, 26, { join: true })).toEqual({ irq: 26, affinity: [1], effective: [1], node: null });
    expect(opened.filter((k) => /\/(name|type|node)$/.test(k))).toEqual([]);
    expect(readSysIrq(root, 999, { join: true })).toBeNull();
    expect(readProcIrq(root, 999, { join: true })).toBeNull();
  });

  it('a descriptor directory without the file read first is not mistaken for a missing IRQ', () => {
    const dir = copyTree(E1000E);
    tmp.push(dir);
    fs.rmSync(path.join(dir, 'sys/kernel/irq/26/actions'));
    fs.rmSync(path.join(dir, 'proc/irq/26/smp_affinity_list'));
    const root = new SysRoot(dir);
    expect(readSysIrq(root, 26)).toMatchObject({ irq: 26, actions: [], chip: 'IR-PCI-MSIX-0000:00:02.0', perCpu: [0, 3] });
    expect(readProcIrq(root, 26)).toEqual({ irq: 26, affinity: null, effective: [1], node: -1 });
  });

  it('reads files through one reused buffer: whole, past its size, and copies handed out', () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'doorbell-root-'));
    tmp.push(dir);
    fs.mkdirSync(path.join(dir, 'proc'));
    fs.mkdirSync(path.join(dir, 'sys'));
    // 300 kB (several times the first buffer), in both kinds of path, and an empty file.
    const big = Array.from({ length: 30000 }, (_, i) => `line ${i} ${'x'.repeat(i % 7)}`).join('\n');
    fs.writeFileSync(path.join(dir, 'proc/big'), big);
    fs.writeFileSync(path.join(dir, 'sys/big'), big);
    fs.writeFileSync(path.join(dir, 'sys/empty'), '');
    fs.writeFileSync(path.join(dir, 'sys/small'), 'edge\n');
    const root = new SysRoot(dir);
    expect(root.text('/proc/big')).toBe(big);
    expect(root.text('/sys/big')).toBe(big);
    expect(root.text('/sys/empty')).toBe('');
    expect(root.textOr('/sys/small')).toBe('edge\n');
    const copy = root.bytes('/sys/small');
    root.text('/proc/big'); // reuses the buffer; the copy handed out before is untouched
    expect(copy.toString('latin1')).toBe('edge\n');
    // withBytes lends the bytes; a read inside it (not allowed, but possible) gets its own buffer.
    const seen = root.withBytes('/sys/small', (b) => {
      const inner = root.text('/proc/big');
      return [Buffer.from(b).toString('latin1'), inner.length] as const;
    });
    expect(seen).toEqual(['edge\n', big.length]);
    expect(root.textOr('/sys/missing')).toBeNull();
    expect(failure(() => root.text('/sys/missing')).error.errnoName).toBe('ENOENT');
    expect(failure(() => root.withBytes('/proc', (b) => b.length)).error.errnoName).toBe('EISDIR');
  });

  it('reads CPUs (empty isolated list) and uname from .uname', () => {
    expect(readSysCpus(new SysRoot(CONSOLE))).toEqual({ possible: [0, 1], online: [0, 1], isolated: [], nodes: [] });
    expect(readUname(new SysRoot(E1000E), null)).toMatchObject({ release: '7.3.4', hostname: '(none)', machine: 'x86_64' });
    expect(parseUnameA('Linux lab 6.18.44 #1 SMP PREEMPT_DYNAMIC @0 x86_64 GNU/Linux')).toEqual({ hostname: 'lab', release: '6.18.44', version: '#1 SMP PREEMPT_DYNAMIC @0', machine: 'x86_64' });
  });

  it('finds the process holding the VFIO device from /proc/<pid>/fd and fdinfo', () => {
    const fds = findVfioFds(new SysRoot(E1000E));
    // fd 18 (/dev/iommu) and the eventfds are not VFIO device fds.
    expect(fds).toEqual([{ pid: 120, comm: 'node', fd: 19, target: '/dev/vfio/devices/vfio0', syspath: '/sys/devices/pci0000:00/0000:00:02.0' }]);
  });
});

describe('native/sysfs malformed files name the file and line', () => {
  it('reserved_regions', () => {
    const root = corrupt(E1000E, 'sys/kernel/iommu_groups/2/reserved_regions', '0x00000000fee00000 0x00000000feefffff msi\n0x00000000fee00000 garbage\n');
    const e = failure(() => readIommuGroups(root));
    expect(e.error.message).toBe('/sys/kernel/iommu_groups/2/reserved_regions:2: expected "0xSTART 0xEND TYPE", found "0x00000000fee00000 garbage"');
    expect(e.error.path).toBe(path.join(root.dir, 'sys/kernel/iommu_groups/2/reserved_regions'));
  });
  it('vendor', () => {
    const root = corrupt(E1000E, 'sys/devices/pci0000:00/0000:00:02.0/vendor', 'intel\n');
    expect(failure(() => readPciDevice(root, '0000:00:02.0')).error.message).toMatch(/vendor:1: expected a hex value, found "intel"/);
  });
  it('smp_affinity_list', () => {
    const root = corrupt(E1000E, 'proc/irq/26/smp_affinity_list', '1-\n');
    expect(failure(() => readProcIrq(root, 26)).error.detail).toEqual({ file: '/proc/irq/26/smp_affinity_list', line: 1 });
  });
  it('per_cpu_count', () => {
    const root = corrupt(E1000E, 'sys/kernel/irq/26/per_cpu_count', '0,x\n');
    expect(failure(() => readSysIrq(root, 26)).error.message).toMatch(/per_cpu_count:1: count 2 is "x"/);
  });
});

describe('native/sysfs on this machine (compared with the shell)', () => {
  it('lists the same PCI devices and msi_irqs as ls', () => {
    const root = new SysRoot('/');
    const ls = execFileSync('ls', ['/sys/bus/pci/devices'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    expect(listPciBdfs(root)).toEqual(ls.sort());
    for (const bdf of ls) {
      const irqs = execFileSync('sh', ['-c', `ls /sys/bus/pci/devices/${bdf}/msi_irqs 2>/dev/null || true`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
      expect(readPciDevice(root, bdf)!.msiIrqs.map((v) => v.irq)).toEqual(irqs);
      const drv = execFileSync('sh', ['-c', `basename "$(readlink /sys/bus/pci/devices/${bdf}/driver)" 2>/dev/null || true`], { encoding: 'utf8' }).trim();
      expect(readPciDevice(root, bdf)!.driver ?? '.').toBe(drv || '.');
    }
  });
  it('reads sysfs attributes, /proc/irq files and /proc/interrupts whole, as cat does', () => {
    // The reader stops after one short read(2) of a sysfs attribute or a /proc/irq file (single
    // seq_file records) and reads /proc/interrupts (a page per read) until end of file.
    const root = new SysRoot('/');
    const irqs = fs.readdirSync('/sys/kernel/irq').filter((n) => /^\d+$/.test(n));
    expect(irqs.length).toBeGreaterThan(0);
    for (const irq of irqs) {
      for (const f of ['chip_name', 'hwirq', 'type', 'name', 'actions']) {
        const k = `/sys/kernel/irq/${irq}/${f}`;
        expect(root.text(k), k).toBe(execFileSync('cat', [k], { encoding: 'latin1' }));
      }
      if (fs.existsSync(`/proc/irq/${irq}`)) {
        const k = `/proc/irq/${irq}/smp_affinity_list`;
        expect(root.text(k), k).toBe(execFileSync('cat', [k], { encoding: 'latin1' }));
      }
    }
    // Counters move between two reads: compare the labels of every row (and the line count).
    const labels = (t: string) => t.split('\n').map((l) => l.trim().split(/\s+/, 1)[0]);
    expect(labels(root.text('/proc/interrupts'))).toEqual(labels(execFileSync('cat', ['/proc/interrupts'], { encoding: 'latin1' })));
    // A small machine's /proc/interrupts fits one read; /proc/kallsyms is a multi-record seq_file of
    // megabytes that does not change between reads: it takes hundreds of read(2) calls.
    const kallsyms = root.text('/proc/kallsyms');
    expect(kallsyms.length).toBeGreaterThan(1 << 20);
    expect(kallsyms).toBe(execFileSync('cat', ['/proc/kallsyms'], { encoding: 'latin1', maxBuffer: 1 << 28 }));
  });

  it('reads the same affinity lists as cat', () => {
    const root = new SysRoot('/');
    for (const irq of fs.readdirSync('/proc/irq').filter((n) => /^\d+$/.test(n)).map(Number)) {
      const cat = execFileSync('cat', [`/proc/irq/${irq}/effective_affinity_list`], { encoding: 'utf8' }).trim();
      const eff = readProcIrq(root, irq)!.effective!;
      // Expand the cat text with the shell's seq to compare CPU sets.
      const cpus = cat === '' ? [] : execFileSync('sh', ['-c', `for r in $(echo ${cat} | tr , ' '); do seq $(echo $r | tr - ' '); done`], { encoding: 'utf8' }).trim().split('\n').map(Number);
      expect(eff).toEqual(cpus);
    }
  });
});
