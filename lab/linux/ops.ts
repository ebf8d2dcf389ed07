// SPDX-License-Identifier: MIT
// KernelOps on the real kernel, through native/ (koffi → libc). Handles carry the fd as their id.
// Memory mapped with ioasMap is anonymous mmap memory this object owns: it is munmapped when the
// IOVA range is unmapped or the iommufd is closed. /proc/irq affinity reads and writes go through
// node:fs; writes are recorded in the KernelLog like ioctls.
import { readFileSync, writeFileSync } from 'node:fs';
import { arch, release } from 'node:os';
import path from 'node:path';
import { parseCpuList } from '../../common/cpulist.js';
import { ERRNO, errnoName, type ErrnoName } from '../../common/errno.js';
import { errnoError, type LabError } from '../../common/errors.js';
import { hex, type IovaRange } from '../../common/model/index.js';
import { closeIommufd, destroy, getHwInfo, openIommufd, option } from '../../native/iommufd/iommufd.js';
import { hwptAlloc } from '../../native/iommufd/hwpt.js';
import { ioasAlloc, ioasAllowIovas, ioasIovaRanges, ioasMap, ioasUnmap } from '../../native/iommufd/ioas.js';
import { eventfdCreate, eventfdRead } from '../../native/sys/eventfd.js';
import { closeFd } from '../../native/sys/fd.js';
import { type Mapping, mmapAnonymous } from '../../native/sys/mman.js';
import { type CallCtx, type Tracer } from '../../native/sys/trace.js';
import { attachPt, bindIommufd, closeDevice, detachPt, deviceInfo, openDeviceCdev, resetDevice } from '../../native/vfio/device.js';
import { irqInfo, setIrqs } from '../../native/vfio/irq.js';
import { regionInfo } from '../../native/vfio/region.js';
import { readIrqMoveFacts } from '../affinity/procfs.js';
import type { KernelLog } from '../kernel-log.js';
import type { DeviceHandle, EventfdHandle, KernelOps, OpResult } from '../ops.js';

function errResult<T>(e: LabError): OpResult<T> {
  return { ok: false, errno: e.errnoName ?? 'EINVAL', errnoValue: e.errno ?? ERRNO.EINVAL, error: e };
}

/** What an affinity write's errno means (kernel/irq/proc.c write_irq_affinity). */
export function affinityHint(errno: string, irq: number): string {
  switch (errno) {
    case 'EPERM': return `IRQ ${irq} is not user-settable (managed, per-CPU or IRQF_NOBALANCING, or its chip cannot set affinity); since 6.12 the file is 0444 and writes give EPERM.`;
    case 'EIO': return `IRQ ${irq} is not user-settable (managed or no irq_set_affinity); kernels before 6.12 report this as EIO.`;
    case 'EINVAL': return 'The list does not parse (lib/bitmap-str.c bitmap_parselist), the mask holds no online CPU, or the controller refused the move (GICv3 ITS refuses a vLPI forwarded to a vCPU).';
    case 'ERANGE': case 'EOVERFLOW': return 'A CPU number is beyond nr_cpu_ids.';
    case 'EACCES': return 'Writing /proc/irq/*/smp_affinity_list needs root (the file is 0644 root).';
    case 'ENOSPC': return 'The interrupt controller has no free vector on the target CPUs (x86 vector exhaustion).';
    case 'ENOENT': return `IRQ ${irq} has no /proc/irq entry: it is not allocated or has never had a handler.`;
    case 'EROFS': return 'This lab reads a captured tree (non-default root): it is read-only.';
    default: return 'See kernel/irq/proc.c write_irq_affinity for this errno.';
  }
}

function nodeErrno(e: unknown): { name: ErrnoName; num: number } {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && code in ERRNO) return { name: code as ErrnoName, num: ERRNO[code as ErrnoName] };
  const n = Math.abs(Number((e as NodeJS.ErrnoException | null)?.errno ?? ERRNO.EIO));
  return { name: errnoName(n) as ErrnoName, num: n };
}

export interface LinuxKernelOpsOptions {
  /** Prefix for /dev, /sys and /proc (default '/'). With another root, writes are refused (EROFS). */
  root?: string;
  log?: KernelLog | Tracer;
}

export function createLinuxKernelOps(opts: LinuxKernelOpsOptions = {}): KernelOps {
  const root = opts.root ?? '/';
  const tracer: Tracer | undefined = opts.log;
  const ctx: CallCtx = { tracer };
  const devCtx = (d: DeviceHandle): CallCtx => ({ tracer, bdf: d.bdf });
  /** iommufd fd → DMA buffers by `${ioasId}:${iova}`. */
  const buffers = new Map<number, Map<string, { ioasId: number; iova: bigint; length: bigint; mem: Mapping }>>();

  let kernel = `${release()} ${arch()}`;
  try {
    kernel = `${readFileSync(path.join(root, 'proc/sys/kernel/osrelease'), 'utf8').trim()} ${arch()}`;
  } catch { /* keep os.release() */ }

  const readList = (irq: number, file: string): OpResult<number[]> => {
    const p = path.join(root, 'proc/irq', String(irq), file);
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch (e) {
      const { num, name } = nodeErrno(e);
      return errResult(errnoError(`read ${p}`, num, affinityHint(name, irq), { path: p }));
    }
    const parsed = parseCpuList(text.trim());
    if (!parsed.ok) {
      return errResult(errnoError(`parse ${p}`, 'EINVAL', 'The file is truncated or not a CPU list; is this a real /proc?', {
        path: p, message: `${p}:1: ${parsed.message} at column ${parsed.at + 1}`, detail: { line: 1, text: text.trim().slice(0, 80) },
      }));
    }
    return { ok: true, value: parsed.cpus };
  };

  return {
    name: `linux ${kernel}`,

    openIommufd() {
      const r = openIommufd(ctx, path.join(root, 'dev/iommu'));
      if (!r.ok) return r;
      buffers.set(r.value, new Map());
      return { ok: true, value: { kind: 'iommufd', id: r.value } };
    },
    ioasAlloc: (h) => ioasAlloc(h.id, ctx),
    destroy: (h, id) => destroy(h.id, id, ctx),
    ioasIovaRanges(h, ioasId) {
      const r = ioasIovaRanges(h.id, ioasId, ctx);
      if (!r.ok) return r;
      const ranges: IovaRange[] = r.value.ranges.map((x) => ({ start: hex(x.start), last: hex(x.last) }));
      return { ok: true, value: { ranges, alignment: r.value.alignment } };
    },
    ioasAllowIovas: (h, ioasId, ranges) => ioasAllowIovas(h.id, ioasId, ranges.map((x) => ({ start: BigInt(x.start), last: BigInt(x.last) })), ctx),
    ioasMap(h, req) {
      if (req.length <= 0n || req.length > BigInt(Number.MAX_SAFE_INTEGER)) {
        return errResult(errnoError('IOMMU_IOAS_MAP', 'EINVAL', 'Map a positive length that fits in memory.', { detail: { length: req.length.toString() } }));
      }
      const mem = mmapAnonymous(Number(req.length), ctx);
      if (!mem.ok) return mem;
      const r = ioasMap(h.id, { ioasId: req.ioasId, userVa: mem.value.addr, length: req.length, iova: req.iova, readable: req.readable, writeable: req.writeable }, ctx);
      if (!r.ok) {
        mem.value.unmap();
        return r;
      }
      let per = buffers.get(h.id);
      if (!per) buffers.set(h.id, (per = new Map()));
      per.set(`${req.ioasId}:${r.value.iova}`, { ioasId: req.ioasId, iova: r.value.iova, length: req.length, mem: mem.value });
      return r;
    },
    ioasUnmap(h, req) {
      const r = ioasUnmap(h.id, req, ctx);
      if (!r.ok) return r;
      // The kernel unmapped whole mappings inside [iova, iova+length): release their memory.
      const end = req.iova + req.length;
      for (const [k, b] of buffers.get(h.id) ?? []) {
        if (b.ioasId === req.ioasId && b.iova >= req.iova && b.iova + b.length <= end) {
          b.mem.unmap();
          buffers.get(h.id)!.delete(k);
        }
      }
      return r;
    },
    option: (h, req) => option(h.id, req, ctx),
    getHwInfo(h, devId) {
      const r = getHwInfo(h.id, devId, ctx);
      return r.ok ? { ok: true, value: { type: r.value.type, capabilities: r.value.capabilities, data: r.value.data } } : r;
    },
    hwptAlloc: (h, req) => hwptAlloc(h.id, req, ctx),
    closeIommufd(h) {
      const r = closeIommufd(h.id);
      // Closing the iommufd destroys its IOAS and unpins: the memory can go now.
      for (const b of buffers.get(h.id)?.values() ?? []) b.mem.unmap();
      buffers.delete(h.id);
      return r;
    },

    openDevice(bdf) {
      const r = openDeviceCdev(bdf, { root, ctx: { tracer, bdf } });
      return r.ok ? { ok: true, value: { kind: 'vfio-device', id: r.value.fd, bdf } } : r;
    },
    bindIommufd: (d, h) => bindIommufd(d.id, h.id, devCtx(d)),
    attachPt: (d, ptId) => attachPt(d.id, ptId, devCtx(d)),
    detachPt: (d) => detachPt(d.id, devCtx(d)),
    deviceInfo: (d) => deviceInfo(d.id, devCtx(d)),
    regionInfo(d, index) {
      const r = regionInfo(d.id, index, devCtx(d));
      if (!r.ok) return r;
      const { flags, size, offset } = r.value;
      const caps = r.value.caps.map((c) => (c.sparse ? { id: c.id, version: c.version, sparse: c.sparse } : { id: c.id, version: c.version }));
      return { ok: true, value: { index, flags, size, offset, caps } };
    },
    irqInfo(d, index) {
      const r = irqInfo(d.id, index, devCtx(d));
      return r.ok ? { ok: true, value: { flags: r.value.flags, count: r.value.count } } : r;
    },
    setIrqs(d, req) {
      const data = req.data.kind === 'eventfd'
        ? { kind: 'eventfd' as const, fds: req.data.fds.map((e: EventfdHandle | null) => (e ? e.id : -1)) }
        : req.data;
      return setIrqs(d.id, { ...req, data }, devCtx(d));
    },
    reset: (d) => resetDevice(d.id, devCtx(d)),
    closeDevice: (d) => closeDevice(d.id),

    eventfd() {
      const r = eventfdCreate();
      return r.ok ? { ok: true, value: { kind: 'eventfd', id: r.value } } : r;
    },
    readEventfd: (e) => eventfdRead(e.id),
    closeEventfd: (e) => closeFd(e.id, `eventfd ${e.id}`),

    readAffinity(irq) {
      const a = readList(irq, 'smp_affinity_list');
      if (!a.ok) return a;
      const e = readList(irq, 'effective_affinity_list');
      if (!e.ok) return e;
      return { ok: true, value: { affinity: a.value, effective: e.value } };
    },
    irqFacts: (irq) => readIrqMoveFacts(root, irq),
    writeAffinity(irq, cpuList) {
      const p = path.join(root, 'proc/irq', String(irq), 'smp_affinity_list');
      const op = `write ${p}`;
      const t0 = process.hrtime.bigint();
      let failure: { name: ErrnoName; num: number } | null = null;
      if (root !== '/') failure = { name: 'EROFS', num: ERRNO.EROFS };
      else {
        try {
          writeFileSync(p, `${cpuList}\n`);
        } catch (e) {
          failure = nodeErrno(e);
        }
      }
      tracer?.record({
        at: Date.now(), kind: 'write', op, bdf: null, args: { irq, value: cpuList }, ok: failure === null,
        ret: failure ? -1 : cpuList.length + 1, errno: failure?.num ?? null, errnoName: failure?.name ?? null,
        durationUs: Number((process.hrtime.bigint() - t0) / 1000n),
      });
      if (failure) return errResult(errnoError(op, failure.num, affinityHint(failure.name, irq), { path: p, detail: { irq, value: cpuList } }));
      return { ok: true, value: undefined };
    },
  };
}
