// SPDX-License-Identifier: MIT
// Device interrupts: VFIO_DEVICE_GET_IRQ_INFO and VFIO_DEVICE_SET_IRQS. The set call carries a
// flexible data[] after its 20-byte header: u8 per vector for DATA_BOOL, s32 eventfd per vector for
// DATA_EVENTFD (-1 de-assigns), nothing for DATA_NONE.
import { bufferCall, structCall } from '../sys/call.js';
import { type NativeResult, nok } from '../sys/result.js';
import { type CallCtx } from '../sys/trace.js';
import { encode, zeroed } from '../uapi/layout.js';
import { VFIO_CONST as K, VFIO_IOCTL as IO, vfio_irq_info, vfio_irq_set } from '../uapi/vfio.js';

export interface IrqInfo {
  index: number;
  /** VFIO_IRQ_INFO_*: EVENTFD 1, MASKABLE 2, AUTOMASKED 4, NORESIZE 8. */
  flags: number;
  count: number;
}

export function irqInfo(fd: number, index: number, ctx: CallCtx = {}): NativeResult<IrqInfo> {
  const r = structCall(fd, 'VFIO_DEVICE_GET_IRQ_INFO', IO.VFIO_DEVICE_GET_IRQ_INFO, vfio_irq_info, zeroed(vfio_irq_info, { index }), ctx, { index }, {
    EINVAL: `IRQ index ${index} is beyond num_irqs (or ERR on a conventional PCI device), or the device is not bound yet.`,
  });
  return r.ok ? nok({ index, flags: Number(r.value.flags), count: Number(r.value.count) }) : r;
}

export type IrqSetData =
  | { kind: 'none' }
  | { kind: 'bool'; values: readonly boolean[] }
  /** One fd per vector in [start, start+count); -1 de-assigns that vector. */
  | { kind: 'eventfd'; fds: readonly number[] };

export interface IrqSetRequest {
  index: number;
  start: number;
  count: number;
  action: 'trigger' | 'mask' | 'unmask';
  data: IrqSetData;
}

/** Encode struct vfio_irq_set + data[] exactly as the kernel reads it (exported for tests). */
export function encodeIrqSet(req: IrqSetRequest): Buffer {
  const action = req.action === 'trigger' ? K.VFIO_IRQ_SET_ACTION_TRIGGER : req.action === 'mask' ? K.VFIO_IRQ_SET_ACTION_MASK : K.VFIO_IRQ_SET_ACTION_UNMASK;
  const d = req.data;
  const dataFlag = d.kind === 'none' ? K.VFIO_IRQ_SET_DATA_NONE : d.kind === 'bool' ? K.VFIO_IRQ_SET_DATA_BOOL : K.VFIO_IRQ_SET_DATA_EVENTFD;
  const payload = d.kind === 'none' ? 0 : d.kind === 'bool' ? d.values.length : d.fds.length * 4;
  const buf = encode(vfio_irq_set, { argsz: vfio_irq_set.size + payload, flags: dataFlag | action, index: req.index, start: req.start, count: req.count }, payload);
  if (d.kind === 'bool') d.values.forEach((b, i) => buf.writeUInt8(b ? 1 : 0, vfio_irq_set.size + i));
  if (d.kind === 'eventfd') d.fds.forEach((f, i) => buf.writeInt32LE(f, vfio_irq_set.size + 4 * i));
  return buf;
}

/**
 * VFIO_DEVICE_SET_IRQS. For MSI/MSI-X: DATA_EVENTFD|TRIGGER enables the index (first call) or
 * swaps eventfds; DATA_NONE|TRIGGER with count 0 disables the index; DATA_NONE/BOOL|TRIGGER with
 * count > 0 signals the eventfds (loop-back). MASK/UNMASK is INTx only (ENOTTY on MSI/MSI-X).
 */
export function setIrqs(fd: number, req: IrqSetRequest, ctx: CallCtx = {}): NativeResult<void> {
  const want = req.data.kind === 'bool' ? req.data.values.length : req.data.kind === 'eventfd' ? req.data.fds.length : req.count;
  if (req.data.kind !== 'none' && want !== req.count) {
    throw new RangeError(`setIrqs: count ${req.count} but ${want} data entries`);
  }
  const buf = encodeIrqSet(req);
  const fds = req.data.kind === 'eventfd' ? req.data.fds.join(',') : undefined;
  const r = bufferCall(fd, 'VFIO_DEVICE_SET_IRQS', IO.VFIO_DEVICE_SET_IRQS, buf, ctx,
    { index: req.index, start: req.start, count: req.count, action: req.action, data: req.data.kind, fds }, {
      EINVAL: 'start/count outside the index (see GET_IRQ_INFO count), wrong argsz, or more than one DATA/ACTION flag.',
      ENOTTY: 'MASK/UNMASK is not supported for MSI/MSI-X (INTx only).',
      ENOSPC: 'The kernel could not allocate that many vectors (x86 vector space exhausted?).',
    });
  return r.ok ? nok(undefined) : r;
}

/** Disable an index entirely: DATA_NONE|ACTION_TRIGGER with count 0 (frees the vectors). */
export function disableIrqs(fd: number, index: number, ctx: CallCtx = {}): NativeResult<void> {
  return setIrqs(fd, { index, start: 0, count: 0, action: 'trigger', data: { kind: 'none' } }, ctx);
}
