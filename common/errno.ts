// SPDX-License-Identifier: MIT
// Linux errno numbers (asm-generic/errno-base.h + errno.h; identical on x86_64, arm64 and riscv64).
// The iommufd uAPI header (include/uapi/linux/iommufd.h, "DOC: General ioctl format") gives these
// meanings for its ioctls: ENOTTY unknown ioctl, E2BIG unsupported trailing struct bytes,
// EOPNOTSUPP unknown flag or field value, EINVAL invalid value in a known field, ENOENT object ID
// not found, ENOMEM out of memory, EOVERFLOW arithmetic overflow.

export const ERRNO = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9,
  ECHILD: 10, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15, EBUSY: 16, EEXIST: 17,
  EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25,
  ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33,
  ERANGE: 34, EDEADLK: 35, ENAMETOOLONG: 36, ENOSYS: 38, ENODATA: 61, EOVERFLOW: 75,
  EBADFD: 77, EMSGSIZE: 90, EOPNOTSUPP: 95, EADDRINUSE: 98, ECONNREFUSED: 111, ETIMEDOUT: 110,
  EALREADY: 114, EINPROGRESS: 115, ENOTSUP: 95,
} as const;

export type ErrnoName = Exclude<keyof typeof ERRNO, 'ENOTSUP'>;

const BY_NUMBER = new Map<number, ErrnoName>();
for (const [name, num] of Object.entries(ERRNO)) {
  if (name !== 'ENOTSUP' && !BY_NUMBER.has(num)) BY_NUMBER.set(num, name as ErrnoName);
}

/** Errno number → name, or `E<num>` for numbers outside the table. */
export function errnoName(num: number): string {
  return BY_NUMBER.get(num) ?? `E${num}`;
}

export function errnoNumber(name: ErrnoName): number {
  return ERRNO[name];
}

/** Short strerror-style text, for the numbers Doorbell meets. */
const TEXT: Partial<Record<ErrnoName, string>> = {
  EPERM: 'Operation not permitted', ENOENT: 'No such file or directory', EIO: 'Input/output error',
  E2BIG: 'Argument list too long', EBADF: 'Bad file descriptor', EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory', EACCES: 'Permission denied', EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy', EEXIST: 'File exists', ENODEV: 'No such device',
  ENOTDIR: 'Not a directory', EINVAL: 'Invalid argument', ENOTTY: 'Inappropriate ioctl for device',
  ENOSPC: 'No space left on device', EROFS: 'Read-only file system', ERANGE: 'Numerical result out of range',
  ENOSYS: 'Function not implemented', EOVERFLOW: 'Value too large for defined data type',
  EMSGSIZE: 'Message too long', EOPNOTSUPP: 'Operation not supported', ENXIO: 'No such device or address',
  ENODATA: 'No data available', ETIMEDOUT: 'Connection timed out',
};

export function errnoText(num: number): string {
  const name = BY_NUMBER.get(num);
  return (name && TEXT[name]) ?? `errno ${num}`;
}
