// SPDX-License-Identifier: MIT
// The only FFI call site for ioctl(2). Every call returns { ret, errno } and records one trace
// record (name, fd, the arguments that matter, ret, errno, duration).
//
// Timing uses performance.now() (a double, no BigInt allocation) and only when a tracer listens:
// the wrapper must stay close to a bare koffi call (npm run bench: ffi).
//
// SAFETY: for 'struct' arguments koffi encodes the object into memory it owns for the duration of
// the call and decodes it back into the same object (koffi.inout). For 'buffer' arguments the
// kernel reads and writes the JS Buffer in place; the caller must keep it referenced until the
// call returns (it is, since the call is synchronous). Pointers stored *inside* a struct (e.g.
// allowed_iovas, data_uptr) must point at koffi.alloc'ed or mmap'ed memory the caller frees.
import { performance } from 'node:perf_hooks';
import { errnoName } from '../../common/errno.js';
import { type StructDef, koffiType, normalizeStruct } from '../uapi/layout.js';
import { libc } from './libc.js';
import { type CallCtx, traceArgs } from './trace.js';

export type IoctlArg =
  /** No argument (_IO with nothing): VFIO_GET_API_VERSION, VFIO_DEVICE_RESET. */
  | { kind: 'none' }
  /** An integer by value: VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU. */
  | { kind: 'value'; value: number }
  /** A fixed-size uAPI struct, read and written back (koffi.inout). u64 fields come back as bigint. */
  | { kind: 'struct'; def: StructDef; value: Record<string, number | bigint> }
  /** Raw bytes (flexible arrays, capability chains, int out-parameters). */
  | { kind: 'buffer'; buffer: Buffer }
  /** A NUL-terminated string: VFIO_GROUP_GET_DEVICE_FD. */
  | { kind: 'string'; value: string };

export interface IoctlResult {
  ret: number;
  /** 0 on success. */
  errno: number;
}

/**
 * ioctl(fd, request, arg). Returns the raw return value and errno (read with koffi.errno() right
 * after the call). Throws only LabFailure('load koffi') when the FFI is unavailable.
 * `trace` holds the arguments worth logging (ids, iova, length, flags); name is the kernel's macro.
 */
export function ioctl(
  fd: number,
  name: string,
  request: number,
  arg: IoctlArg,
  ctx: CallCtx = {},
  trace: Record<string, number | bigint | boolean | string | undefined> = {},
): IoctlResult {
  const c = libc();
  const tracer = ctx.tracer;
  const t0 = tracer ? performance.now() : 0;
  let ret: number;
  switch (arg.kind) {
    case 'none':
      ret = c.ioctlBuf(fd, request, null);
      break;
    case 'value':
      ret = c.ioctlVal(fd, request, arg.value);
      break;
    case 'struct':
      ret = c.ioctlStruct(arg.def.name, koffiType(c.koffi, arg.def))(fd, request, arg.value);
      break;
    case 'buffer':
      ret = c.ioctlBuf(fd, request, arg.buffer);
      break;
    case 'string':
      ret = c.ioctlStr(fd, request, arg.value);
      break;
  }
  const errno = ret < 0 ? c.errno() : 0;
  const durationUs = tracer ? Math.round((performance.now() - t0) * 1000) : 0;
  if (arg.kind === 'struct') normalizeStruct(arg.def, arg.value);
  tracer?.record({
    at: Date.now(),
    kind: 'ioctl',
    op: name,
    bdf: ctx.bdf ?? null,
    args: traceArgs({ fd, request: `0x${request.toString(16)}`, ...trace }),
    ok: ret >= 0,
    ret,
    errno: errno || null,
    errnoName: errno ? errnoName(errno) : null,
    durationUs,
  });
  return { ret, errno };
}
