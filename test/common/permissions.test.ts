// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { ERRNO } from '../../common/errno.js';
import { explainOpenFailure, nodeKind, type OpenFailure } from '../../common/permissions.js';

const user = { uid: 1000, groups: [1000, 27] };
const VFIO = 997;

type Row = { name: string; f: OpenFailure; errnoName: string; message: RegExp; hint: RegExp; notHint?: RegExp };

const rows: Row[] = [
  {
    name: 'EACCES on /dev/iommu 0660 root:root: no udev rule yet',
    f: { path: '/dev/iommu', errno: ERRNO.EACCES, ...user, mode: 0o660, ownerUid: 0, ownerGid: 0, groupName: 'root', vfioGid: VFIO },
    errnoName: 'EACCES', message: /mode 0660 group root: no udev rule gives group vfio/, hint: /70-doorbell-vfio\.rules.*udevadm control --reload.*usermod -aG vfio \$USER.*log out and in/,
    notHint: /groupadd/,
  },
  {
    name: 'no udev rule and no vfio group: create the group too',
    f: { path: '/dev/vfio/devices/vfio0', errno: ERRNO.EACCES, ...user, mode: 0o600, ownerGid: 0, groupName: 'root', vfioGid: null },
    errnoName: 'EACCES', message: /vfio0 is mode 0600 group root/, hint: /^sudo groupadd --system vfio; install/,
  },
  {
    name: 'rule applied, user not in vfio',
    f: { path: '/dev/vfio/devices/vfio3', errno: ERRNO.EACCES, ...user, mode: 0o660, ownerGid: VFIO, groupName: 'vfio', vfioGid: VFIO },
    errnoName: 'EACCES', message: /is mode 0660 group vfio, and this session \(uid 1000\) is not in group vfio/, hint: /usermod -aG vfio.*newgrp vfio/,
    notHint: /udev/,
  },
  {
    name: 'rule sets the group but not the mode',
    f: { path: '/dev/vfio/12', errno: ERRNO.EACCES, ...user, groups: [1000, VFIO], mode: 0o600, ownerGid: VFIO, groupName: 'vfio', vfioGid: VFIO },
    errnoName: 'EACCES', message: /belongs to group vfio but is mode 0600/, hint: /MODE="0660"/,
  },
  {
    name: 'in the group, mode right, still denied: LSM',
    f: { path: '/dev/iommu', errno: ERRNO.EACCES, ...user, groups: [1000, VFIO], mode: 0o660, ownerGid: VFIO, groupName: 'vfio', vfioGid: VFIO },
    errnoName: 'EACCES', message: /you are in it, yet access was denied/, hint: /SELinux\/AppArmor/,
  },
  {
    name: 'root denied on a device node',
    f: { path: '/dev/iommu', errno: ERRNO.EPERM, uid: 0, groups: [0], mode: 0o660, ownerGid: 0, groupName: 'root' },
    errnoName: 'EPERM', message: /refused root/, hint: /dmesg/,
  },
  {
    name: 'ENOENT /dev/iommu: no iommufd',
    f: { path: '/dev/iommu', errno: ERRNO.ENOENT, ...user },
    errnoName: 'ENOENT', message: /no iommufd/, hint: /modprobe iommufd/,
  },
  {
    name: 'ENOENT vfio cdev: not bound',
    f: { path: '/dev/vfio/devices/vfio7', errno: ERRNO.ENOENT, ...user },
    errnoName: 'ENOENT', message: /not bound to vfio-pci/, hint: /privileged helper/,
  },
  {
    name: 'ENOENT debugfs irq file',
    f: { path: '/sys/kernel/debug/irq/irqs/33', errno: ERRNO.ENOENT, uid: 0, groups: [0] },
    errnoName: 'ENOENT', message: /debugfs is not mounted/, hint: /mount -t debugfs/,
  },
  {
    name: 'ENOMEM on IOAS_MAP with a 8 MiB memlock',
    f: { path: '/dev/iommu', op: 'IOMMU_IOAS_MAP', errno: ERRNO.ENOMEM, ...user, memlock: { soft: 8 << 20, hard: 8 << 20, requested: 64 << 20 } },
    errnoName: 'ENOMEM', message: /64 MiB requested, RLIMIT_MEMLOCK is 8 MiB \(hard 8 MiB\)/, hint: /@vfio - memlock unlimited.*limits\.d.*LimitMEMLOCK=infinity/,
    notHint: /ulimit -l/,
  },
  {
    name: 'ENOMEM under the hard limit: ulimit -l raises it now',
    f: { path: '/dev/iommu', op: 'IOMMU_IOAS_MAP', errno: ERRNO.ENOMEM, ...user, memlock: { soft: 64 << 10, hard: 1 << 30, requested: 16 << 20 } },
    errnoName: 'ENOMEM', message: /16 MiB requested, RLIMIT_MEMLOCK is 64 KiB/, hint: /ulimit -l 1048576/,
  },
  {
    name: 'ENOMEM with unlimited memlock is real memory pressure',
    f: { path: '/dev/iommu', op: 'IOMMU_IOAS_MAP', errno: ERRNO.ENOMEM, ...user, memlock: { soft: 'unlimited', hard: 'unlimited' } },
    errnoName: 'ENOMEM', message: /although RLIMIT_MEMLOCK is unlimited/, hint: /Map less/, notHint: /limits\.d/,
  },
  {
    name: 'affinity write as a user: use the helper',
    f: { path: '/proc/irq/33/smp_affinity_list', errno: ERRNO.EACCES, ...user },
    errnoName: 'EACCES', message: /Writing IRQ affinity needs root/, hint: /pkexec.*org\.doorbell\.helper.*Do not run the GUI as root/,
  },
  {
    name: 'affinity write as root refused: managed IRQ',
    f: { path: '/proc/irq/36/smp_affinity_list', op: 'write /proc/irq/36/smp_affinity_list', errno: ERRNO.EPERM, uid: 0, groups: [0] },
    errnoName: 'EPERM', message: /refused root/, hint: /managed/,
  },
  {
    name: 'config space past 64 bytes',
    f: { path: '/sys/bus/pci/devices/0000:00:04.0/config', errno: ERRNO.EACCES, ...user },
    errnoName: 'EACCES', message: /config space past 64 bytes needs root/, hint: /helper/,
  },
  {
    name: 'EBUSY on a group held by a VMM',
    f: { path: '/dev/vfio/12', errno: ERRNO.EBUSY, ...user },
    errnoName: 'EBUSY', message: /in use by another process/, hint: /fuser -v \/dev\/vfio\/12/,
  },
  {
    name: 'anything else still names path and errno',
    f: { path: '/dev/vfio/devices/vfio0', errno: ERRNO.EINVAL, ...user },
    errnoName: 'EINVAL', message: /open \/dev\/vfio\/devices\/vfio0 failed: EINVAL \(22\)/, hint: /ls -l/,
  },
];

describe('common/permissions explainOpenFailure', () => {
  it.each(rows)('$name', ({ f, errnoName, message, hint, notHint }) => {
    const e = explainOpenFailure(f);
    expect(e.errnoName).toBe(errnoName);
    expect(e.errno).toBe(f.errno);
    expect(e.path).toBe(f.path);
    expect(e.op).toBe(f.op ?? `open ${f.path}`);
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
    if (notHint) expect(e.hint).not.toMatch(notHint);
    expect(e.detail?.uid).toBe(f.uid);
    if (f.mode !== undefined) expect(e.detail?.mode).toBe(`0${f.mode.toString(8)}`);
  });

  it('classifies kernel paths', () => {
    expect(nodeKind('/dev/iommu')).toBe('iommu');
    expect(nodeKind('/dev/vfio/devices/vfio12')).toBe('vfio-cdev');
    expect(nodeKind('/dev/vfio/vfio')).toBe('vfio-container');
    expect(nodeKind('/dev/vfio/noiommu-3')).toBe('vfio-group');
    expect(nodeKind('/proc/irq/5/smp_affinity')).toBe('irq-affinity');
    expect(nodeKind('/sys/bus/pci/devices/0000:00:04.0/resource2_wc')).toBe('pci-resource');
    expect(nodeKind('/dev/vfio/devices/../../etc')).toBe('other');
  });
});
