// SPDX-License-Identifier: MIT
// KernelOps: the kernel's VFIO/IOMMUFD/procfs operations as one synchronous table, implemented by
// the real kernel (lab/linux/ops.ts, through native/) and by the simulator (lab/sim/ops.ts). The
// contract suite (test/contract/) is written once against this interface, in the style of the
// kernel's iommufd selftests, and runs against both. Every call returns the kernel's errno as
// data; nothing throws for a kernel refusal.
import type { LabError } from '../common/errors.js';
import type { IovaRange } from '../common/model/index.js';
import type { IrqMoveFacts } from '../common/verdict.js';

export type OpResult<T> =
  | { ok: true; value: T }
  | { ok: false; errno: string; errnoValue: number; error: LabError };

/** Opaque handles: an fd on linux, an object id in the simulator. */
export type IommufdHandle = { readonly kind: 'iommufd'; readonly id: number };
export type DeviceHandle = { readonly kind: 'vfio-device'; readonly id: number; readonly bdf: string };
export type EventfdHandle = { readonly kind: 'eventfd'; readonly id: number };

export type SetIrqsData =
  | { kind: 'none' }
  | { kind: 'bool'; values: boolean[] }
  | { kind: 'eventfd'; fds: (EventfdHandle | null)[] };   // null = -1, de-assign

export interface RegionInfo {
  index: number;
  flags: number;            // VFIO_REGION_INFO_FLAG_*
  size: bigint;
  offset: bigint;
  caps: { id: number; version: number; sparse?: { offset: bigint; size: bigint }[] }[];
}

export interface KernelOps {
  /** Short description for logs and test names: `linux 7.3.4 x86_64`, `sim arm64-its-smmuv3/upstream`. */
  readonly name: string;

  // /dev/iommu
  openIommufd(): OpResult<IommufdHandle>;
  ioasAlloc(h: IommufdHandle): OpResult<number>;
  destroy(h: IommufdHandle, id: number): OpResult<void>;
  ioasIovaRanges(h: IommufdHandle, ioasId: number): OpResult<{ ranges: IovaRange[]; alignment: bigint }>;
  ioasAllowIovas(h: IommufdHandle, ioasId: number, ranges: IovaRange[]): OpResult<void>;
  /** Maps `length` bytes of memory the backend allocates (and frees on unmap/close). */
  ioasMap(h: IommufdHandle, req: { ioasId: number; length: bigint; iova?: bigint; readable: boolean; writeable: boolean }): OpResult<{ iova: bigint }>;
  ioasUnmap(h: IommufdHandle, req: { ioasId: number; iova: bigint; length: bigint }): OpResult<{ unmapped: bigint }>;
  option(h: IommufdHandle, req: { optionId: number; op: 'get' | 'set'; objectId: number; val?: bigint }): OpResult<bigint>;
  getHwInfo(h: IommufdHandle, devId: number): OpResult<{ type: number; capabilities: bigint; data: Uint8Array }>;
  hwptAlloc(h: IommufdHandle, req: { devId: number; ptId: number; flags: number; dataType?: number; data?: Uint8Array }): OpResult<number>;
  closeIommufd(h: IommufdHandle): OpResult<void>;

  // /dev/vfio/devices/vfioN
  openDevice(bdf: string): OpResult<DeviceHandle>;
  bindIommufd(dev: DeviceHandle, h: IommufdHandle): OpResult<{ devId: number }>;
  attachPt(dev: DeviceHandle, ptId: number): OpResult<{ ptId: number }>;
  detachPt(dev: DeviceHandle): OpResult<void>;
  deviceInfo(dev: DeviceHandle): OpResult<{ flags: number; numRegions: number; numIrqs: number }>;
  regionInfo(dev: DeviceHandle, index: number): OpResult<RegionInfo>;
  irqInfo(dev: DeviceHandle, index: number): OpResult<{ flags: number; count: number }>;
  setIrqs(dev: DeviceHandle, req: { index: number; start: number; count: number; action: 'trigger' | 'mask' | 'unmask'; data: SetIrqsData }): OpResult<void>;
  reset(dev: DeviceHandle): OpResult<void>;
  closeDevice(dev: DeviceHandle): OpResult<void>;

  // eventfd
  eventfd(): OpResult<EventfdHandle>;
  /** Non-blocking read: the counter, or 0n when nothing was signalled. */
  readEventfd(e: EventfdHandle): OpResult<bigint>;
  closeEventfd(e: EventfdHandle): OpResult<void>;

  /** Linux IRQs of a device's MSI/MSI-X vectors (/sys/bus/pci/devices/<BDF>/msi_irqs), ascending
   *  by vector index. Optional: callers feature-probe it. */
  msiIrqs?(bdf: string): OpResult<number[]>;

  // /proc/irq/N
  readAffinity(irq: number): OpResult<{ affinity: number[]; effective: number[] }>;
  writeAffinity(irq: number, cpuList: string): OpResult<void>;
  /** Whether the kernel will let user space move this IRQ, as far as can be read before writing. Optional. */
  irqFacts?(irq: number): IrqMoveFacts | null;
}
