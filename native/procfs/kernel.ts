// SPDX-License-Identifier: MIT
// Kernel identity under a root: /proc/sys/kernel/{osrelease,version,hostname} (what uname(2)
// returns) and /proc/cmdline. Captured trees may carry `.uname` (the output of `uname -a`) instead.
import { firstLine, type SysRoot } from '../sysfs/root.js';

export interface Uname {
  release: string;
  version: string;
  hostname: string;
  machine: string | null;
  /** Where it was read. */
  from: string;
}

/** `Linux HOST RELEASE #VERSION… MACHINE GNU/Linux` (uname -a). */
export function parseUnameA(text: string): Omit<Uname, 'from'> | null {
  const t = firstLine(text).split(/\s+/);
  if (t.length < 4 || t[0] !== 'Linux') return null;
  let tail = t.slice(3);
  if (tail[tail.length - 1] === 'GNU/Linux') tail = tail.slice(0, -1);
  const machine = tail.length > 1 ? tail[tail.length - 1]! : null;
  return { hostname: t[1]!, release: t[2]!, version: (machine ? tail.slice(0, -1) : tail).join(' '), machine };
}

export function readUname(root: SysRoot, hostMachine: string | null): Uname | null {
  const rel = root.textOr('/proc/sys/kernel/osrelease');
  if (rel !== null) {
    return {
      release: firstLine(rel),
      version: firstLine(root.textOr('/proc/sys/kernel/version') ?? ''),
      hostname: firstLine(root.textOr('/proc/sys/kernel/hostname') ?? ''),
      machine: root.isHost ? hostMachine : null,
      from: '/proc/sys/kernel/{osrelease,version,hostname}',
    };
  }
  const dot = root.textOr('/.uname');
  if (dot !== null) {
    const u = parseUnameA(dot);
    if (u) return { ...u, from: '.uname (uname -a of the captured machine)' };
  }
  const pv = root.textOr('/proc/version');
  if (pv !== null) {
    const m = /^Linux version (\S+)/.exec(pv);
    if (m) return { release: m[1]!, version: firstLine(pv), hostname: '', machine: null, from: '/proc/version' };
  }
  return null;
}

export function readCmdline(root: SysRoot): string | null {
  const t = root.textOr('/proc/cmdline');
  return t === null ? null : firstLine(t);
}
