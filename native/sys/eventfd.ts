// SPDX-License-Identifier: MIT
// eventfd(2): the kernel→user signal VFIO_DEVICE_SET_IRQS binds each vector to. A read returns the
// 8-byte counter and resets it; a non-blocking read with nothing signalled gives EAGAIN.
import { errnoName } from '../../common/errno.js';
import { libc } from './libc.js';
import { type NativeResult, nerr, nok } from './result.js';
import { POLLIN, pollFd, readFd, writeFd } from './fd.js';

export const EFD_CLOEXEC = 0o2000000;
export const EFD_NONBLOCK = 0o4000;

export function eventfdCreate(initval = 0, flags = EFD_CLOEXEC | EFD_NONBLOCK): NativeResult<number> {
  const c = libc();
  const fd = c.eventfd(initval, flags);
  if (fd < 0) return nerr('eventfd', c.errno(), 'Too many open files? Check the process fd limit.');
  return nok(fd);
}

/** Read and reset the counter; 0n when nothing was signalled (EAGAIN on a non-blocking fd). */
export function eventfdRead(fd: number): NativeResult<bigint> {
  const r = readFd(fd, 8, `read eventfd ${fd}`);
  if (!r.ok) return errnoName(r.errnoValue) === 'EAGAIN' ? nok(0n) : r;
  return nok(r.value.length === 8 ? r.value.readBigUInt64LE(0) : 0n);
}

/** Add `value` to the counter (what a loop-back test or the kernel's eventfd_signal does). */
export function eventfdWrite(fd: number, value: bigint = 1n): NativeResult<void> {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(value);
  const r = writeFd(fd, b, `write eventfd ${fd}`);
  return r.ok ? nok(undefined) : r;
}

/** True when the counter is non-zero (poll with timeout 0; never blocks). */
export function eventfdReadable(fd: number): NativeResult<boolean> {
  const r = pollFd(fd, POLLIN, 0);
  return r.ok ? nok((r.value & POLLIN) !== 0) : r;
}

/**
 * Watch an eventfd on the Node event loop (koffi.node.poll); `onSignal` gets the counter each time
 * it becomes readable. Returns a stop function. koffi 3.3.4 calls back with (status, events); the
 * typings omit status.
 */
export function eventfdWatch(fd: number, onSignal: (count: bigint) => void): () => void {
  const k = libc().koffi;
  const handle = k.node.poll(fd, { readable: true }, ((...args: unknown[]) => {
    const ev = args[args.length - 1] as { readable?: boolean };
    if (!ev?.readable) return;
    const r = eventfdRead(fd);
    if (r.ok && r.value > 0n) onSignal(r.value);
  }) as never);
  return () => handle.close();
}
