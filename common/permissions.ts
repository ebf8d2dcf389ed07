// SPDX-License-Identifier: MIT
// Why an unprivileged Doorbell could not open a device node or pin memory, and the exact step
// that grants it. Kernel facts this relies on:
// - /dev/iommu is a misc device created 0660 root:root (iommufd miscdevice.mode); /dev/vfio/N
//   (class "vfio") and /dev/vfio/devices/vfioN (class "vfio-dev") are created 0600 root:root.
//   Only a udev rule changes owner and mode; Doorbell ships build/udev/70-doorbell-vfio.rules.
// - Group membership is read at login: after `usermod -aG` the running session keeps its old
//   groups until the user logs in again (or runs `newgrp vfio`).
// - Pages pinned by IOMMU_IOAS_MAP (and VFIO_IOMMU_MAP_DMA) are charged to RLIMIT_MEMLOCK of the
//   user (IOMMU_OPTION_RLIMIT_MODE 0); going over gives ENOMEM. udev cannot raise the limit: a
//   limits.d entry (PAM logins) or systemd LimitMEMLOCK= (services) does.
// - /proc/irq/N/smp_affinity*, config space past 64 bytes, resourceN and debugfs need root:
//   Doorbell's privileged helper (pkexec, polkit action org.doorbell.helper) does those.
import { errnoError, type LabError } from './errors.js';
import { ERRNO, errnoName } from './errno.js';

export const UDEV_RULES_FILE = 'build/udev/70-doorbell-vfio.rules';
export const UDEV_RULES_INSTALLED = '/etc/udev/rules.d/70-doorbell-vfio.rules';
export const LIMITS_FILE = 'build/limits/95-doorbell-vfio.conf';
export const LIMITS_INSTALLED = '/etc/security/limits.d/95-doorbell-vfio.conf';
export const DEVICE_GROUP = 'vfio';
export const HELPER_ACTION = 'org.doorbell.helper';

export interface MemlockLimit {
  /** RLIMIT_MEMLOCK soft and hard limits in bytes, or 'unlimited' (RLIM_INFINITY). */
  soft: number | 'unlimited';
  hard: number | 'unlimited';
  /** Bytes the failing request asked to pin, when known. */
  requested?: number;
}

export interface OpenFailure {
  /** The device node or file (/dev/iommu, /dev/vfio/devices/vfio0, /proc/irq/25/smp_affinity_list). */
  path: string;
  errno: number;
  /** The operation when it is not a plain open (e.g. 'IOMMU_IOAS_MAP'). Default `open <path>`. */
  op?: string;
  /** The process's uid and all its group ids (primary and supplementary). */
  uid: number;
  groups: readonly number[];
  /** st_mode & 0o7777 and the owner of the node, when stat() worked. */
  mode?: number;
  ownerUid?: number;
  ownerGid?: number;
  /** Name of ownerGid ('root', 'vfio'). */
  groupName?: string;
  /** gid of the `vfio` group on this machine; null when the group does not exist. */
  vfioGid?: number | null;
  memlock?: MemlockLimit;
}

type NodeKind = 'iommu' | 'vfio-cdev' | 'vfio-group' | 'vfio-container' | 'irq-affinity' | 'pci-config' | 'pci-resource' | 'debugfs' | 'other';

export function nodeKind(path: string): NodeKind {
  if (path === '/dev/iommu') return 'iommu';
  if (/^\/dev\/vfio\/devices\/vfio\d+$/.test(path)) return 'vfio-cdev';
  if (path === '/dev/vfio/vfio') return 'vfio-container';
  if (/^\/dev\/vfio\/(noiommu-)?\d+$/.test(path)) return 'vfio-group';
  if (/^\/proc\/irq\/\d+\/smp_affinity(_list)?$/.test(path)) return 'irq-affinity';
  if (/^\/sys\/bus\/pci\/devices\/[^/]+\/config$/.test(path)) return 'pci-config';
  if (/^\/sys\/bus\/pci\/devices\/[^/]+\/resource\d+(_wc)?$/.test(path)) return 'pci-resource';
  if (path.startsWith('/sys/kernel/debug/')) return 'debugfs';
  return 'other';
}

const RELOAD = 'sudo udevadm control --reload && sudo udevadm trigger --subsystem-match=misc --subsystem-match=vfio --subsystem-match=vfio-dev';
const JOIN = `sudo usermod -aG ${DEVICE_GROUP} $USER, then log out and in again (check with \`id\`)`;

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

function bytes(n: number | 'unlimited'): string {
  if (n === 'unlimited') return 'unlimited';
  if (n >= 1 << 30 && n % (1 << 30) === 0) return `${n / (1 << 30)} GiB`;
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function detailOf(f: OpenFailure): NonNullable<LabError['detail']> {
  const d: NonNullable<LabError['detail']> = { uid: f.uid, groups: f.groups.join(',') };
  if (f.mode !== undefined) d.mode = octal(f.mode);
  if (f.ownerUid !== undefined) d.ownerUid = f.ownerUid;
  if (f.ownerGid !== undefined) d.ownerGid = f.ownerGid;
  if (f.groupName !== undefined) d.group = f.groupName;
  if (f.memlock) {
    d.memlockSoft = String(f.memlock.soft);
    d.memlockHard = String(f.memlock.hard);
    if (f.memlock.requested !== undefined) d.requested = f.memlock.requested;
  }
  return d;
}

/** Turn a failed open (or pin) into a LabError whose hint is the exact missing permission. */
export function explainOpenFailure(f: OpenFailure): LabError {
  const op = f.op ?? `open ${f.path}`;
  const kind = nodeKind(f.path);
  const name = errnoName(f.errno);
  const err = (message: string, hint: string): LabError =>
    errnoError(op, f.errno, hint, { path: f.path, message, detail: detailOf(f) });

  if (f.errno === ERRNO.ENOMEM && (f.memlock || /IOAS_MAP|MAP_DMA|IOAS_COPY/.test(op))) return explainMemlock(f, err);

  if (name === 'EACCES' || name === 'EPERM') {
    if (kind === 'irq-affinity' || kind === 'pci-config' || kind === 'pci-resource' || kind === 'debugfs') {
      if (f.uid === 0) {
        return err(`${f.path} refused root (${name})`, kind === 'irq-affinity'
          ? 'This IRQ is not settable from user space (managed, per-CPU or no-balancing IRQ); the kernel decides its affinity.'
          : 'Kernel lockdown or a security module (SELinux/AppArmor) blocks it; check `dmesg` and /sys/kernel/security/lockdown.');
      }
      const what = { 'irq-affinity': 'Writing IRQ affinity', 'pci-config': 'Reading config space past 64 bytes', 'pci-resource': 'Mapping a BAR (the real MSI-X table)', debugfs: 'Reading debugfs' }[kind];
      return err(`${what} needs root; Doorbell is running as uid ${f.uid}`,
        `Let Doorbell's privileged helper do it (pkexec, polkit action ${HELPER_ACTION}; installed by the deb, see docs/install.md), or run the CLI with sudo. Do not run the GUI as root.`);
    }
    if (kind === 'iommu' || kind === 'vfio-cdev' || kind === 'vfio-group') return explainNodeAccess(f, err);
  }

  if (name === 'ENOENT') {
    if (kind === 'iommu') {
      return err('/dev/iommu does not exist: this kernel has no iommufd (CONFIG_IOMMUFD) loaded',
        'Run `sudo modprobe iommufd`; if the module is missing, use a kernel with CONFIG_IOMMUFD=y/m (6.2+) and an enabled IOMMU (intel_iommu=on, amd_iommu=on, or an SMMU in the firmware tables).');
    }
    if (kind === 'vfio-cdev') {
      return err(`${f.path} does not exist: the device is not bound to vfio-pci, or the kernel lacks CONFIG_VFIO_DEVICE_CDEV (6.6+)`,
        'Bind the device to vfio-pci (Doorbell does it through its privileged helper), then check /sys/bus/pci/devices/<BDF>/vfio-dev/.');
    }
    if (kind === 'vfio-group') {
      return err(`${f.path} does not exist: no device of this IOMMU group is bound to vfio-pci`,
        'Bind every device of the group to vfio-pci (or leave it driverless) and check /sys/kernel/iommu_groups/<N>/devices.');
    }
    if (kind === 'debugfs') {
      return err(`${f.path} does not exist: debugfs is not mounted or the kernel lacks CONFIG_GENERIC_IRQ_DEBUGFS`,
        'Run `sudo mount -t debugfs none /sys/kernel/debug`; without CONFIG_GENERIC_IRQ_DEBUGFS the composed message is read from config space or the MSI-X table instead.');
    }
  }

  if (name === 'EBUSY' && (kind === 'vfio-cdev' || kind === 'vfio-group')) {
    return err(`${f.path} is in use by another process (a VMM or another Doorbell)`,
      'Find the holder with `sudo fuser -v ' + f.path + '` and stop it, or open the device passively (read-only views).');
  }
  if (name === 'ENXIO' || name === 'ENODEV') {
    return err(`${f.path} has no device behind it (removed or unbound)`, 'Re-scan devices; bind the device to vfio-pci again if it was unbound.');
  }
  return err(`${op} failed: ${name} (${f.errno})`, 'Check the path and its permissions with `ls -l`, and `dmesg` for a kernel message.');
}

function explainNodeAccess(f: OpenFailure, err: (m: string, h: string) => LabError): LabError {
  const groupRw = f.mode !== undefined && (f.mode & 0o060) === 0o060;
  const nodeGroup = f.groupName ?? (f.ownerGid !== undefined ? `gid ${f.ownerGid}` : 'unknown');
  const inNodeGroup = f.ownerGid !== undefined && f.groups.includes(f.ownerGid);
  const modeText = f.mode !== undefined ? `mode ${octal(f.mode)}` : 'unknown mode';
  const createGroup = f.vfioGid === null ? `sudo groupadd --system ${DEVICE_GROUP}; ` : '';

  if (f.uid === 0) {
    return err(`${f.path} refused root: a security module (SELinux/AppArmor) or device cgroup denies it`,
      'Check `dmesg` for an LSM denial and the device cgroup of this process.');
  }
  // The udev rule did not apply: the node is still root-owned (or has another group).
  if (f.groupName !== DEVICE_GROUP && !(inNodeGroup && groupRw)) {
    return err(`${f.path} is ${modeText} group ${nodeGroup}: no udev rule gives group ${DEVICE_GROUP} access`,
      `${createGroup}install ${UDEV_RULES_FILE} as ${UDEV_RULES_INSTALLED} (the deb installs it in /lib/udev/rules.d), run \`${RELOAD}\`, then \`${JOIN}\`.`);
  }
  if (!groupRw) {
    return err(`${f.path} belongs to group ${DEVICE_GROUP} but is ${modeText}: the group cannot read and write it`,
      `A rule sets the group without MODE="0660" (or a later rule overrides it): check ${UDEV_RULES_INSTALLED} and \`udevadm test $(udevadm info -q path -n ${f.path})\`, then \`${RELOAD}\`.`);
  }
  if (!inNodeGroup) {
    const known = f.vfioGid !== undefined && f.vfioGid !== null;
    return err(`${f.path} is ${modeText} group ${DEVICE_GROUP}, and this session (uid ${f.uid}) is not in group ${DEVICE_GROUP}`,
      known
        ? `Run \`${JOIN}\`; if you were already added, this session predates it: log in again or run \`newgrp ${DEVICE_GROUP}\`.`
        : `Run \`${JOIN}\`.`);
  }
  return err(`${f.path} is ${modeText} group ${DEVICE_GROUP} and you are in it, yet access was denied`,
    'A security module (SELinux/AppArmor), an ACL or the device cgroup denies it: check `dmesg` and `getfacl ' + f.path + '`.');
}

function explainMemlock(f: OpenFailure, err: (m: string, h: string) => LabError): LabError {
  const m = f.memlock;
  const limits = `\`@${DEVICE_GROUP} - memlock unlimited\` in ${LIMITS_INSTALLED} (shipped as ${LIMITS_FILE}; the deb installs it), then log in again; for a systemd service set LimitMEMLOCK=infinity`;
  if (m && m.soft === 'unlimited') {
    return err('Pinning memory failed with ENOMEM although RLIMIT_MEMLOCK is unlimited: the machine is out of memory for pinned pages',
      'Map less at once, or free memory (pinned pages cannot be swapped).');
  }
  const req = m?.requested !== undefined ? `${bytes(m.requested)} requested, ` : '';
  const soft = m ? `RLIMIT_MEMLOCK is ${bytes(m.soft)} (hard ${bytes(m.hard)})` : 'RLIMIT_MEMLOCK is probably too low';
  const raiseNow = m && m.hard !== 'unlimited' && m.requested !== undefined && m.requested <= m.hard
    ? ' Within this session, `ulimit -l ' + Math.ceil(m.hard / 1024) + '` raises the soft limit up to the hard one.'
    : '';
  return err(`Pinned pages are charged to RLIMIT_MEMLOCK and this mapping goes over it: ${req}${soft}`,
    `Raise the limit for group ${DEVICE_GROUP}: ${limits}.${raiseNow}`);
}
