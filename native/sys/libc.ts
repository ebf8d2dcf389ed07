// SPDX-License-Identifier: MIT
// libc through koffi, loaded lazily on first use. A missing or broken koffi becomes a LabFailure
// with op 'load koffi' ("unsupported"), never a crash at import time: the simulator and the
// snapshot backends must keep working on machines where the native module cannot load.
//
// Never koffi.view(): it creates an external ArrayBuffer, which Electron's V8 memory cage rejects.
// Memory the kernel writes through a user pointer is koffi.alloc'ed or mmap'ed and copied out with
// koffi.decode; buffers passed as `void *` arguments are JS Buffers, which koffi passes in place
// for the duration of a synchronous call.
import { createRequire } from 'node:module';
import { LabFailure } from '../../common/errors.js';

import type * as KoffiNs from 'koffi';

type KoffiModule = typeof KoffiNs;
type Fn = ((...args: unknown[]) => unknown);

export interface Libc {
  koffi: KoffiModule;
  open: (path: string, flags: number, mode: number) => number;
  close: (fd: number) => number;
  read: (fd: number, buf: Buffer, n: number) => number;
  write: (fd: number, buf: Buffer, n: number) => number;
  pread: (fd: number, buf: Buffer, n: number, off: bigint | number) => number;
  pwrite: (fd: number, buf: Buffer, n: number, off: bigint | number) => number;
  mmap: (addr: bigint | null, len: number | bigint, prot: number, flags: number, fd: number, off: bigint | number) => bigint;
  munmap: (addr: bigint, len: number | bigint) => number;
  eventfd: (initval: number, flags: number) => number;
  pipe2: (fds: Int32Array, flags: number) => number;
  poll: (fds: Buffer, nfds: number, timeoutMs: number) => number;
  /** ioctl(fd, req, void *buf): buffer read and written by the kernel in place. */
  ioctlBuf: (fd: number, req: number, buf: Buffer | null) => number;
  /** ioctl(fd, req, unsigned long arg): integer argument by value (CHECK_EXTENSION, SET_IOMMU). */
  ioctlVal: (fd: number, req: number, arg: number) => number;
  /** ioctl(fd, req, const char *): VFIO_GROUP_GET_DEVICE_FD. */
  ioctlStr: (fd: number, req: number, s: string) => number;
  /** Typed per-struct prototype: ioctl(fd, req, struct T *inout). */
  ioctlStruct: (typeName: string, type: unknown) => (fd: number, req: number, obj: Record<string, unknown>) => number;
  errno: () => number;
}

let cached: Libc | null = null;
let loadError: unknown = null;

/** Test hook: pretend koffi is missing (or restore with null). */
export function _setKoffiLoaderForTest(loader: (() => KoffiModule) | null): void {
  testLoader = loader;
  cached = null;
  loadError = null;
}
let testLoader: (() => KoffiModule) | null = null;

function loadKoffi(): KoffiModule {
  if (testLoader) return testLoader();
  const require = createRequire(import.meta.url);
  return require('koffi') as KoffiModule;
}

/** libc, or throws LabFailure (op 'load koffi') when the FFI module is unavailable. */
export function libc(): Libc {
  if (cached) return cached;
  if (loadError) throw new LabFailure(unsupported(loadError));
  let koffi: KoffiModule;
  try {
    koffi = loadKoffi();
  } catch (e) {
    loadError = e;
    throw new LabFailure(unsupported(e));
  }
  const lib = koffi.load('libc.so.6');
  const f = (proto: string): Fn => lib.func(proto) as unknown as Fn;
  const structProtos = new Map<string, Fn>();
  const ioctlBuf = lib.func('ioctl', 'int', ['int', 'unsigned long', 'void *']) as unknown as Fn;
  const ioctlVal = lib.func('ioctl', 'int', ['int', 'unsigned long', 'unsigned long']) as unknown as Fn;
  const ioctlStr = lib.func('ioctl', 'int', ['int', 'unsigned long', 'const char *']) as unknown as Fn;
  cached = {
    koffi,
    open: f('int open(const char *path, int flags, uint32_t mode)') as Libc['open'],
    close: f('int close(int fd)') as Libc['close'],
    read: f('intptr_t read(int fd, void *buf, size_t n)') as Libc['read'],
    write: f('intptr_t write(int fd, const void *buf, size_t n)') as Libc['write'],
    pread: f('intptr_t pread(int fd, void *buf, size_t n, int64_t off)') as Libc['pread'],
    pwrite: f('intptr_t pwrite(int fd, const void *buf, size_t n, int64_t off)') as Libc['pwrite'],
    mmap: f('void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off)') as Libc['mmap'],
    munmap: f('int munmap(void *addr, size_t len)') as Libc['munmap'],
    eventfd: f('int eventfd(unsigned int initval, int flags)') as Libc['eventfd'],
    pipe2: f('int pipe2(_Out_ int *fds, int flags)') as Libc['pipe2'],
    poll: f('int poll(void *fds, unsigned long nfds, int timeout)') as Libc['poll'],
    ioctlBuf: ioctlBuf as Libc['ioctlBuf'],
    ioctlVal: ioctlVal as Libc['ioctlVal'],
    ioctlStr: ioctlStr as Libc['ioctlStr'],
    ioctlStruct: (typeName, type) => {
      let fn = structProtos.get(typeName);
      if (!fn) {
        fn = lib.func('ioctl', 'int', ['int', 'unsigned long', koffi.inout(koffi.pointer(type as never))]) as unknown as Fn;
        structProtos.set(typeName, fn);
      }
      return fn as ReturnType<Libc['ioctlStruct']>;
    },
    errno: () => koffi.errno(),
  };
  return cached;
}

/** True when koffi loads; never throws. */
export function nativeAvailable(): boolean {
  try {
    libc();
    return true;
  } catch {
    return false;
  }
}

function unsupported(e: unknown) {
  const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return {
    op: 'load koffi',
    message: `unsupported: the FFI module (koffi) could not be loaded: ${why}`,
    hint: 'Run `npm install` (koffi ships prebuilt binaries for linux x64/arm64/riscv64); until then use --lab sim or a snapshot.',
    detail: { feature: 'native' },
  };
}

export const hrNowUs = (): number => Number(process.hrtime.bigint() / 1000n);
