// SPDX-License-Identifier: MIT
// Running validated helper requests. Every path is built from validated integers and BDFs only;
// writes open existing files O_WRONLY|O_NOFOLLOW (never O_CREAT), so nothing outside the kernel
// files named below can be created or reached through a link.
//   affinity   write /proc/irq/N/smp_affinity_list, read back smp_affinity_list and
//              effective_affinity_list. Managed / per-CPU IRQs: EPERM (6.12+) or EIO (older).
//   bind-vfio  driver_override = "vfio-pci", unbind the current driver, write the BDF to
//              /sys/bus/pci/drivers_probe; refused (EBUSY) while a filesystem is mounted or an
//              interface is up below the device.
//   read       config space (full size as root), /sys/kernel/debug/irq/irqs/N, and the real MSI-X
//              table through a read-only mmap of resourceN (native/pci/msix-table.ts, koffi).
import fs from 'node:fs';
import path from 'node:path';
import { formatCpuList, parseCpuList } from '../../common/cpulist.js';
import { ERRNO, type ErrnoName } from '../../common/errno.js';
import { explainOpenFailure } from '../../common/permissions.js';
import { parseConfigCaps } from '../../native/pci/config.js';
import { readMsixTableViaResource } from '../../native/pci/msix-table.js';
import { SysRoot } from '../../native/sysfs/root.js';
import { bindBlockers } from './blockers.js';
import {
  itemError, validateBatch, type BindRequest, type HelperRequest, type HelperResponse, type ItemError,
  type ItemResult, type MachineFacts, type ReadRequest, type AffinityRequest, HELPER_PROTOCOL,
} from './protocol.js';

export interface ExecOptions {
  /**
   * Prefix for bind-vfio only (driver_override, unbind, drivers_probe, mountinfo), so binding can
   * be tested against a copied tree. Never set by pkexec callers: main.ts honours it only in test
   * mode, as root, outside pkexec.
   */
  bindRoot?: string;
}

const MAX_DEBUGFS_BYTES = 64 * 1024;
const MAX_CONFIG_BYTES = 4096;

function errnoOf(e: unknown): { name: ErrnoName; num: number } {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && code in ERRNO && code !== 'ENOTSUP') return { name: code as ErrnoName, num: ERRNO[code as ErrnoName] };
  return { name: 'EIO', num: ERRNO.EIO };
}

function fsFail(op: string, kpath: string, e: unknown, hint?: string): ItemError {
  // Node carries the kernel's errno (negated) and its name, including ones outside common/errno.ts (ELOOP).
  const ne = e as NodeJS.ErrnoException | null;
  const num = typeof ne?.errno === 'number' && ne.errno !== 0 ? Math.abs(ne.errno) : errnoOf(e).num;
  const name = typeof ne?.code === 'string' && /^E[A-Z0-9]+$/.test(ne.code) ? ne.code : errnoOf(e).name;
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const explained = explainOpenFailure({ path: kpath, errno: num, op, uid, groups: [] });
  return { errno: num, errnoName: name, message: `${op}: ${name} (${num})`, hint: hint ?? explained.hint, path: kpath };
}

function readTrim(p: string): string | null {
  try {
    return fs.readFileSync(p, 'latin1').trim();
  } catch {
    return null;
  }
}

/** Write an existing kernel file; never creates, never follows a final symlink. */
function writeExisting(p: string, text: string): void {
  const fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW | fs.constants.O_TRUNC);
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/** The live machine, for validation. */
export function liveFacts(): MachineFacts {
  let possible: number[] | null = null;
  return {
    irqExists: (irq) => fs.existsSync(`/proc/irq/${irq}/smp_affinity_list`),
    possibleCpus: () => {
      if (possible) return possible;
      const t = readTrim('/sys/devices/system/cpu/possible');
      const p = t ? parseCpuList(t) : null;
      possible = p && p.ok ? p.cpus : [];
      return possible;
    },
  };
}

function runAffinity(r: AffinityRequest): { ok: true; value: unknown } | { ok: false; error: ItemError } {
  const dir = `/proc/irq/${r.irq}`;
  const kpath = `${dir}/smp_affinity_list`;
  const previous = readTrim(kpath);
  const cpus = parseCpuList(r.cpus);
  const text = cpus.ok ? formatCpuList(cpus.cpus) : r.cpus;
  try {
    writeExisting(kpath, `${text}\n`);
  } catch (e) {
    const { name } = errnoOf(e);
    const hint = name === 'EPERM' || name === 'EIO'
      ? `IRQ ${r.irq} is not settable from user space (managed, per-CPU or no-balancing; EPERM since 6.12, EIO before): the kernel decides its affinity.`
      : name === 'EINVAL' ? 'The kernel refused this CPU set (offline CPUs only, or the chip rejects it); pick online CPUs.'
        : name === 'ENOSPC' ? 'No free interrupt vector on the target CPUs; pick other CPUs.'
          : undefined;
    return { ok: false, error: fsFail(`write ${kpath}`, kpath, e, hint) };
  }
  return {
    ok: true,
    value: { irq: r.irq, previous, requested: readTrim(kpath), effective: readTrim(`${dir}/effective_affinity_list`) },
  };
}

function runBind(r: BindRequest, root: string): { ok: true; value: unknown } | { ok: false; error: ItemError } {
  const k = (p: string) => path.join(root, p);
  const dev = `/sys/bus/pci/devices/${r.bdf}`;
  if (!fs.existsSync(k(dev))) {
    return { ok: false, error: itemError('ENODEV', `no PCI device ${r.bdf}`, 'Check the address with `lspci -D`.', dev) };
  }
  const blockers = bindBlockers(root, r.bdf);
  if (blockers.length) {
    const what = blockers.map((b) => (b.kind === 'net-up' ? `interface ${b.name} is up` : `${b.name} (${b.detail}) is ${b.kind === 'swap' ? 'used as swap' : 'mounted'}`)).join('; ');
    return {
      ok: false,
      error: itemError('EBUSY', `refusing to unbind ${r.bdf}: ${what}`, 'This device is in use by this machine (its disk or network); pick a device that is idle, or unmount / `ip link set DEV down` first.', dev),
    };
  }
  const linkName = (() => {
    try {
      return path.basename(fs.readlinkSync(k(`${dev}/driver`)));
    } catch {
      return null;
    }
  })();
  if (linkName === 'vfio-pci') return { ok: true, value: { bdf: r.bdf, driver: 'vfio-pci', previousDriver: 'vfio-pci', steps: [] } };
  const steps: string[] = [];
  const step = (kpath: string, text: string): ItemError | null => {
    try {
      writeExisting(k(kpath), text);
      steps.push(`${kpath} <- ${text.trim()}`);
      return null;
    } catch (e) {
      return fsFail(`write ${kpath}`, kpath, e, steps.length
        ? `Done so far: ${steps.join('; ')}. The device may be left without a driver: check ${dev}/driver and driver_override.`
        : undefined);
    }
  };
  let failed = step(`${dev}/driver_override`, 'vfio-pci\n');
  if (!failed && linkName !== null) {
    if (!/^[A-Za-z0-9_.:-]+$/.test(linkName)) {
      failed = itemError('EINVAL', `unexpected driver name ${JSON.stringify(linkName.slice(0, 40))}`, 'Unbind it by hand.', `${dev}/driver`);
    } else {
      failed = step(`/sys/bus/pci/drivers/${linkName}/unbind`, r.bdf);
    }
  }
  if (!failed) failed = step('/sys/bus/pci/drivers_probe', r.bdf);
  if (failed) return { ok: false, error: failed };
  let now: string | null;
  try {
    now = path.basename(fs.readlinkSync(k(`${dev}/driver`)));
  } catch {
    now = null;
  }
  if (root === '/' && now !== 'vfio-pci') {
    return {
      ok: false,
      error: itemError('ENODEV', `vfio-pci did not take ${r.bdf} (driver now ${now ?? 'none'})`, 'vfio-pci needs an IOMMU group (or noiommu mode) and a normal header-type device: check `dmesg` and that the vfio-pci module is loaded (`sudo modprobe vfio-pci`).', dev),
    };
  }
  return { ok: true, value: { bdf: r.bdf, driver: now, previousDriver: linkName, steps } };
}

function runRead(r: ReadRequest): { ok: true; value: unknown } | { ok: false; error: ItemError } {
  if (r.kind === 'debugfs-irq') {
    const kpath = `/sys/kernel/debug/irq/irqs/${r.irq}`;
    try {
      const buf = fs.readFileSync(kpath);
      return { ok: true, value: { irq: r.irq, text: buf.subarray(0, MAX_DEBUGFS_BYTES).toString('latin1'), truncated: buf.length > MAX_DEBUGFS_BYTES } };
    } catch (e) {
      return { ok: false, error: fsFail(`read ${kpath}`, kpath, e) };
    }
  }
  const cfgPath = `/sys/bus/pci/devices/${r.bdf}/config`;
  let cfg: Buffer;
  try {
    cfg = fs.readFileSync(cfgPath).subarray(0, MAX_CONFIG_BYTES);
  } catch (e) {
    return { ok: false, error: fsFail(`read ${cfgPath}`, cfgPath, e, errnoOf(e).name === 'ENOENT' ? 'Check the address with `lspci -D`.' : undefined) };
  }
  if (r.kind === 'config') return { ok: true, value: { bdf: r.bdf, size: cfg.length, hex: cfg.toString('hex') } };

  const caps = parseConfigCaps(cfg);
  if (caps.msix === null) return { ok: false, error: itemError('ENODATA', `${r.bdf} has no MSI-X capability`, 'Read its MSI capability from config space instead.', cfgPath) };
  if (typeof caps.msix === 'string') return { ok: false, error: itemError('EIO', `${r.bdf}: ${caps.msix}`, 'The capability list is malformed; report the config dump.', cfgPath) };
  const resPath = `/sys/bus/pci/devices/${r.bdf}/resource${caps.msix.tableBar}`;
  if (!fs.existsSync(resPath)) {
    return { ok: false, error: itemError('ENOENT', `${resPath} does not exist: this sysfs offers no mmap of BAR ${caps.msix.tableBar}`, 'Read the table through the VFIO device (bound to vfio-pci) instead.', resPath) };
  }
  const read = readMsixTableViaResource(new SysRoot('/'), r.bdf, caps.msix);
  if (!read.ok) {
    const m = /\b(E[A-Z0-9]+)\b/.exec(read.why);
    const name = (m && m[1]! in ERRNO ? m[1] : 'EIO') as ErrnoName;
    return { ok: false, error: itemError(name, read.why, 'Kernel lockdown refuses resource mmaps; read the table through the VFIO device instead.', read.path) };
  }
  return {
    ok: true,
    value: { bdf: r.bdf, bar: caps.msix.tableBar, offset: caps.msix.tableOffset, tableSize: caps.msix.tableSize, entries: read.entries, source: 'mmap resourceN (koffi)' },
  };
}

export function runRequest(r: HelperRequest, opts: ExecOptions = {}): { ok: true; value: unknown } | { ok: false; error: ItemError } {
  try {
    if (r.op === 'affinity') return runAffinity(r);
    if (r.op === 'bind-vfio') return runBind(r, opts.bindRoot ?? '/');
    return runRead(r);
  } catch (e) {
    const { name } = errnoOf(e);
    return { ok: false, error: itemError(name, `${r.op}: ${(e as Error).message}`, 'This is a bug in the Doorbell helper; please report it with the journal entry.') };
  }
}

/** Validate the whole input, then run every item in order. Never throws. */
export function executeBatch(input: string | Uint8Array, facts: MachineFacts = liveFacts(), opts: ExecOptions = {}): HelperResponse {
  const checked = validateBatch(input, facts);
  if (!checked.ok) return { v: HELPER_PROTOCOL, ok: false, refused: true, error: checked.error, results: checked.results };
  const results: ItemResult[] = checked.requests.map((r, index) => {
    const res = runRequest(r, opts);
    return res.ok ? { index, op: r.op, ok: true, value: res.value } : { index, op: r.op, ok: false, ...res.error };
  });
  return { v: HELPER_PROTOCOL, ok: results.every((x) => x.ok), refused: false, results };
}
