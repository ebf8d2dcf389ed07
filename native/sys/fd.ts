// SPDX-License-Identifier: MIT
// File descriptors: open/close/read/write/pread/pwrite/pipe through libc, each returning errno as
// data. pread/pwrite move exactly the width asked for (device registers must be accessed at their
// natural width: a 4-byte pread at a VFIO region offset is one 32-bit MMIO read).
import { type LabError } from '../../common/errors.js';
import { errnoName } from '../../common/errno.js';
import { hrNowUs, libc } from './libc.js';
import { type NativeResult, nerr, nok } from './result.js';
import { type CallCtx, traceArgs } from './trace.js';

// Linux generic open flags (x86_64, arm64, riscv64 agree).
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;

/** Hints for the errnos an open of a kernel device node meets. */
export function openHint(path: string, errno: number): string {
  switch (errnoName(errno)) {
    case 'ENOENT': return `${path} does not exist: the driver is not loaded or the kernel lacks the feature.`;
    case 'EACCES': case 'EPERM': return `No permission for ${path}: run as root or grant access with a udev rule (build/udev).`;
    case 'EBUSY': return `${path} is in use by another process (a running VMM?); close it there first.`;
    case 'ENODEV': case 'ENXIO': return `The device behind ${path} is gone or not bound to the expected driver.`;
    default: return `Check that ${path} is the right node and that this process may open it.`;
  }
}

export function openPath(path: string, flags: number, ctx: CallCtx = {}, hint?: (errno: number) => string): NativeResult<number> {
  const c = libc();
  const t0 = hrNowUs();
  const fd = c.open(path, flags | O_CLOEXEC, 0);
  const errno = fd < 0 ? c.errno() : 0;
  ctx.tracer?.record({
    at: Date.now(), kind: 'open', op: `open ${path}`, bdf: ctx.bdf ?? null,
    args: traceArgs({ path, flags: `0x${flags.toString(16)}` }), ok: fd >= 0, ret: fd,
    errno: errno || null, errnoName: errno ? errnoName(errno) : null, durationUs: hrNowUs() - t0,
  });
  if (fd < 0) return nerr(`open ${path}`, errno, (hint ?? ((e) => openHint(path, e)))(errno), { path });
  return nok(fd);
}

export function closeFd(fd: number, what = `fd ${fd}`): NativeResult<void> {
  const c = libc();
  if (c.close(fd) < 0) {
    const errno = c.errno();
    return nerr(`close ${what}`, errno, 'The descriptor was not open; this is a bug in Doorbell (double close).');
  }
  return nok(undefined);
}

function shortIo(op: string, want: number, got: number): NativeResult<never> {
  const error: LabError = {
    op, message: `${op} moved ${got} of ${want} bytes`, errno: 5, errnoName: 'EIO',
    hint: 'The offset is past the end of the region or file; check the region size.',
  };
  return { ok: false, errno: 'EIO', errnoValue: 5, error };
}

/** pread exactly `len` bytes at `offset`. A short read is an error (EIO). */
export function preadExact(fd: number, len: number, offset: bigint | number, op = `pread fd ${fd}`): NativeResult<Buffer> {
  const c = libc();
  const buf = Buffer.alloc(len);
  const n = c.pread(fd, buf, len, offset);
  if (n < 0) return nerr(op, c.errno(), 'The region may not be readable (check region flags) or the offset is wrong.', { detail: { offset: `0x${offset.toString(16)}`, len } });
  if (n !== len) return shortIo(op, len, n);
  return nok(buf);
}

/** pwrite all of `data` at `offset`. Recorded as a 'write' op when a tracer is given. */
export function pwriteExact(fd: number, data: Buffer, offset: bigint | number, ctx: CallCtx = {}, op = `pwrite fd ${fd}`): NativeResult<void> {
  const c = libc();
  const t0 = hrNowUs();
  const n = c.pwrite(fd, data, data.length, offset);
  const errno = n < 0 ? c.errno() : 0;
  ctx.tracer?.record({
    at: Date.now(), kind: 'write', op, bdf: ctx.bdf ?? null,
    args: traceArgs({ fd, offset: BigInt(offset), len: data.length }), ok: n === data.length, ret: n,
    errno: errno || null, errnoName: errno ? errnoName(errno) : null, durationUs: hrNowUs() - t0,
  });
  if (n < 0) return nerr(op, errno, 'The region may not be writable (check region flags) or the offset is wrong.', { detail: { offset: `0x${offset.toString(16)}`, len: data.length } });
  if (n !== data.length) return shortIo(op, data.length, n);
  return nok(undefined);
}

/** read(2) up to `len` bytes; EAGAIN on a non-blocking fd comes back as an error result. */
export function readFd(fd: number, len: number, op = `read fd ${fd}`): NativeResult<Buffer> {
  const c = libc();
  const buf = Buffer.alloc(len);
  const n = c.read(fd, buf, len);
  if (n < 0) return nerr(op, c.errno(), 'Nothing to read yet (EAGAIN) or the descriptor is not readable.');
  return nok(buf.subarray(0, n));
}

export function writeFd(fd: number, data: Buffer, op = `write fd ${fd}`): NativeResult<number> {
  const c = libc();
  const n = c.write(fd, data, data.length);
  if (n < 0) return nerr(op, c.errno(), 'The descriptor is not writable or the value was refused.');
  return nok(n);
}

/** pipe2(O_CLOEXEC [| O_NONBLOCK]): [read end, write end]. */
export function pipe(nonblock = false): NativeResult<[number, number]> {
  const c = libc();
  const fds = new Int32Array(2);
  if (c.pipe2(fds, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0)) < 0) return nerr('pipe2', c.errno(), 'Too many open files? Check the process fd limit.');
  return nok([fds[0]!, fds[1]!]);
}

export const POLLIN = 0x1;
export const POLLOUT = 0x4;

/** poll(2) on one fd with a timeout in ms (0 = just check). Returns the revents bits. */
export function pollFd(fd: number, events: number, timeoutMs: number): NativeResult<number> {
  const c = libc();
  const pfd = Buffer.alloc(8); // struct pollfd { int fd; short events; short revents; }
  pfd.writeInt32LE(fd, 0);
  pfd.writeInt16LE(events, 4);
  const n = c.poll(pfd, 1, timeoutMs);
  if (n < 0) return nerr('poll', c.errno(), 'The descriptor is not valid.');
  return nok(pfd.readInt16LE(6));
}
