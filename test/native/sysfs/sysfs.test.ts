// SPDX-License-Identifier: MIT
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
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
