// SPDX-License-Identifier: MIT
// The VFIO device cdev (/dev/vfio/devices/vfioN, 6.6+): find it from the PCI address, open it, bind
// it to an iommufd, attach/detach an IOAS or HWPT, VFIO_DEVICE_GET_INFO, VFIO_DEVICE_RESET.
// Region and IRQ ioctls on the same fd live in region.ts and irq.ts.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { errnoError } from '../../common/errors.js';
import { plainCall, structCall } from '../sys/call.js';
import { closeFd, O_RDWR, openPath } from '../sys/fd.js';
import { type NativeResult, nfail, nok } from '../sys/result.js';
import { type CallCtx } from '../sys/trace.js';
import { zeroed } from '../uapi/layout.js';
import { VFIO_IOCTL as IO, vfio_device_attach_iommufd_pt, vfio_device_bind_iommufd, vfio_device_detach_iommufd_pt, vfio_device_info } from '../uapi/vfio.js';

const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

export function isBdf(s: string): boolean {
  return BDF.test(s);
}

/**
 * /sys/bus/pci/devices/<BDF>/vfio-dev/vfioN → /dev/vfio/devices/vfioN. The vfio-dev directory exists
 * only while the device is bound to a VFIO driver on a kernel with CONFIG_VFIO_DEVICE_CDEV (6.6+).
 * `root` prefixes both the sysfs and the /dev path (a captured tree or a test fixture).
 */
export function findCdev(bdf: string, root = '/'): NativeResult<{ name: string; path: string; sysfs: string }> {
  if (!isBdf(bdf)) {
    return nfail(errnoError(`find vfio cdev ${bdf}`, 'EINVAL', 'Give the full PCI address, e.g. 0000:00:02.0.', { message: `${bdf} is not a PCI address (dddd:bb:dd.f)` }), 22);
  }
  const dir = path.join(root, 'sys/bus/pci/devices', bdf, 'vfio-dev');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^vfio\d+$/.test(n));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'ENOENT';
    const dev = path.join(root, 'sys/bus/pci/devices', bdf);
    let exists = true;
    try { readdirSync(dev); } catch { exists = false; }
    const hint = !exists
      ? `No PCI device ${bdf} on this machine (see lspci -D).`
      : `${bdf} has no vfio-dev/: bind it to vfio-pci (driver_override + drivers_probe) on a kernel with CONFIG_VFIO_DEVICE_CDEV (6.6+), or use the group path (/dev/vfio/<group>).`;
    const num = code === 'EACCES' ? 13 : 2;
    return nfail(errnoError(`find vfio cdev ${bdf}`, num, hint, { path: dir }), num);
  }
  const name = names.sort()[0];
  if (!name) return nfail(errnoError(`find vfio cdev ${bdf}`, 'ENOENT', `${dir} is empty: the device is being bound or unbound; retry.`, { path: dir }), 2);
  return nok({ name, path: path.join(root, 'dev/vfio/devices', name), sysfs: path.join(dir, name) });
}

/** Find and open the cdev of `bdf` read-write. The fd is usable only after bindIommufd. */
export function openDeviceCdev(bdf: string, opts: { root?: string; ctx?: CallCtx } = {}): NativeResult<{ fd: number; path: string }> {
  const found = findCdev(bdf, opts.root);
  if (!found.ok) return found;
  const p = found.value.path;
  const r = openPath(p, O_RDWR, { ...opts.ctx, bdf }, (errno) => {
    if (errno === 16) return `${p} is already open (another process, e.g. a VMM, owns ${bdf}).`;
    if (errno === 13 || errno === 1) return `${p} is 0600 root: run as root or add a udev rule for /dev/vfio/devices/*.`;
    if (errno === 2) return `${p} is missing although sysfs lists ${found.value.name}: is devtmpfs mounted?`;
    return `open ${p} failed.`;
  });
  return r.ok ? nok({ fd: r.value, path: p }) : r;
}

export function closeDevice(fd: number): NativeResult<void> {
  // Closing the cdev unbinds it from iommufd (and detaches it).
  return closeFd(fd, `vfio device ${fd}`);
}

/**
 * VFIO_DEVICE_BIND_IOMMUFD: returns out_devid, the device's object ID in iommufd ioctls.
 * EPERM when the platform lacks isolated MSI (no interrupt remapping / GICv2m) and
 * vfio_iommu_type1/iommufd allow_unsafe_interrupts is off.
 */
export function bindIommufd(fd: number, iommufd: number, ctx: CallCtx = {}): NativeResult<{ devId: number }> {
  const v = zeroed(vfio_device_bind_iommufd, { iommufd });
  const r = structCall(fd, 'VFIO_DEVICE_BIND_IOMMUFD', IO.VFIO_DEVICE_BIND_IOMMUFD, vfio_device_bind_iommufd, v, ctx, { iommufd }, {
    EPERM: 'No isolated MSI on this platform (interrupt remapping off?); the kernel refuses unless allow_unsafe_interrupts=1.',
    EINVAL: 'Not a cdev fd, already bound, or iommufd is not an iommufd fd.',
    ENOTTY: 'This fd is not a VFIO device cdev (group-path device fds cannot bind).',
    EBADF: 'The iommufd descriptor is not open.',
  });
  return r.ok ? nok({ devId: Number(r.value.out_devid) }) : r;
}

/**
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach to an IOAS (the kernel creates or reuses a paging HWPT)
 * or to a HWPT. Returns pt_id as the kernel wrote it back: the HWPT actually attached. A second
 * attach without detach replaces the HWPT.
 */
export function attachPt(fd: number, ptId: number, ctx: CallCtx = {}): NativeResult<{ ptId: number }> {
  const v = zeroed(vfio_device_attach_iommufd_pt, { pt_id: ptId });
  const r = structCall(fd, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', IO.VFIO_DEVICE_ATTACH_IOMMUFD_PT, vfio_device_attach_iommufd_pt, v, ctx, { pt_id: ptId }, {
    EINVAL: 'The device is not bound, or the HWPT is incompatible with this device (allocated for another IOMMU).',
    EBUSY: 'The device or a group sibling is resetting; retry.',
    ENOENT: `No IOAS or HWPT ${ptId} on the bound iommufd.`,
  });
  return r.ok ? nok({ ptId: Number(r.value.pt_id) }) : r;
}

/** VFIO_DEVICE_DETACH_IOMMUFD_PT: afterwards the device blocks DMA. */
export function detachPt(fd: number, ctx: CallCtx = {}): NativeResult<void> {
  const r = structCall(fd, 'VFIO_DEVICE_DETACH_IOMMUFD_PT', IO.VFIO_DEVICE_DETACH_IOMMUFD_PT, vfio_device_detach_iommufd_pt, zeroed(vfio_device_detach_iommufd_pt), ctx);
  return r.ok ? nok(undefined) : r;
}

export interface DeviceInfo {
  /** VFIO_DEVICE_FLAGS_*: RESET 1, PCI 2, ..., CAPS 0x80. */
  flags: number;
  numRegions: number;
  numIrqs: number;
}

export function deviceInfo(fd: number, ctx: CallCtx = {}): NativeResult<DeviceInfo> {
  const r = structCall(fd, 'VFIO_DEVICE_GET_INFO', IO.VFIO_DEVICE_GET_INFO, vfio_device_info, zeroed(vfio_device_info), ctx, {}, {
    EINVAL: 'The cdev is not bound to an iommufd yet (VFIO_DEVICE_BIND_IOMMUFD first).',
  });
  return r.ok ? nok({ flags: Number(r.value.flags), numRegions: Number(r.value.num_regions), numIrqs: Number(r.value.num_irqs) }) : r;
}

/** VFIO_DEVICE_RESET: valid when VFIO_DEVICE_FLAGS_RESET is set. */
export function resetDevice(fd: number, ctx: CallCtx = {}): NativeResult<void> {
  const r = plainCall(fd, 'VFIO_DEVICE_RESET', IO.VFIO_DEVICE_RESET, { kind: 'none' }, ctx, {}, {
    ENOTTY: 'The device has no reset method (VFIO_DEVICE_FLAGS_RESET not set).',
    EAGAIN: 'The reset could not take the locks it needs (another device in the slot/bus is busy); retry.',
  });
  return r.ok ? nok(undefined) : r;
}
