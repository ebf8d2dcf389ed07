// SPDX-License-Identifier: MIT
// Helpers on top of ioctl(): a struct call that turns errno into a NativeResult with a hint, and
// user memory for pointers the kernel follows from inside a struct (allowed_iovas, data_uptr).
import { errnoName } from '../../common/errno.js';
import { type StructDef } from '../uapi/layout.js';
import { ioctl } from './ioctl.js';
import { libc } from './libc.js';
import { type NativeResult, nerr, nok } from './result.js';
import { type CallCtx } from './trace.js';

export type ErrnoHints = Partial<Record<string, string>>;

/**
 * The iommufd header's general errno meanings ("DOC: General ioctl format"), used when a wrapper
 * has nothing more specific. VFIO follows the same conventions except that it reports unknown
 * flags with EINVAL.
 */
export const GENERIC_HINTS: ErrnoHints = {
  ENOTTY: 'The kernel does not know this ioctl on this fd: wrong fd type, or a kernel older than the feature.',
  E2BIG: 'The kernel is older than this struct and saw non-zero bytes it does not understand; send the older size.',
  EOPNOTSUPP: 'A flag or field value is not supported by this kernel or this IOMMU.',
  EINVAL: 'A field value is invalid for this call (check ids, alignment, flags and argsz).',
  ENOENT: 'The object ID or IOVA range does not exist.',
  ENOMEM: 'The kernel ran out of memory (or RLIMIT_MEMLOCK for pinned pages).',
  EOVERFLOW: 'An address or length overflowed 64 bits.',
  EBUSY: 'The object is still in use (an attached device, a mapping or a child object).',
  EPERM: 'Not permitted: needs root/CAP_SYS_RAWIO, or the platform lacks isolated MSI (allow_unsafe_interrupts).',
  EACCES: 'Permission denied on this fd.',
  EBADF: 'The file descriptor is not open.',
  EFAULT: 'A user pointer inside the struct is invalid; this is a bug in Doorbell.',
};

export function hintFor(errno: number, hints: ErrnoHints = {}): string {
  const name = errnoName(errno);
  return hints[name] ?? GENERIC_HINTS[name] ?? 'See the ioctl documentation in the uAPI header for this errno.';
}

/**
 * ioctl with a fixed-size struct. On success the value object holds what the kernel wrote back
 * (u64 fields as bigint). On failure: the errno as data, with the ioctl name, fd and traced args.
 */
export function structCall<V extends Record<string, number | bigint>>(
  fd: number, name: string, request: number, def: StructDef, value: V,
  ctx: CallCtx = {}, trace: Record<string, number | bigint | boolean | string | undefined> = {}, hints: ErrnoHints = {},
): NativeResult<V> {
  const r = ioctl(fd, name, request, { kind: 'struct', def, value }, ctx, trace);
  if (r.ret < 0) return nerr(name, r.errno, hintFor(r.errno, hints), { detail: detailOf(fd, trace) });
  return nok(value);
}

/** ioctl with a raw buffer (flexible arrays, capability chains); the buffer is updated in place. */
export function bufferCall(
  fd: number, name: string, request: number, buffer: Buffer,
  ctx: CallCtx = {}, trace: Record<string, number | bigint | boolean | string | undefined> = {}, hints: ErrnoHints = {},
): NativeResult<number> {
  const r = ioctl(fd, name, request, { kind: 'buffer', buffer }, ctx, trace);
  if (r.ret < 0) return nerr(name, r.errno, hintFor(r.errno, hints), { detail: detailOf(fd, trace) });
  return nok(r.ret);
}

/** ioctl with no argument, an integer or a string; returns the ioctl's non-negative return value. */
export function plainCall(
  fd: number, name: string, request: number, arg: { kind: 'none' } | { kind: 'value'; value: number } | { kind: 'string'; value: string },
  ctx: CallCtx = {}, trace: Record<string, number | bigint | boolean | string | undefined> = {}, hints: ErrnoHints = {},
): NativeResult<number> {
  const r = ioctl(fd, name, request, arg, ctx, trace);
  if (r.ret < 0) return nerr(name, r.errno, hintFor(r.errno, hints), { detail: detailOf(fd, trace) });
  return nok(r.ret);
}

function detailOf(fd: number, trace: Record<string, number | bigint | boolean | string | undefined>) {
  const d: Record<string, string | number | boolean> = { fd };
  for (const [k, v] of Object.entries(trace)) if (v !== undefined) d[k] = typeof v === 'bigint' ? `0x${v.toString(16)}` : v;
  return d;
}

/**
 * Memory the kernel reads or writes through a pointer stored in a struct. koffi.alloc'ed, so it
 * is not a JS external buffer (allowed in Electron); copied in and out with encode/decode.
 * SAFETY: the owner must call free() after the ioctl returns and never before.
 */
export interface UserBuffer {
  readonly addr: bigint;
  readonly length: number;
  read(): Buffer;
  write(data: Buffer): void;
  free(): void;
}

export function allocUser(length: number): UserBuffer {
  const k = libc().koffi;
  const len = Math.max(length, 1);
  const ptr = k.alloc('uint8_t', len);
  const addr = BigInt(k.address(ptr));
  let freed = false;
  return {
    addr, length,
    read: () => Buffer.from(k.decode(ptr, 'uint8_t', len) as number[]).subarray(0, length),
    write: (data) => k.encode(ptr, 'uint8_t', Array.from(data), data.length),
    free: () => {
      if (!freed) k.free(ptr);
      freed = true;
    },
  };
}
