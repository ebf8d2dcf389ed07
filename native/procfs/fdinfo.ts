// SPDX-License-Identifier: MIT
// Which process holds a VFIO device: /proc/<pid>/fd/<n> links name the node it opened
// (/dev/vfio/devices/vfioN for the cdev, /dev/vfio/<group> for a group, `anon_inode:[vfio-device]`
// for a device fd from VFIO_GROUP_GET_DEVICE_FD), and since 6.18 /proc/<pid>/fdinfo/<n> of a VFIO
// device fd carries `vfio-device-syspath: /sys/devices/...`.
import { firstLine, type SysRoot } from '../sysfs/root.js';

export interface VfioFd {
  pid: number;
  comm: string;
  fd: number;
  /** Link text of /proc/<pid>/fd/<n>. */
  target: string;
  /** From fdinfo (6.18+), when present. */
  syspath: string | null;
}

const VFIO_LINK = /^\/dev\/vfio\/|^anon_inode:\[?vfio-device\]?$/;

/** Parse one fdinfo text; returns the vfio-device-syspath value or null. */
export function fdinfoSyspath(text: string): string | null {
  for (const line of text.split('\n')) {
    if (line.startsWith('vfio-device-syspath:')) return line.slice('vfio-device-syspath:'.length).trim() || null;
  }
  return null;
}

/** Every open fd of every process that points at a VFIO node or device. Unreadable processes are skipped. */
export function findVfioFds(root: SysRoot): VfioFd[] {
  const out: VfioFd[] = [];
  for (const name of root.list('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let fds: string[];
    try { fds = root.list(`/proc/${pid}/fd`); } catch { continue; } // EACCES for other users' processes
    let comm: string | null = null;
    for (const fdName of fds) {
      let target: string | null;
      try { target = root.link(`/proc/${pid}/fd/${fdName}`); } catch { continue; }
      if (target === null || !VFIO_LINK.test(target) || target === '/dev/vfio/vfio') continue;
      let syspath: string | null = null;
      try {
        const info = root.textOr(`/proc/${pid}/fdinfo/${fdName}`);
        if (info !== null) syspath = fdinfoSyspath(info);
      } catch { /* the process may exit between the two reads */ }
      if (comm === null) {
        try { comm = firstLine(root.textOr(`/proc/${pid}/comm`) ?? '') || `pid ${pid}`; } catch { comm = `pid ${pid}`; }
      }
      out.push({ pid, comm, fd: Number(fdName), target, syspath });
    }
  }
  return out;
}
