// SPDX-License-Identifier: MIT
// The legacy VFIO group (/dev/vfio/<N>): status, attach to a container, get a device fd. The group
// number is the basename of /sys/bus/pci/devices/<BDF>/iommu_group.
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { errnoError } from '../../common/errors.js';
import { bufferCall, plainCall, structCall } from '../sys/call.js';
import { closeFd, O_RDWR, openPath } from '../sys/fd.js';
import { type NativeResult, nfail, nok } from '../sys/result.js';
import { type CallCtx } from '../sys/trace.js';
import { zeroed } from '../uapi/layout.js';
import { VFIO_CONST as K, VFIO_IOCTL as IO, vfio_group_status } from '../uapi/vfio.js';

/** The IOMMU group number of a PCI device (ENOENT when there is no IOMMU). */
export function iommuGroupOf(bdf: string, root = '/'): NativeResult<number> {
  const link = path.join(root, 'sys/bus/pci/devices', bdf, 'iommu_group');
  try {
    return nok(Number(path.basename(readlinkSync(link))));
  } catch {
    return nfail(errnoError(`read ${link}`, 'ENOENT', `${bdf} has no IOMMU group: no IOMMU is enabled (or the device does not exist). VFIO needs an IOMMU unless noiommu mode is on.`, { path: link }), 2);
  }
}

export function openGroup(group: number, opts: { root?: string; ctx?: CallCtx } = {}): NativeResult<number> {
  const p = path.join(opts.root ?? '/', 'dev/vfio', String(group));
  return openPath(p, O_RDWR, opts.ctx, (errno) => {
    if (errno === 2) return `${p} does not exist: no device of group ${group} is bound to vfio-pci, or CONFIG_VFIO_GROUP is off.`;
    if (errno === 16) return `${p} is open elsewhere (a VMM or another Doorbell): a group can be opened once.`;
    if (errno === 13 || errno === 1) return `${p} needs root or a udev rule.`;
    return `open ${p} failed.`;
  });
}

export function closeGroup(fd: number): NativeResult<void> {
  return closeFd(fd, `vfio group ${fd}`);
}

/** VFIO_GROUP_GET_STATUS: viable = every device of the group is bound to vfio or harmless. */
export function groupStatus(fd: number, ctx: CallCtx = {}): NativeResult<{ flags: number; viable: boolean; containerSet: boolean }> {
  const r = structCall(fd, 'VFIO_GROUP_GET_STATUS', IO.VFIO_GROUP_GET_STATUS, vfio_group_status, zeroed(vfio_group_status), ctx);
  if (!r.ok) return r;
  const flags = Number(r.value.flags);
  return nok({ flags, viable: (flags & K.VFIO_GROUP_FLAGS_VIABLE) !== 0, containerSet: (flags & K.VFIO_GROUP_FLAGS_CONTAINER_SET) !== 0 });
}

/** VFIO_GROUP_SET_CONTAINER: the argument is a pointer to the container fd (__s32). */
export function groupSetContainer(fd: number, containerFd: number, ctx: CallCtx = {}): NativeResult<void> {
  const arg = Buffer.alloc(4);
  arg.writeInt32LE(containerFd);
  const r = bufferCall(fd, 'VFIO_GROUP_SET_CONTAINER', IO.VFIO_GROUP_SET_CONTAINER, arg, ctx, { container: containerFd }, {
    EINVAL: 'The group is not viable (bind every device of the group to vfio-pci) or the container uses an incompatible IOMMU.',
    EBUSY: 'The group is already in a container.',
  });
  return r.ok ? nok(undefined) : r;
}

export function groupUnsetContainer(fd: number, ctx: CallCtx = {}): NativeResult<void> {
  const r = plainCall(fd, 'VFIO_GROUP_UNSET_CONTAINER', IO.VFIO_GROUP_UNSET_CONTAINER, { kind: 'none' }, ctx, {}, {
    EBUSY: 'Device fds of this group are still open; close them first.',
  });
  return r.ok ? nok(undefined) : r;
}

/** VFIO_GROUP_GET_DEVICE_FD(bdf): a device fd that needs no bind/attach (the container provides the IOMMU). */
export function groupGetDeviceFd(fd: number, bdf: string, ctx: CallCtx = {}): NativeResult<number> {
  return plainCall(fd, 'VFIO_GROUP_GET_DEVICE_FD', IO.VFIO_GROUP_GET_DEVICE_FD, { kind: 'string', value: bdf }, { ...ctx, bdf }, { bdf }, {
    EINVAL: `The group has no container yet (VFIO_GROUP_SET_CONTAINER and VFIO_SET_IOMMU first), or ${bdf} is not in this group.`,
    ENODEV: `${bdf} is not in this group.`,
    EBUSY: `${bdf} is already open (through its cdev or another group fd).`,
  });
}
