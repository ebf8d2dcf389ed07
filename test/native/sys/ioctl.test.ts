// SPDX-License-Identifier: MIT
// The ioctl call site against the real kernel, on ioctls that are harmless on any machine.
import { afterEach, describe, expect, it } from 'vitest';
import { LabFailure } from '../../../common/errors.js';
import { closeFd, pipe, writeFd } from '../../../native/sys/fd.js';
import { ioctl } from '../../../native/sys/ioctl.js';
import { _setKoffiLoaderForTest, libc, nativeAvailable } from '../../../native/sys/libc.js';
import { IOMMUFD_IOCTL, iommu_ioas_alloc, zeroed } from '../../../native/uapi/index.js';
import { KernelLog } from '../../../lab/kernel-log.js';
import { Recorder } from './recorder.js';

const FIONREAD = 0x541b; // asm-generic/ioctls.h (x86_64, arm64, riscv64)

function withPipe<T>(fn: (r: number, w: number) => T): T {
  const p = pipe();
  if (!p.ok) throw new Error(p.error.message);
  const [r, w] = p.value;
  try {
    return fn(r, w);
  } finally {
    closeFd(r);
    closeFd(w);
  }
}

describe('native/sys/ioctl', () => {
  afterEach(() => _setKoffiLoaderForTest(null));

  it('FIONREAD on a pipe returns the number of bytes written, through the raw void* form', () => {
    const rec = new Recorder();
    withPipe((r, w) => {
      const payload = Buffer.from('doorbell!');
      expect(writeFd(w, payload)).toEqual({ ok: true, value: payload.length });
      const out = Buffer.alloc(4);
      const res = ioctl(r, 'FIONREAD', FIONREAD, { kind: 'buffer', buffer: out }, { tracer: rec }, { what: 'pipe' });
      expect(res).toEqual({ ret: 0, errno: 0 });
      expect(out.readInt32LE(0)).toBe(payload.length);
    });
    expect(rec.ops).toHaveLength(1);
    expect(rec.ops[0]).toMatchObject({ kind: 'ioctl', op: 'FIONREAD', ok: true, ret: 0, errno: null, errnoName: null, args: { request: '0x541b', what: 'pipe' } });
    expect(rec.ops[0]!.durationUs).toBeGreaterThanOrEqual(0);
  });

  it('an iommufd ioctl on a pipe gives ENOTTY as data and is recorded with its errno', () => {
    const log = new KernelLog();
    withPipe((r) => {
      const value = zeroed(iommu_ioas_alloc);
      const res = ioctl(r, 'IOMMU_IOAS_ALLOC', IOMMUFD_IOCTL.IOMMU_IOAS_ALLOC, { kind: 'struct', def: iommu_ioas_alloc, value }, { tracer: log, bdf: '0000:00:02.0' });
      expect(res).toEqual({ ret: -1, errno: 25 });
    });
    const [op] = log.since(0);
    expect(op).toMatchObject({ seq: 1, op: 'IOMMU_IOAS_ALLOC', bdf: '0000:00:02.0', ok: false, ret: -1, errno: 25, errnoName: 'ENOTTY' });
  });

  it('a missing koffi becomes LabFailure "unsupported", not a crash', () => {
    _setKoffiLoaderForTest(() => {
      throw new Error("Cannot find module 'koffi'");
    });
    expect(nativeAvailable()).toBe(false);
    let caught: unknown;
    try {
      libc();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LabFailure);
    expect((caught as LabFailure).error).toMatchObject({ op: 'load koffi', detail: { feature: 'native' } });
    expect((caught as LabFailure).error.message).toMatch(/^unsupported: .*Cannot find module 'koffi'/);
    expect((caught as LabFailure).error.hint).toMatch(/npm install/);
    _setKoffiLoaderForTest(null);
    expect(nativeAvailable()).toBe(true);
  });
});
