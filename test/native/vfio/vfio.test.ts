// SPDX-License-Identifier: MIT
// VFIO wrappers on this machine (no VFIO devices): ioctls on a non-VFIO fd give ENOTTY as data,
// cdev lookup works on a sysfs-shaped tree, and the pure encoders/parsers follow the uAPI layouts.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabFailure } from '../../../common/errors.js';
import { closeFd, O_RDWR, openPath } from '../../../native/sys/fd.js';
import { type NativeResult } from '../../../native/sys/result.js';
import { attachPt, bindIommufd, detachPt, deviceInfo, findCdev, openDeviceCdev, resetDevice } from '../../../native/vfio/device.js';
import { parseRegionCaps, regionInfo } from '../../../native/vfio/region.js';
import { encodeIrqSet, irqInfo, setIrqs } from '../../../native/vfio/irq.js';
import { groupGetDeviceFd, groupSetContainer, groupStatus, iommuGroupOf } from '../../../native/vfio/group.js';
import { apiVersion, checkExtension, iommuInfo, mapDma, unmapDma } from '../../../native/vfio/container.js';
import { encodeInto, vfio_info_cap_header, vfio_region_info, vfio_region_info_cap_sparse_mmap, vfio_region_sparse_mmap_area, VFIO_CONST as K } from '../../../native/uapi/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-vfio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('native/vfio ioctls on /dev/null give ENOTTY as data', () => {
  let fd = -1;
  beforeAll(() => {
    const o = openPath('/dev/null', O_RDWR);
    if (!o.ok) throw new Error(o.error.message);
    fd = o.value;
  });
  afterAll(() => closeFd(fd));
  const calls: [string, () => NativeResult<unknown>][] = [
    ['VFIO_DEVICE_BIND_IOMMUFD', () => bindIommufd(fd, 99)],
    ['VFIO_DEVICE_ATTACH_IOMMUFD_PT', () => attachPt(fd, 1)],
    ['VFIO_DEVICE_DETACH_IOMMUFD_PT', () => detachPt(fd)],
    ['VFIO_DEVICE_GET_INFO', () => deviceInfo(fd)],
    ['VFIO_DEVICE_GET_REGION_INFO', () => regionInfo(fd, 7)],
    ['VFIO_DEVICE_GET_IRQ_INFO', () => irqInfo(fd, 2)],
    ['VFIO_DEVICE_SET_IRQS', () => setIrqs(fd, { index: 2, start: 0, count: 2, action: 'trigger', data: { kind: 'eventfd', fds: [5, -1] } })],
    ['VFIO_DEVICE_RESET', () => resetDevice(fd)],
    ['VFIO_GROUP_GET_STATUS', () => groupStatus(fd)],
    ['VFIO_GROUP_SET_CONTAINER', () => groupSetContainer(fd, 3)],
    ['VFIO_GROUP_GET_DEVICE_FD', () => groupGetDeviceFd(fd, '0000:00:02.0')],
    ['VFIO_GET_API_VERSION', () => apiVersion(fd)],
    ['VFIO_CHECK_EXTENSION', () => checkExtension(fd, 3)],
    ['VFIO_IOMMU_GET_INFO', () => iommuInfo(fd)],
    ['VFIO_IOMMU_MAP_DMA', () => mapDma(fd, { vaddr: 0x1000n, iova: 0n, size: 0x1000n, read: true, write: true })],
    ['VFIO_IOMMU_UNMAP_DMA', () => unmapDma(fd, { iova: 0n, size: 0x1000n })],
  ];
  for (const [name, call] of calls) {
    it(name, () => {
      const r = call();
      expect(r.ok).toBe(false);
      if (!r.ok) expect([r.error.op, r.errno, r.errnoValue, r.error.errnoName]).toEqual([name, 'ENOTTY', 25, 'ENOTTY']);
    });
  }
});

describe('native/vfio device lookup', () => {
  it('finds /dev/vfio/devices/vfioN from sysfs under a root', () => {
    mkdirSync(path.join(dir, 'sys/bus/pci/devices/0000:00:02.0/vfio-dev/vfio3'), { recursive: true });
    expect(findCdev('0000:00:02.0', dir)).toEqual({
      ok: true,
      value: { name: 'vfio3', path: path.join(dir, 'dev/vfio/devices/vfio3'), sysfs: path.join(dir, 'sys/bus/pci/devices/0000:00:02.0/vfio-dev/vfio3') },
    });
    const o = openDeviceCdev('0000:00:02.0', { root: dir });
    expect(o.ok).toBe(false);
    if (!o.ok) expect(o.error).toMatchObject({ op: `open ${path.join(dir, 'dev/vfio/devices/vfio3')}`, errnoName: 'ENOENT' });
  });

  it('a real device not bound to vfio: ENOENT with a binding hint; a bad BDF: EINVAL', () => {
    const real = findCdev('0000:00:02.0');
    expect(real.ok).toBe(false);
    if (!real.ok) {
      expect(real.errno).toBe('ENOENT');
      expect(real.error.hint).toMatch(/vfio-pci|No PCI device/);
    }
    const bad = findCdev('00:02.0');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect([bad.errno, bad.error.op]).toEqual(['EINVAL', 'find vfio cdev 00:02.0']);
  });

  it('iommuGroupOf reads the iommu_group link, ENOENT without one', () => {
    const dev = path.join(dir, 'sys/bus/pci/devices/0000:00:03.0');
    mkdirSync(dev, { recursive: true });
    symlinkSync('../../../kernel/iommu_groups/12', path.join(dev, 'iommu_group'));
    expect(iommuGroupOf('0000:00:03.0', dir)).toEqual({ ok: true, value: 12 });
    const none = iommuGroupOf('0000:00:04.0', dir);
    expect(none.ok ? 0 : none.errno).toBe('ENOENT');
  });
});

describe('native/vfio encoders and capability chains', () => {
  it('VFIO_DEVICE_SET_IRQS buffer: 20-byte header, s32 eventfds packed at 20, argsz counts them', () => {
    const b = encodeIrqSet({ index: K.VFIO_PCI_MSIX_IRQ_INDEX, start: 1, count: 3, action: 'trigger', data: { kind: 'eventfd', fds: [7, -1, 9] } });
    expect(b.length).toBe(32);
    expect([b.readUInt32LE(0), b.readUInt32LE(4), b.readUInt32LE(8), b.readUInt32LE(12), b.readUInt32LE(16)])
      .toEqual([32, K.VFIO_IRQ_SET_DATA_EVENTFD | K.VFIO_IRQ_SET_ACTION_TRIGGER, 2, 1, 3]);
    expect([b.readInt32LE(20), b.readInt32LE(24), b.readInt32LE(28)]).toEqual([7, -1, 9]);
    const none = encodeIrqSet({ index: 2, start: 0, count: 0, action: 'trigger', data: { kind: 'none' } });
    expect([none.length, none.readUInt32LE(0), none.readUInt32LE(4)]).toEqual([20, 20, 0x21]);
    const bools = encodeIrqSet({ index: 0, start: 0, count: 2, action: 'mask', data: { kind: 'bool', values: [true, false] } });
    expect([...bools.subarray(20)]).toEqual([1, 0]);
    expect(bools.readUInt32LE(4)).toBe(K.VFIO_IRQ_SET_DATA_BOOL | K.VFIO_IRQ_SET_ACTION_MASK);
  });

  it('parses SPARSE_MMAP areas and MSIX_MAPPABLE from a chain laid out per the uAPI', () => {
    const sparseAt = vfio_region_info.size;
    const msixAt = sparseAt + vfio_region_info_cap_sparse_mmap.size + 2 * vfio_region_sparse_mmap_area.size;
    const buf = Buffer.alloc(msixAt + vfio_info_cap_header.size);
    encodeInto(vfio_region_info_cap_sparse_mmap, buf, { header: { id: K.VFIO_REGION_INFO_CAP_SPARSE_MMAP, version: 1, next: msixAt }, nr_areas: 2 }, sparseAt);
    encodeInto(vfio_region_sparse_mmap_area, buf, { offset: 0n, size: 0x2000n }, sparseAt + 16);
    encodeInto(vfio_region_sparse_mmap_area, buf, { offset: 0x3000n, size: 0x1000n }, sparseAt + 32);
    encodeInto(vfio_info_cap_header, buf, { id: K.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, version: 1, next: 0 }, msixAt);
    expect(parseRegionCaps(buf, sparseAt)).toEqual([
      { id: 1, version: 1, sparse: [{ offset: 0n, size: 0x2000n }, { offset: 0x3000n, size: 0x1000n }] },
      { id: 3, version: 1, msixMappable: true },
    ]);
  });

  it('a looping or out-of-bounds chain is a LabFailure naming the offset, not a hang', () => {
    const buf = Buffer.alloc(48);
    encodeInto(vfio_info_cap_header, buf, { id: 3, version: 1, next: 32 }, 32);
    expect(() => parseRegionCaps(buf, 32, 'region 0')).toThrow(LabFailure);
    expect(() => parseRegionCaps(buf, 44, 'region 0')).toThrow(/offset 44/);
  });
});
