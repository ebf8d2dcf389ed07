// SPDX-License-Identifier: MIT
// iommufd wrappers against the real kernel of this machine: /dev/iommu absent (no IOMMU) must be a
// clear LabError, and iommufd ioctls on a non-iommufd fd (/dev/null) must be ENOTTY as data.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeFd, O_RDWR, openPath } from '../../../native/sys/fd.js';
import { type NativeResult } from '../../../native/sys/result.js';
import { destroy, getHwInfo, openIommufd, option, vfioIoas } from '../../../native/iommufd/iommufd.js';
import { ioasAlloc, ioasAllowIovas, ioasCopy, ioasIovaRanges, ioasMap, ioasMapFile, ioasUnmap } from '../../../native/iommufd/ioas.js';
import { hwptAlloc } from '../../../native/iommufd/hwpt.js';
import { viommuAlloc } from '../../../native/iommufd/viommu.js';
import { vdeviceAlloc } from '../../../native/iommufd/vdevice.js';
import { probeFeatures } from '../../../native/iommufd/probe.js';
import { Recorder } from '../sys/recorder.js';

describe.runIf(!existsSync('/dev/iommu'))('native/iommufd on a machine without /dev/iommu', () => {
  it('openIommufd is ENOENT as a LabError with op, errno name/number, path and a hint', () => {
    const rec = new Recorder();
    const r = openIommufd({ tracer: rec });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.errno, r.errnoValue]).toEqual(['ENOENT', 2]);
    expect(r.error).toMatchObject({ op: 'open /dev/iommu', errno: 2, errnoName: 'ENOENT', path: '/dev/iommu' });
    expect(r.error.hint).toMatch(/CONFIG_IOMMUFD/);
    expect(rec.ops[0]).toMatchObject({ kind: 'open', op: 'open /dev/iommu', ok: false, errnoName: 'ENOENT' });
  });

  it('probeFeatures says iommufd is absent and how it knows', () => {
    const p = probeFeatures();
    expect(p.find((x) => x.feature === 'native')?.supported).toBe(true);
    expect(p.find((x) => x.feature === 'iommufd')).toEqual({ feature: 'iommufd', supported: false, how: 'open /dev/iommu → ENOENT' });
  });
});

describe('native/iommufd ioctls on /dev/null give ENOTTY as data', () => {
  let fd = -1;
  const rec = new Recorder();
  beforeAll(() => {
    const o = openPath('/dev/null', O_RDWR);
    if (!o.ok) throw new Error(o.error.message);
    fd = o.value;
  });
  afterAll(() => closeFd(fd));

  const calls: [string, () => NativeResult<unknown>][] = [
    ['IOMMU_IOAS_ALLOC', () => ioasAlloc(fd, { tracer: rec })],
    ['IOMMU_IOAS_IOVA_RANGES', () => ioasIovaRanges(fd, 1, { tracer: rec })],
    ['IOMMU_IOAS_ALLOW_IOVAS', () => ioasAllowIovas(fd, 1, [{ start: 0n, last: 0xfffffn }], { tracer: rec })],
    ['IOMMU_IOAS_MAP', () => ioasMap(fd, { ioasId: 1, userVa: 0x1000n, length: 0x1000n, iova: 1n << 60n, readable: true, writeable: false }, { tracer: rec })],
    ['IOMMU_IOAS_MAP_FILE', () => ioasMapFile(fd, { ioasId: 1, fileFd: fd, start: 0n, length: 0x1000n, readable: true, writeable: true }, { tracer: rec })],
    ['IOMMU_IOAS_COPY', () => ioasCopy(fd, { dstIoasId: 2, srcIoasId: 1, srcIova: 0n, length: 0x1000n, readable: true, writeable: true }, { tracer: rec })],
    ['IOMMU_IOAS_UNMAP', () => ioasUnmap(fd, { ioasId: 1, iova: 0n, length: (1n << 64n) - 1n }, { tracer: rec })],
    ['IOMMU_DESTROY', () => destroy(fd, 1, { tracer: rec })],
    ['IOMMU_OPTION', () => option(fd, { optionId: 1, op: 'get', objectId: 1 }, { tracer: rec })],
    ['IOMMU_VFIO_IOAS', () => vfioIoas(fd, 'get', 0, { tracer: rec })],
    ['IOMMU_GET_HW_INFO', () => getHwInfo(fd, 1, { tracer: rec })],
    ['IOMMU_HWPT_ALLOC', () => hwptAlloc(fd, { devId: 1, ptId: 2, flags: 0, data: new Uint8Array(16) }, { tracer: rec })],
    ['IOMMU_VIOMMU_ALLOC', () => viommuAlloc(fd, { type: 1, devId: 1, hwptId: 2 }, { tracer: rec })],
    ['IOMMU_VDEVICE_ALLOC', () => vdeviceAlloc(fd, { viommuId: 3, devId: 1, virtId: 0x100n }, { tracer: rec })],
  ];
  for (const [name, call] of calls) {
    it(name, () => {
      const before = rec.ops.length;
      const r = call();
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect([r.errno, r.errnoValue]).toEqual(['ENOTTY', 25]);
      expect(r.error).toMatchObject({ op: name, errno: 25, errnoName: 'ENOTTY', detail: { fd } });
      expect(r.error.hint).toMatch(/does not know this ioctl/);
      // Exactly one ioctl, traced (IOVA_RANGES stops at the first pass: ENOTTY is not EMSGSIZE).
      expect(rec.ops.slice(before).map((o) => [o.op, o.errnoName])).toEqual([[name, 'ENOTTY']]);
    });
  }

  it('u64 trace arguments are hex strings (IOVA above 2^53 keeps its value)', () => {
    const map = rec.ops.find((o) => o.op === 'IOMMU_IOAS_MAP');
    expect(map?.args).toMatchObject({ iova: '0x1000000000000000', length: '0x1000', ioas_id: 1, flags: 5 });
  });
});
