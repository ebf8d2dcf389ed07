// SPDX-License-Identifier: MIT
// mmap/munmap. A Mapping owns its address range until unmap(); reads and writes copy through
// koffi.decode/encode (never koffi.view, which Electron forbids). Anonymous mappings are the DMA
// buffers given to IOMMU_IOAS_MAP / VFIO_IOMMU_MAP_DMA: the kernel pins them by user VA, so they
// must stay mapped until the IOVA mapping is gone.
import { errnoName } from '../../common/errno.js';
import { hrNowUs, libc } from './libc.js';
import { type NativeResult, nerr, nok } from './result.js';
import { type CallCtx, traceArgs } from './trace.js';

export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_ANONYMOUS = 0x20;
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

export interface Mapping {
  readonly addr: bigint;
  readonly length: number;
  readonly unmapped: boolean;
  read(offset: number, len: number): Buffer;
  readU32(offset: number): number;
  writeU32(offset: number, value: number): void;
  write(offset: number, data: Buffer): void;
  unmap(): NativeResult<void>;
}

/** mmap(NULL, length, prot, flags, fd, offset). fd -1 with MAP_ANONYMOUS for plain memory. */
export function mmap(length: number, prot: number, flags: number, fd = -1, offset: bigint | number = 0, ctx: CallCtx = {}, what = 'anonymous'): NativeResult<Mapping> {
  const c = libc();
  const t0 = hrNowUs();
  const raw = c.mmap(null, length, prot, flags, fd, offset);
  const addr = raw === null ? MAP_FAILED : BigInt(c.koffi.address(raw));
  const errno = addr === MAP_FAILED ? c.errno() : 0;
  ctx.tracer?.record({
    at: Date.now(), kind: 'mmap', op: `mmap ${what}`, bdf: ctx.bdf ?? null,
    args: traceArgs({ fd, length, offset: BigInt(offset), prot, flags }), ok: errno === 0,
    ret: errno ? -1 : 0, errno: errno || null, errnoName: errno ? errnoName(errno) : null, durationUs: hrNowUs() - t0,
  });
  if (errno) return nerr(`mmap ${what}`, errno, 'Check the region has the MMAP flag, the offset/length are page aligned, and RLIMIT_MEMLOCK.', { detail: { length, offset: `0x${offset.toString(16)}` } });
  return nok(makeMapping(addr, length));
}

export function mmapAnonymous(length: number, ctx: CallCtx = {}): NativeResult<Mapping> {
  return mmap(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, ctx);
}

function makeMapping(addr: bigint, length: number): Mapping {
  const c = libc();
  const k = c.koffi;
  let gone = false;
  const check = (off: number, len: number) => {
    if (gone) throw new RangeError(`mapping at 0x${addr.toString(16)} is unmapped`);
    if (off < 0 || off + len > length) throw new RangeError(`access [${off}, ${off + len}) outside mapping of ${length} bytes`);
  };
  // SAFETY: addr..addr+length is ours until unmap(); every access is bounds-checked above and
  // copies (decode/encode), so no JS object aliases the mapping after it is gone.
  return {
    addr, length,
    get unmapped() { return gone; },
    read(off, len) {
      check(off, len);
      return Buffer.from(k.decode(addr as never, off, 'uint8_t', len) as number[]);
    },
    readU32(off) {
      check(off, 4);
      return k.decode(addr as never, off, 'uint32_t') as number;
    },
    writeU32(off, value) {
      check(off, 4);
      k.encode(addr as never, off, 'uint32_t', value >>> 0);
    },
    write(off, data) {
      check(off, data.length);
      k.encode(addr as never, off, 'uint8_t', Array.from(data), data.length);
    },
    unmap() {
      if (gone) return nok(undefined);
      if (c.munmap(addr, length) < 0) return nerr('munmap', c.errno(), 'The mapping was already released; this is a bug in Doorbell.');
      gone = true;
      return nok(undefined);
    },
  };
}
