// SPDX-License-Identifier: MIT
// Guest test driver for the real-kernel tier (runs as PID 1's child inside the QEMU guest, as root,
// with the e1000e already bound to vfio-pci). It drives the PRODUCT's own modules: KernelOps from
// lab/linux/ops.ts (through native/ koffi bindings) and native/sys/libc.ts for region pread/pwrite
// and the MSI-X table mmap, then runs the product CLI and checks it against what it read itself.
//
// Verification reads (/proc/interrupts, sysfs) use a small independent parser here, not the
// product's, so a product bug cannot confirm itself. Output: one `PASS …`/`FAIL …` line per
// check, then `N passed, M failed`; JSON of every check and value to $DOORBELL_RESULTS/driver.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type * as LibcModule from '../../../native/sys/libc.js';
import type * as MmanModule from '../../../native/sys/mman.js';
import type * as ContainerModule from '../../../native/vfio/container.js';
import type * as GroupModule from '../../../native/vfio/group.js';
import type * as ContractModule from '../../contract/kernel-ops.contract.js';
import type * as ShimModule from './vitest-shim.js';
import type * as LinuxOpsModule from '../../../lab/linux/ops.js';
import type * as CpulistModule from '../../../common/cpulist.js';
import type * as ErrnoModule from '../../../common/errno.js';
import type * as VerdictModule from '../../../common/verdict.js';
import type * as ProcfsModule from '../../../lab/affinity/procfs.js';
import type * as SelectModule from '../../../lab/select.js';
import type * as DiffModule from '../../contract/cpulist-differential.js';
import type { KernelOps, DeviceHandle, EventfdHandle, OpResult, RegionInfo } from '../../../lab/ops.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
interface Check { phase: string; name: string; ok: boolean; detail: string }

const BDF = process.env.DOORBELL_BDF ?? '';
const RESULTS = process.env.DOORBELL_RESULTS ?? '/results';
// out/node/test/kernel/guest/driver.js → the packed repo root (/doorbell in the guest).
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..', '..', '..', '..');
const OUT_NODE = path.resolve(HERE, '..', '..', '..');

const checks: Check[] = [];
const record: Record<string, Json> = {};
let phase = 'setup';

function check(name: string, ok: boolean, detail = ''): boolean {
  checks.push({ phase, name, ok, detail });
  console.log(`${ok ? 'PASS' : 'FAIL'} ${phase}: ${name}${detail ? ` — ${detail}` : ''}`);
  return ok;
}
const hex = (v: number | bigint): string => `0x${v.toString(16)}`;
function why(r: OpResult<unknown>): string {
  return r.ok ? 'ok' : `${r.errno} (${r.errnoValue}): ${r.error.message}`;
}
/** Unwraps an OpResult into a check: the value, or null after a FAIL line naming the errno. */
function must<T>(name: string, r: OpResult<T>, detail?: (v: T) => string): T | null {
  if (r.ok) {
    check(name, true, detail ? detail(r.value) : '');
    return r.value;
  }
  check(name, false, why(r));
  return null;
}
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Loads one of the product's compiled modules; a missing one is a FAIL naming it. */
async function load<T>(rel: string, what: string): Promise<T | null> {
  const file = path.join(OUT_NODE, rel);
  if (!fs.existsSync(file)) {
    check(`load ${rel}`, false, `${what}: module not in the build (${file}); is it written yet?`);
    return null;
  }
  try {
    return (await import(file)) as T;
  } catch (e) {
    check(`load ${rel}`, false, `${what}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    return null;
  }
}

// ---- independent readers -------------------------------------------------------------------------

interface IrqLine { irq: number; counts: number[]; name: string }
function procInterrupts(): IrqLine[] {
  const lines = fs.readFileSync('/proc/interrupts', 'latin1').split('\n');
  const ncpu = (lines[0] ?? '').trim().split(/\s+/).length;
  const out: IrqLine[] = [];
  for (const l of lines.slice(1)) {
    const m = /^\s*(\d+):(.*)$/.exec(l);
    if (!m) continue;
    const toks = (m[2] ?? '').trim().split(/\s+/);
    out.push({ irq: Number(m[1]), counts: toks.slice(0, ncpu).map(Number), name: toks.slice(ncpu).join(' ') });
  }
  return out;
}
const vfioMsixIrqs = () => procInterrupts().filter((l) => l.name.includes(`vfio-msix[`) && l.name.includes(BDF));
const cpulist = (s: string): number[] =>
  s.trim() === '' ? [] : s.trim().split(',').flatMap((p) => {
    const [a, b] = p.split('-').map(Number) as [number, number | undefined];
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });

// ---- native helpers: the product's libc bindings -------------------------------------------------

type LibcMod = typeof LibcModule;
type ShimMod = typeof ShimModule;
type LinuxOpsMod = typeof LinuxOpsModule;
let libcMod: LibcMod | null = null;
let mmanMod: MmanMod | null = null;

function preadN(fd: number, off: bigint, n: number): Buffer | null {
  const b = Buffer.alloc(n);
  const r = libcMod!.libc().pread(fd, b, n, off);
  return r === n ? b : null;
}
function pwrite32(fd: number, off: bigint, v: number): boolean {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return libcMod!.libc().pwrite(fd, b, 4, off) === 4;
}

interface MsixCap { at: number; ctrl: number; tableSize: number; tableBir: number; tableOffset: number; pbaBir: number; pbaOffset: number }
function findMsix(cfg: Buffer): MsixCap | null {
  let p = cfg[0x34]! & 0xfc;
  for (let hops = 0; p !== 0 && hops < 48; hops++) {
    if (cfg[p] === 0x11) {
      const ctrl = cfg.readUInt16LE(p + 2);
      const t = cfg.readUInt32LE(p + 4);
      const pba = cfg.readUInt32LE(p + 8);
      return { at: p, ctrl, tableSize: (ctrl & 0x7ff) + 1, tableBir: t & 7, tableOffset: t & ~7, pbaBir: pba & 7, pbaOffset: pba & ~7 };
    }
    p = cfg[p + 1]! & 0xfc;
  }
  return null;
}

interface MsixEntry { addrLo: number; addrHi: number; data: number; vectorCtrl: number }
/**
 * Reads the MSI-X table with exact 32-bit loads (QEMU's MSI-X MMIO rejects byte loads) from an mmap
 * of the VFIO BAR region when the kernel says MSIX_MAPPABLE, else of sysfs resourceN (root).
 */
function readMsixTable(devFd: number, bar: RegionInfo | null, cap: MsixCap): { entries: MsixEntry[]; source: string } | null {
  const c = libcMod!.libc();
  const len = Math.ceil((cap.tableOffset + cap.tableSize * 16) / 4096) * 4096;
  const mappable = bar?.caps.some((k) => k.id === 3) ?? false;   // VFIO_REGION_INFO_CAP_MSIX_MAPPABLE
  let fd = devFd;
  let off = 0n;
  let source: string;
  let opened = -1;
  if (mappable && bar && (bar.flags & 0x4) !== 0) {        // VFIO_REGION_INFO_FLAG_MMAP
    off = bar.offset;
    source = `vfio BAR${cap.tableBir} mmap (MSIX_MAPPABLE)`;
  } else {
    const p = `/sys/bus/pci/devices/${BDF}/resource${cap.tableBir}`;
    opened = c.open(p, 0x101002, 0);                          // O_RDWR|O_SYNC
    if (opened < 0) { check('open resourceN', false, `${p}: errno ${c.errno()}`); return null; }
    fd = opened;
    source = `sysfs ${path.basename(p)} mmap`;
  }
  try {
    const m = mmanMod!.mmap(len, 1 /* PROT_READ */, 1 /* MAP_SHARED */, fd, off, {}, source);
    if (!m.ok) { check(`mmap MSI-X table (${source})`, false, why(m)); return null; }
    // Mapping.readU32 is one 32-bit load: QEMU's MSI-X MMIO refuses byte loads.
    const u32 = (o: number): number => m.value.readU32(cap.tableOffset + o);
    const entries: MsixEntry[] = [];
    for (let i = 0; i < cap.tableSize; i++) {
      entries.push({ addrLo: u32(i * 16), addrHi: u32(i * 16 + 4), data: u32(i * 16 + 8), vectorCtrl: u32(i * 16 + 12) });
    }
    m.value.unmap();
    return { entries, source };
  } finally {
    if (opened >= 0) c.close(opened);
  }
}

// ---- the iommufd sequence ----------------------------------------------------------------------

interface DeviceState { ops: KernelOps; dev: DeviceHandle; mode: string }

const MSI_LO = 0xfee00000n;
const MSI_HI = 0xfeefffffn;

async function iommufdMode(ops: KernelOps): Promise<void> {
  phase = 'iommufd';
  const h = must('open /dev/iommu', ops.openIommufd());
  if (!h) return;
  let dev: DeviceHandle | null = null;
  let ioas: number | null = null;
  try {
    ioas = must('IOMMU_IOAS_ALLOC', ops.ioasAlloc(h), (v) => `ioas_id=${v}`);
    if (ioas === null) return;
    must('IOMMU_IOAS_IOVA_RANGES before attach', ops.ioasIovaRanges(h, ioas),
      (v) => v.ranges.map((r) => `${r.start}-${r.last}`).join(' '));
    dev = must(`open vfio cdev for ${BDF}`, ops.openDevice(BDF), (d) => `handle ${d.id}`);
    if (!dev) return;
    const bound = must('VFIO_DEVICE_BIND_IOMMUFD', ops.bindIommufd(dev, h), (v) => `dev_id=${v.devId}`);
    if (!bound) return;
    const hw = must('IOMMU_GET_HW_INFO', ops.getHwInfo(h, bound.devId), (v) => `out_data_type=${v.type}`);
    if (hw) check('hw_info type is INTEL_VTD (1)', hw.type === 1, `type=${hw.type}`);
    const att = must('VFIO_DEVICE_ATTACH_IOMMUFD_PT', ops.attachPt(dev, ioas), (v) => `pt_id=${v.ptId}`);
    if (!att) return;
    const rr = must('IOMMU_IOAS_IOVA_RANGES after attach', ops.ioasIovaRanges(h, ioas),
      (v) => `${v.ranges.map((r) => `${r.start}-${r.last}`).join(' ')} align ${hex(v.alignment)}`);
    if (rr) {
      record.iommufdRanges = rr.ranges.map((r) => ({ start: r.start, last: r.last }));
      const rs = rr.ranges.map((r) => ({ start: BigInt(r.start), last: BigInt(r.last) }));
      const overlaps = rs.some((r) => r.start <= MSI_HI && r.last >= MSI_LO);
      const below = rs.some((r) => r.last === MSI_LO - 1n);
      const above = rs.some((r) => r.start === MSI_HI + 1n);
      check('MSI window 0xfee00000-0xfeefffff is a hole in the IOVA ranges', !overlaps && below && above,
        `overlaps=${overlaps} edge-below=${below} edge-above=${above}`);
    }
    const m = must('IOMMU_IOAS_MAP 64 KiB (kernel-chosen IOVA)',
      ops.ioasMap(h, { ioasId: ioas, length: 0x10000n, readable: true, writeable: true }), (v) => `iova=${hex(v.iova)}`);
    if (m) {
      check('mapped IOVA is outside the MSI window', m.iova + 0x10000n <= MSI_LO || m.iova > MSI_HI, hex(m.iova));
      const u = must('IOMMU_IOAS_UNMAP', ops.ioasUnmap(h, { ioasId: ioas, iova: m.iova, length: 0x10000n }), (v) => `unmapped=${hex(v.unmapped)}`);
      if (u !== null) check('unmapped length equals mapped length', u.unmapped === 0x10000n, hex(u.unmapped));
    }
    const bad = ops.ioasMap(h, { ioasId: ioas, length: 0x1000n, iova: MSI_LO, readable: true, writeable: true });
    check('FIXED_IOVA map inside the MSI window is refused', !bad.ok, bad.ok ? `mapped at ${hex(bad.value.iova)}!` : `${bad.errno} (${bad.errnoValue})`);
    if (bad.ok) ops.ioasUnmap(h, { ioasId: ioas, iova: bad.value.iova, length: 0x1000n });

    await deviceSequence({ ops, dev, mode: 'iommufd' });

    must('VFIO_DEVICE_DETACH_IOMMUFD_PT', ops.detachPt(dev));
  } finally {
    if (dev) must('close device', ops.closeDevice(dev));
    if (ioas !== null) must('IOMMU_DESTROY ioas', ops.destroy(h, ioas));
    must('close /dev/iommu', ops.closeIommufd(h));
  }
}

// ---- the device part, shared by both modes -------------------------------------------------------

async function deviceSequence(st: DeviceState): Promise<void> {
  const { ops, dev } = st;
  const info = must('VFIO_DEVICE_GET_INFO', ops.deviceInfo(dev), (v) => `flags=${hex(v.flags)} regions=${v.numRegions} irqs=${v.numIrqs}`);
  if (info) check('device is PCI with ≥5 IRQ indexes', (info.flags & 0x2) !== 0 && info.numIrqs >= 5, `flags=${hex(info.flags)}`);
  must('VFIO_DEVICE_RESET', ops.reset(dev));
  const cfgR = must('GET_REGION_INFO 7 (config)', ops.regionInfo(dev, 7), (v) => `size=${hex(v.size)} offset=${hex(v.offset)}`);
  const bar0 = must('GET_REGION_INFO 0 (BAR0)', ops.regionInfo(dev, 0), (v) => `size=${hex(v.size)} flags=${hex(v.flags)}`);
  if (!cfgR || !bar0 || !libcMod || !mmanMod) return;
  const fd = dev.id;   // on linux the handle is the device fd
  const cfg = preadN(fd, cfgR.offset, 256);
  if (!check('pread config space through the VFIO config region', cfg !== null)) return;
  const cap = findMsix(cfg!);
  if (!check('MSI-X capability found', cap !== null, cap ? `@${hex(cap.at)} table=BAR${cap.tableBir}+${hex(cap.tableOffset)} size=${cap.tableSize}` : '')) return;
  const barT = must(`GET_REGION_INFO ${cap!.tableBir} (MSI-X BAR)`, ops.regionInfo(dev, cap!.tableBir),
    (v) => `size=${hex(v.size)} caps=${v.caps.map((k) => k.id).join(',') || 'none'}`);

  const irqInfo = must('VFIO_DEVICE_GET_IRQ_INFO (MSI-X)', ops.irqInfo(dev, 2), (v) => `count=${v.count} flags=${hex(v.flags)}`);
  if (!irqInfo) return;
  check('MSI-X count equals table size', irqInfo.count === cap!.tableSize, `${irqInfo.count} vs ${cap!.tableSize}`);
  const n = irqInfo.count;
  const efds: EventfdHandle[] = [];
  for (let i = 0; i < n; i++) {
    const e = ops.eventfd();
    if (!e.ok) { check(`eventfd ${i}`, false, why(e)); break; }
    efds.push(e.value);
  }
  if (efds.length !== n) return;
  check(`created ${n} eventfds`, true);
  try {
    const en = must(`SET_IRQS MSI-X DATA_EVENTFD|ACTION_TRIGGER ×${n}`,
      ops.setIrqs(dev, { index: 2, start: 0, count: n, action: 'trigger', data: { kind: 'eventfd', fds: efds } }));
    if (en === null) return;
    const cfg2 = preadN(fd, cfgR.offset, 256)!;
    const ctrl = cfg2.readUInt16LE(cap!.at + 2);
    check('MSI-X enable bit set in the control word', (ctrl & 0x8000) !== 0, `ctrl=${hex(ctrl)}`);
    const irqs = vfioMsixIrqs();
    check(`/proc/interrupts lists ${n} vfio-msix vectors for ${BDF}`, irqs.length === n, irqs.map((l) => l.irq).join(','));
    record[`${st.mode}Irqs`] = irqs.map((l) => l.irq);

    // The table the kernel programmed (x86 with IR: remappable format, address 0xfeeXXXXX with bit 4).
    const table = readMsixTable(fd, barT, cap!);
    if (table) {
      record[`${st.mode}Table`] = table.entries.map((e) => ({ addrLo: hex(e.addrLo), addrHi: hex(e.addrHi), data: hex(e.data), vectorCtrl: hex(e.vectorCtrl) }));
      const inWindow = table.entries.every((e) => (e.addrLo & 0xfff00000) >>> 0 === 0xfee00000 && e.addrHi === 0);
      const remappable = table.entries.every((e) => (e.addrLo & 0x10) !== 0);
      const unmasked = table.entries.every((e) => (e.vectorCtrl & 1) === 0);
      check(`MSI-X table read (${table.source}): every address in 0xfee00000 window`, inWindow,
        table.entries.map((e) => hex(e.addrLo)).join(' '));
      check('MSI-X entries are in remappable (IR) format and unmasked', remappable && unmasked,
        `remappable=${remappable} unmasked=${unmasked}`);
    }

    const irteFile = '/sys/kernel/debug/iommu/intel/ir_translation_struct';
    // debugfs files report size 0: read, don't copy. Kept for the record (the IRTE destinations).
    try { fs.writeFileSync(path.join(RESULTS, `irte-${st.mode}.txt`), fs.readFileSync(irteFile)); } catch { /* no INTEL_IOMMU_DEBUGFS */ }

    // Move vector 0's IRQ to the other CPU through the product, read it back.
    let moved: { irq: number; cpu: number; before: string } | null = null;
    const irq0 = irqs[0]?.irq;
    if (irq0 !== undefined) {
      const a0 = must(`readAffinity irq ${irq0}`, ops.readAffinity(irq0), (v) => `affinity=${v.affinity} effective=${v.effective}`);
      if (a0) {
        const cpu = a0.effective[0] === 1 ? 0 : 1;
        const w = must(`writeAffinity irq ${irq0} → ${cpu}`, ops.writeAffinity(irq0, String(cpu)));
        if (w !== null) {
          moved = { irq: irq0, cpu, before: a0.affinity.join(',') };
          const a1 = must(`readAffinity irq ${irq0} after the move`, ops.readAffinity(irq0), (v) => `affinity=${v.affinity} effective=${v.effective}`);
          const sysEff = cpulist(fs.readFileSync(`/proc/irq/${irq0}/effective_affinity_list`, 'latin1'));
          if (a1) check('affinity and effective affinity are the new CPU (product and /proc agree)',
            a1.affinity.join() === String(cpu) && a1.effective.join() === String(cpu) && sysEff.join() === String(cpu),
            `product ${a1.affinity}/${a1.effective}, /proc effective ${sysEff}`);
          if (table) irteAfterMove(fd, barT, cap!, table.entries[0]!, cpu);
        }
      }
    }

    try {
      // The product CLI, while this process holds the device (passive reading for the CLI).
      if (table) cliVectors(st.mode, irqs, table.entries, moved);
      if (st.mode === 'iommufd') await cliAffinity(fd, cfgR, bar0, irqs);
      await fireInterrupts(st, fd, cfgR, bar0, efds, irqs, moved);
      if (st.mode === 'iommufd') await cpulistDifferential(irqs[2]?.irq);
    } finally {
      if (moved) must(`restore irq ${moved.irq} affinity to ${moved.before}`, ops.writeAffinity(moved.irq, moved.before));
    }

    const off = must('SET_IRQS MSI-X DATA_NONE count 0 (disable)',
      ops.setIrqs(dev, { index: 2, start: 0, count: 0, action: 'trigger', data: { kind: 'none' } }));
    if (off !== null) {
      const ctrl3 = preadN(fd, cfgR.offset, 256)!.readUInt16LE(cap!.at + 2);
      check('MSI-X enable bit clear after disable', (ctrl3 & 0x8000) === 0, `ctrl=${hex(ctrl3)}`);
      check('vfio-msix vectors gone from /proc/interrupts', vfioMsixIrqs().length === 0);
    }
  } finally {
    for (const e of efds) ops.closeEventfd(e);
  }
}

// e1000e registers (BAR0): ICR (W1C), ICS (set causes), IMS (unmask), IMC (mask), IVAR (cause → vector).
const E1000_ICR = 0xc0, E1000_ICS = 0xc8, E1000_IMS = 0xd0, E1000_IMC = 0xd8, E1000_IVAR = 0xe4;
const CAUSE_BITS = [20, 21, 22, 23, 24];                             // RXQ0 RXQ1 TXQ0 TXQ1 OTHER

/** MEM|BUSMASTER in COMMAND, causes routed to vectors 0..4, pending causes cleared, all unmasked. */
function armE1000e(fd: number, cfgR: RegionInfo, bar0: RegionInfo): ((r: number, v: number) => boolean) | null {
  const cmd = preadN(fd, cfgR.offset + 4n, 2)!;
  const c2 = Buffer.alloc(2);
  c2.writeUInt16LE(cmd.readUInt16LE(0) | 0x6);
  const reg = (r: number, v: number) => pwrite32(fd, bar0.offset + BigInt(r), v);
  const ok = libcMod!.libc().pwrite(fd, c2, 2, cfgR.offset + 4n) === 2
    && reg(E1000_IVAR, 0x000cba98) && reg(E1000_ICR, 0xffffffff) && reg(E1000_IMS, 0x01f00000);
  return ok ? reg : null;
}

/**
 * VT-d interrupt remapping moves an IRQ by rewriting its IRTE only: the device's message stays the
 * same, and (with INTEL_IOMMU_DEBUGFS) the IRTE's destination becomes the new CPU's APIC ID.
 */
function irteAfterMove(fd: number, barT: RegionInfo | null, cap: MsixCap, before: MsixEntry, cpu: number): void {
  const again = readMsixTable(fd, barT, cap);
  if (again) {
    const e = again.entries[0]!;
    check('vector 0 message unchanged by the move (IRTE-only under VT-d IR)', e.addrLo === before.addrLo && e.addrHi === before.addrHi && e.data === before.data,
      `${hex(before.addrLo)}/${hex(before.data)} → ${hex(e.addrLo)}/${hex(e.data)}`);
  }
  let text: string;
  try { text = fs.readFileSync('/sys/kernel/debug/iommu/intel/ir_translation_struct', 'latin1'); } catch { return; }
  const handle = ((before.addrLo >>> 5) & 0x7fff) | ((before.addrLo & 0x4) << 13);
  const row = text.split('\n').map((l) => l.trim().split(/\s+/)).find((t) => t[0] === String(handle) && t.length >= 4);
  const apic = (() => {
    for (const block of fs.readFileSync('/proc/cpuinfo', 'latin1').split('\n\n')) {
      if (new RegExp(`^processor\\s*:\\s*${cpu}$`, 'm').test(block)) return Number(/^apicid\s*:\s*(\d+)$/m.exec(block)?.[1]);
    }
    return NaN;
  })();
  const dst = row ? parseInt(row[2]!, 16) : NaN;
  // xAPIC mode keeps the 8-bit APIC ID in DstID bits 15:8, x2APIC mode uses all 32 bits.
  check(`IRTE ${handle} (debugfs) targets CPU ${cpu}'s APIC ID ${apic}`, row !== undefined && (dst === apic || dst === apic << 8),
    row ? `DstID ${row[2]} vector ${row[3]}` : `no IRTE ${handle} in ir_translation_struct`);
}

/** e1000e: route causes RXQ0..OTHER to vectors 0..4 (IVAR), unmask them (IMS), raise each (ICS). */
async function fireInterrupts(st: DeviceState, fd: number, cfgR: RegionInfo, bar0: RegionInfo, efds: EventfdHandle[],
  irqs: IrqLine[], moved: { irq: number; cpu: number } | null): Promise<void> {
  const { ops } = st;
  const before = new Map(procInterrupts().map((l) => [l.irq, l.counts]));
  for (const e of efds) ops.readEventfd(e);                          // drain
  const reg = armE1000e(fd, cfgR, bar0);
  check('config pwrite COMMAND |= MEM|BUSMASTER; BAR0 pwrite IVAR/ICR/IMS', reg !== null);
  if (!reg) return;
  check('BAR0 pwrite ICS once per cause', CAUSE_BITS.every((b) => reg(E1000_ICS, 1 << b)));
  await sleep(300);
  const counts: bigint[] = efds.map((e) => { const r = ops.readEventfd(e); return r.ok ? r.value : -1n; });
  record[`${st.mode}EventfdCounts`] = counts.map(String);
  check('every vector signalled its eventfd', counts.length > 0 && counts.every((c) => c >= 1n), counts.join(' '));
  const after = new Map(procInterrupts().map((l) => [l.irq, l.counts]));
  const delta = irqs.map((l) => {
    const a = after.get(l.irq) ?? [], b = before.get(l.irq) ?? [];
    return a.map((v, i) => v - (b[i] ?? 0));
  });
  record[`${st.mode}ProcDelta`] = delta.map((d) => d.join('/'));
  check('/proc/interrupts counts rose for every vector', delta.every((d) => d.reduce((s, v) => s + v, 0) >= 1), delta.map((d) => d.join('/')).join(' '));
  if (moved) {
    const i = irqs.findIndex((l) => l.irq === moved.irq);
    const d = delta[i] ?? [];
    check(`irq ${moved.irq} counted on its new CPU ${moved.cpu}`, (d[moved.cpu] ?? 0) >= 1 && d.every((v, c) => c === moved.cpu || v === 0), `per-CPU delta ${d.join('/')}`);
  }
  reg(E1000_IMC, 0xffffffff);                                       // mask everything again
}

// ---- the product CLI ------------------------------------------------------------------------------

function runCli(args: string[], lab = 'linux', stateDir = '/tmp/doorbell-state'): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'doorbell.mjs'), '--lab', lab, ...args],
    { cwd: REPO, encoding: 'utf8', timeout: 60000, env: { ...process.env, DOORBELL_STATE_DIR: stateDir } });
  const name = [lab === 'linux' ? '' : 'snap', ...args.filter((a) => !a.startsWith('-'))].filter(Boolean).join('-').replace(/[^\w.-]/g, '_');
  try {
    fs.writeFileSync(path.join(RESULTS, `cli-${name}${args.includes('--json') ? '.json' : '.txt'}`), r.stdout ?? '');
  } catch { /* no results share: the serial log still has the checks */ }
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/** Like runCli, but lets this process keep running (to raise interrupts) while the CLI works. */
function runCliAsync(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const ch = spawn(process.execPath, [path.join(REPO, 'bin', 'doorbell.mjs'), '--lab', 'linux', ...args],
      { cwd: REPO, env: { ...process.env, DOORBELL_STATE_DIR: '/tmp/doorbell-state' } });
    let out = '', err = '';
    ch.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    ch.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const kill = setTimeout(() => ch.kill('SIGKILL'), 60000);
    ch.on('close', (code) => {
      clearTimeout(kill);
      const name = args.filter((a) => !a.startsWith('-')).join('-').replace(/[^\w.-]/g, '_');
      try { fs.writeFileSync(path.join(RESULTS, `cli-${name}.json`), out); } catch { /* serial log has the checks */ }
      resolve({ code, out, err });
    });
  });
}

const toBig = (v: unknown): bigint | null => {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v.trim())) return BigInt(v.trim());
  return null;
};
const listOf = (v: unknown): number[] | null =>
  Array.isArray(v) ? v.map(Number) : typeof v === 'string' ? cpulist(v) : null;

function cliDevices(): void {
  phase = 'cli';
  const t = runCli(['devices']);
  check('doorbell --lab linux devices exits 0', t.code === 0, t.code === 0 ? '' : `${t.code}: ${t.err.trim().split('\n').pop()}`);
  if (t.code === 0) check('devices lists the e1000e BDF', t.out.includes(BDF), t.out.split('\n').length + ' lines');
  const j = runCli(['devices', '--json']);
  if (j.code !== 0) { check('doorbell devices --json exits 0', false, `${j.code}: ${j.err.trim().split('\n').pop()}`); return; }
  let rows: Record<string, unknown>[];
  try {
    const p = JSON.parse(j.out) as unknown;
    rows = (Array.isArray(p) ? p : ((p as { devices?: unknown }).devices ?? [])) as Record<string, unknown>[];
  } catch (e) { check('devices --json is JSON', false, String(e)); return; }
  const me = rows.find((r) => r.bdf === BDF);
  if (!check('devices --json has the e1000e', me !== undefined, `${rows.length} devices`)) return;
  const group = path.basename(fs.readlinkSync(`/sys/bus/pci/devices/${BDF}/iommu_group`));
  check('devices --json: driver vfio-pci and iommuGroup match sysfs', me!.driver === 'vfio-pci' && String(me!.iommuGroup) === group,
    `driver=${String(me!.driver)} iommuGroup=${String(me!.iommuGroup)} (sysfs ${group})`);
  const pciCount = fs.readdirSync('/sys/bus/pci/devices').length;
  check('devices --json lists every PCI device in sysfs', rows.length === pciCount, `${rows.length} vs ${pciCount}`);
}

function cliVectors(mode: string, irqs: IrqLine[], table: MsixEntry[], moved: { irq: number; cpu: number } | null): void {
  const saved = phase;
  phase = `cli/${mode}`;
  try {
    checkVectors('linux', irqs, table, moved);
    if (mode !== 'iommufd') return;
    // A snapshot taken while the vectors are live must say the same thing when read back.
    const file = path.join(fs.existsSync(RESULTS) ? RESULTS : '/tmp', `snapshot-${mode}.dbsnap`);
    const sn = runCli(['snapshot', '-o', file, '--interval', '200']);
    if (!check('doorbell snapshot -o FILE exits 0', sn.code === 0, sn.code === 0 ? file : `${sn.code}: ${sn.err.trim().split('\n').pop()}`)) return;
    phase = `cli/snapshot`;
    checkVectors(`snapshot:${file}`, irqs, table, moved);
  } finally {
    phase = saved;
  }
}

function checkVectors(lab: string, irqs: IrqLine[], table: MsixEntry[], moved: { irq: number; cpu: number } | null): void {
  const j = runCli(['vectors', BDF, '--json'], lab);
  const held = lab === 'linux' ? ' (device held by this driver)' : ' (read back from the snapshot)';
  if (!check(`doorbell --lab ${lab.split(':')[0]} vectors ${BDF} --json exits 0${held}`, j.code === 0,
    j.code === 0 ? '' : `${j.code}: ${j.err.trim().split('\n').pop()}`)) return;
  let rows: Record<string, unknown>[];
  try {
    const p = JSON.parse(j.out) as unknown;
    rows = (Array.isArray(p) ? p : ((p as { vectors?: unknown }).vectors ?? [])) as Record<string, unknown>[];
  } catch (e) { check('vectors --json is JSON', false, String(e)); return; }
  check('vectors --json: one row per enabled vector', rows.length === irqs.length, `${rows.length} rows, ${irqs.length} in /proc`);
  const irqOk = irqs.every((l, i) => Number(rows.find((r) => Number(r.index) === i)?.irq) === l.irq);
  check('vectors --json: Linux IRQ per index matches /proc/interrupts', irqOk,
    rows.map((r) => `${String(r.index)}→${String(r.irq)}`).join(' '));
  const addrOk = table.every((e, i) => {
    const r = rows.find((x) => Number(x.index) === i);
    const a = toBig(r?.address), d = toBig(r?.data);
    return a === ((BigInt(e.addrHi) << 32n) | BigInt(e.addrLo)) && d === BigInt(e.data);
  });
  check('vectors --json: address/data match the table this driver read', addrOk,
    rows.map((r) => `${String(r.address)}/${String(r.data)} (${String(r.source)})`).join(' '));
  // VT-d remappable format: handle[14:0] in address bits 19:5, handle[15] in bit 2 (SHV in bit 3).
  const handles = table.map((e) => ((e.addrLo >>> 5) & 0x7fff) | ((e.addrLo & 0x4) << 13));
  const decOk = table.every((_e, i) => {
    const d = rows.find((x) => Number(x.index) === i)?.decoded as { kind?: string; handle?: number } | undefined;
    return d?.kind === 'intel-remap' && d.handle === handles[i];
  });
  check('vectors --json: decoded as intel-remap with the IRTE handle from the address', decOk,
    `handles ${handles.join(',')}; product ${rows.map((r) => JSON.stringify(r.decoded)).join(' ').slice(0, 300)}`);
  if (moved) {
    const r = rows.find((x) => Number(x.irq) === moved.irq);
    const a = listOf(r?.affinity), e = listOf(r?.effectiveAffinity);
    check(`vectors --json: irq ${moved.irq} affinity/effective = ${moved.cpu}`, a?.join() === String(moved.cpu) && e?.join() === String(moved.cpu),
      `affinity=${JSON.stringify(r?.affinity)} effective=${JSON.stringify(r?.effectiveAffinity)}`);
  }
}

/**
 * `doorbell affinity BDF 1 CPU` moves vector 1 while the device raises vector 1 every 100 ms, so the
 * product can verify the move from counts on the new CPU; then `--undo BDF 1` puts it back.
 */
async function cliAffinity(fd: number, cfgR: RegionInfo, bar0: RegionInfo, irqs: IrqLine[]): Promise<void> {
  const saved = phase;
  phase = 'cli/affinity';
  try {
    const irq = irqs[1]?.irq;
    if (!check('vector 1 has a Linux IRQ', irq !== undefined)) return;
    const eff = () => cpulist(fs.readFileSync(`/proc/irq/${irq}/effective_affinity_list`, 'latin1'));
    const req = () => cpulist(fs.readFileSync(`/proc/irq/${irq}/smp_affinity_list`, 'latin1'));
    const before = req();
    const cpu = eff()[0] === 1 ? 0 : 1;
    const reg = armE1000e(fd, cfgR, bar0);
    if (!check('e1000e armed for traffic on vector 1', reg !== null)) return;
    const tick = setInterval(() => { reg!(E1000_ICR, 1 << 21); reg!(E1000_ICS, 1 << 21); }, 100);
    let mv: { code: number | null; out: string; err: string };
    try {
      mv = await runCliAsync(['affinity', BDF, '1', String(cpu), '--json']);
    } finally {
      clearInterval(tick);
      reg!(E1000_IMC, 0xffffffff);
    }
    let verdict = '?';
    try { verdict = String((JSON.parse(mv.out) as { verdict?: { kind?: string } }).verdict?.kind); } catch { /* reported by the exit code check */ }
    check(`doorbell affinity ${BDF} 1 ${cpu} exits 0 with verdict verified (traffic during the watch)`, mv.code === 0 && verdict === 'verified',
      `exit ${mv.code}, verdict ${verdict}`);
    check(`irq ${irq} moved to CPU ${cpu} in /proc`, req().join() === String(cpu) && eff().join() === String(cpu), `smp_affinity_list ${req()} effective ${eff()}`);
    const un = runCli(['affinity', '--undo', BDF, '1']);
    check('doorbell affinity --undo BDF 1 exits 0', un.code === 0, un.code === 0 ? '' : `${un.code}: ${(un.err || un.out).trim().split('\n').pop()}`);
    check(`irq ${irq} requested affinity restored to ${before.join(',')}`, req().join() === before.join(), `now ${req()}`);
  } finally {
    phase = saved;
  }
}

// ---- affinity: the CPU-list parser and the managed-IRQ refusal, against the kernel ------------------

type CpulistMod = typeof CpulistModule;
type ErrnoMod = typeof ErrnoModule;
type VerdictMod = typeof VerdictModule;
type ProcfsMod = typeof ProcfsModule;
type SelectMod = typeof SelectModule;
type DiffMod = typeof DiffModule;
type Answer = DiffModule.CpuListAnswer;

const O_WRONLY = 1;
/** errno number → name from node's own table (not the product's common/errno.ts). */
const errnoNames = new Map(Object.entries(os.constants.errno).map(([k, v]) => [v, k]));
const kname = (n: number): string => errnoNames.get(n) ?? `errno ${n}`;
const kno = (name: string): number | undefined => (os.constants.errno as Record<string, number>)[name];
const mode4 = (m: number): string => m.toString(8).padStart(4, '0');

type WriteAnswer = { call: 'open' | 'write'; errno: number } | { call: 'short'; wrote: number } | null;
/**
 * open(O_WRONLY) and one write() of exactly `bytes`: write_irq_affinity parses the buffer of one
 * write whole and answers the count or an errno. null: the kernel took it all.
 */
function writeOnce(file: string, bytes: Buffer): WriteAnswer {
  const c = libcMod!.libc();
  const fd = c.open(file, O_WRONLY, 0);
  if (fd < 0) return { call: 'open', errno: c.errno() };
  try {
    const n = Number(c.write(fd, bytes, bytes.length));
    if (n < 0) return { call: 'write', errno: c.errno() };
    return n === bytes.length ? null : { call: 'short', wrote: n };
  } finally {
    c.close(fd);
  }
}
const showWrite = (w: WriteAnswer): string =>
  w === null ? 'accepted' : w.call === 'short' ? `short write (${w.wrote} bytes)` : `${w.call}: ${kname(w.errno)} (${w.errno})`;

/** The IRQD_* names listed under the top-level `dstate:` of /sys/kernel/debug/irq/irqs/N (kernel/irq/debugfs.c). */
function dstateFlags(irq: number): string[] | null {
  let t: string;
  try { t = fs.readFileSync(`/sys/kernel/debug/irq/irqs/${irq}`, 'latin1'); } catch { return null; }
  const lines = t.split('\n');
  const at = lines.findIndex((l) => l.startsWith('dstate:'));
  if (at < 0) return null;
  const out: string[] = [];
  for (let i = at + 1; i < lines.length && /^\s+IRQD_\w+$/.test(lines[i]!); i++) out.push(lines[i]!.trim());
  return out;
}

/**
 * Differential test of parseCpuList: each case of test/contract/cpulist-differential.ts goes to the
 * kernel in one write to a live vfio-msix vector's smp_affinity_list; the kernel's answer (the mask
 * read back, or the errno) must be Doorbell's (the same CPUs, or the same errno). The IRQ's mask is
 * written back afterwards.
 */
async function cpulistDifferential(irq: number | undefined): Promise<void> {
  const saved = phase;
  phase = 'cpulist';
  try {
    if (!check('vector 2 has a Linux IRQ', irq !== undefined)) return;
    const cl = await load<CpulistMod>('common/cpulist.js', 'parseCpuList');
    const en = await load<ErrnoMod>('common/errno.js', 'ERRNO');
    const tb = await load<DiffMod>('test/contract/cpulist-differential.js', 'the CPU-list cases');
    const sel = await load<SelectMod>('lab/select.js', 'openLab');
    const pf = await load<ProcfsMod>('lab/affinity/procfs.js', 'readIrqMoveFacts');
    const vd = await load<VerdictMod>('common/verdict.js', 'refusalBeforeWrite');
    if (!cl || !en || !tb || !sel || !libcMod) return;
    // What AffinityEditor.parseCpus hands parseCpuList: the lab's last possible CPU and kernel release.
    const lab = await sel.openLab(sel.parseLabSpec('linux'));
    let maxCpu: number, release: string;
    try {
      const [cpus, info] = await Promise.all([lab.cpus(), lab.info()]);
      maxCpu = Math.max(...cpus.possible);
      release = info.kernel.release;
    } finally {
      await lab.close();
    }
    // The bitmap is nr_cpumask_bits = nr_cpu_ids wide: N is the last possible CPU.
    const possible = cpulist(fs.readFileSync('/sys/devices/system/cpu/possible', 'latin1'));
    check('the lab gives parseCpuList the last possible CPU and this kernel\'s release', maxCpu === Math.max(...possible) && release === os.release(),
      `maxCpu ${maxCpu} (sysfs possible ${possible.join(',')}), release ${release} (uname ${os.release()})`);
    const file = `/proc/irq/${irq}/smp_affinity_list`;
    const before = fs.readFileSync(file, 'latin1').trim();
    if (pf && vd) {
      // The other side of the managed-IRQ refusal: a vfio-msix vector is movable, and nothing stops the write.
      const f = pf.readIrqMoveFacts('/', irq!);
      const mode = fs.statSync(file).mode & 0o777;
      const pre = vd.refusalBeforeWrite(irq!, f, release);
      check(`vfio-msix irq ${irq}: not managed, ${file} mode ${mode4(mode)}, no refusal before writing`,
        f.managed === false && f.readOnly === false && mode === 0o644 && pre === null,
        `managed=${f.managed} readOnly=${f.readOnly} refusal=${pre?.errno ?? 'none'}; ${f.evidence.join('; ')}`);
    }
    const eno = (name: string): number | undefined => (name in en.ERRNO ? en.ERRNO[name as keyof typeof en.ERRNO] : undefined);
    const rows: Json[] = [];
    let agreed = 0;
    console.log(`=== CPU-list differential on irq ${irq} (${file}, was ${before}); parseCpuList maxCpu ${maxCpu}, kernelRelease ${release}`);
    try {
      for (const c of tb.CPULIST_CASES) {
        const w = writeOnce(file, Buffer.from(c.text, 'utf8'));
        const k: Answer = w === null ? { ok: true, cpus: cpulist(fs.readFileSync(file, 'latin1')) }
          : { ok: false, errno: w.call === 'write' ? kname(w.errno) : showWrite(w) };
        const p = cl.parseCpuList(c.text, { maxCpu, kernelRelease: release });
        const d: Answer = p.ok ? { ok: true, cpus: p.cpus } : { ok: false, errno: p.errno };
        const same = tb.sameAnswer(k, d);
        if (same) agreed++;
        rows.push({ text: c.text, why: c.why, kernel: tb.showAnswer(k, kno), kernelCell: tb.cell(k), doorbell: tb.showAnswer(d, eno), message: p.ok ? null : p.message, agree: same });
        check(`${tb.showText(c.text)} (${c.why})`, same,
          `kernel ${tb.showAnswer(k, kno)}, Doorbell ${tb.showAnswer(d, eno)}${!same && !p.ok ? `: ${p.message}` : ''}`);
      }
    } finally {
      const w = writeOnce(file, Buffer.from(before));
      const now = fs.readFileSync(file, 'latin1').trim();
      check(`irq ${irq} smp_affinity_list restored to ${before}`, w === null && now === before, `${showWrite(w)}, now ${now}`);
    }
    console.log(`=== CPU-list differential: ${agreed}/${tb.CPULIST_CASES.length} agree`);
    if (maxCpu === 1) {
      // The table's `kernel` cells are this guest's answers (2 CPUs): the unit tier holds parseCpuList to them.
      const off = tb.CPULIST_CASES.flatMap((c, i) => {
        const got = (rows[i] as { kernelCell?: string } | undefined)?.kernelCell;
        return got === c.kernel ? [] : [`${tb.showText(c.text)}: recorded ${c.kernel}, now ${got ?? '?'}`];
      });
      check('the kernel answered as recorded in test/contract/cpulist-differential.ts', off.length === 0, off.join('; '));
    }
    record.cpulistDifferential = { irq: irq!, maxCpu, kernelRelease: release, agreed, total: tb.CPULIST_CASES.length, rows };
  } finally {
    phase = saved;
  }
}

/**
 * A managed IRQ (a virtio-blk queue vector: its driver allocates with PCI_IRQ_AFFINITY): the kernel
 * makes smp_affinity_list 0444 and answers EPERM; `doorbell affinity` must refuse before writing,
 * with EPERM, journal nothing, and show the mode it read.
 */
async function managedRefusal(): Promise<void> {
  phase = 'managed';
  const dbg = '/sys/kernel/debug/irq/irqs';
  if (!check('irq debugfs is mounted (guest-init.sh)', fs.existsSync(dbg), dbg)) return;
  // This driver's own reading: IRQs whose dstate lists IRQD_AFFINITY_MANAGED, and their PCI function.
  const managed = fs.readdirSync(dbg).map(Number).filter((n) => Number.isInteger(n) && (dstateFlags(n) ?? []).includes('IRQD_AFFINITY_MANAGED'))
    .sort((a, b) => a - b);
  const owner = new Map<number, string>();
  for (const d of fs.readdirSync('/sys/bus/pci/devices')) {
    let list: string[];
    try { list = fs.readdirSync(`/sys/bus/pci/devices/${d}/msi_irqs`); } catch { continue; }
    for (const i of list) owner.set(Number(i), d);
  }
  record.managedIrqs = managed.map((n) => ({ irq: n, bdf: owner.get(n) ?? null }));
  const irq = managed.find((n) => owner.has(n));
  if (!check('a PCI function has a managed IRQ (the virtio-blk queue vectors, run.sh)', irq !== undefined,
    `managed: ${managed.map((n) => `${n}${owner.has(n) ? ` (${owner.get(n)})` : ''}`).join(', ') || 'none'}`)) return;
  const bdf = owner.get(irq!)!;
  const file = `/proc/irq/${irq}/smp_affinity_list`;
  const mode = fs.statSync(file).mode & 0o777;
  check(`${bdf} irq ${irq}: ${file} is mode 0444 (register_irq_proc: no S_IWUSR when irq_can_set_affinity_usr() is false)`, mode === 0o444, mode4(mode));
  const before = fs.readFileSync(file, 'latin1').trim();
  const possible = cpulist(fs.readFileSync('/sys/devices/system/cpu/possible', 'latin1'));
  const cpu = possible.find((c) => !cpulist(before).includes(c)) ?? possible[0]!;
  // The kernel's own answer (the guest is the place to try it).
  const w = writeOnce(file, Buffer.from(`${cpu}\n`));
  record.managed = { irq: irq!, bdf, mode: mode4(mode), before, cpu, kernel: showWrite(w) };
  check(`the kernel answers a write of "${cpu}" with EPERM (1)`, w !== null && w.call === 'write' && w.errno === os.constants.errno.EPERM, showWrite(w));

  const pf = await load<ProcfsMod>('lab/affinity/procfs.js', 'readIrqMoveFacts');
  const vd = await load<VerdictMod>('common/verdict.js', 'refusalBeforeWrite');
  if (pf && vd) {
    const f = pf.readIrqMoveFacts('/', irq!);
    check('readIrqMoveFacts: managed and read-only', f.managed === true && f.readOnly === true, f.evidence.join('; '));
    const pre = vd.refusalBeforeWrite(irq!, f, os.release());
    check(`refusalBeforeWrite on ${os.release()}: EPERM`, pre?.errno === 'EPERM', pre ? `${pre.errno}: ${pre.headline}` : 'no refusal');
  }

  // The CLI (AffinityEditor.setAffinity) with a state dir of its own: nothing may be journaled.
  const v = runCli(['vectors', bdf, '--json']);
  let index: number | undefined;
  try {
    const p = JSON.parse(v.out) as unknown;
    const rows = (Array.isArray(p) ? p : ((p as { vectors?: unknown }).vectors ?? [])) as Record<string, unknown>[];
    const r = rows.find((x) => Number(x.irq) === irq);
    index = r === undefined ? undefined : Number(r.index);
  } catch { /* reported below */ }
  if (!check(`doorbell vectors ${bdf} --json lists irq ${irq}`, index !== undefined,
    index !== undefined ? `vector ${index}` : `exit ${v.code}: ${(v.err || v.out).trim().split('\n').pop() ?? ''}`)) return;
  const state = '/tmp/doorbell-state-managed';
  fs.rmSync(state, { recursive: true, force: true });
  fs.mkdirSync(state, { recursive: true });
  const a = runCli(['affinity', bdf, String(index), String(cpu), '--json'], 'linux', state);
  let r: { changeId?: string | null; verdict?: { kind?: string; errno?: string | null; headline?: string; evidence?: string[] } } = {};
  try { r = JSON.parse(a.out) as typeof r; } catch { /* reported by the check */ }
  const vr = r.verdict ?? {};
  check(`doorbell affinity ${bdf} ${index} ${cpu}: exit 1, refused before writing with EPERM`,
    a.code === 1 && vr.kind === 'refused' && vr.errno === 'EPERM' && /^refused before writing/.test(vr.headline ?? '') && r.changeId === null,
    `exit ${a.code}, ${vr.kind} ${vr.errno}: ${vr.headline ?? (a.err.trim().split('\n').pop() ?? '')}, changeId ${String(r.changeId)}`);
  const ev = vr.evidence ?? [];
  check(`the evidence shows the mode this driver read (${mode4(mode)})`, ev.includes(`${file} is mode ${mode4(mode)} (no owner write)`), ev.join(' | '));
  check('the evidence names IRQD_AFFINITY_MANAGED from debugfs and says nothing was written',
    ev.some((e) => e.startsWith(`/sys/kernel/debug/irq/irqs/${irq}:`) && e.includes('IRQD_AFFINITY_MANAGED')) && ev.includes('nothing was written'), ev.join(' | '));
  const t = runCli(['affinity', bdf, String(index), String(cpu)], 'linux', state);
  const line = t.out.split('\n').find((l) => l.includes('verdict:')) ?? '';
  check('the text verdict names the errno and its number', t.code === 1 && line.includes('[EPERM 1]'), line.trim() || `exit ${t.code}`);
  const jf = path.join(state, 'affinity-journal.jsonl');
  const jt = fs.existsSync(jf) ? fs.readFileSync(jf, 'utf8') : null;
  check('nothing journaled', jt === null || jt.trim() === '', jt === null ? `no ${jf}` : `${jt.trim().split('\n').length} line(s) in ${jf}`);
  const now = fs.readFileSync(file, 'latin1').trim();
  check(`irq ${irq} affinity unchanged (${before})`, now === before, now);
}

// ---- contract suite ---------------------------------------------------------------------------------

type ContractMod = typeof ContractModule;
/** The simulator's KernelOps contract (test/contract/), run here against the real kernel through the vitest shim. */
async function contract(make: () => KernelOps): Promise<void> {
  phase = 'contract';
  const mod = await load<ContractMod>('test/contract/kernel-ops.contract.js', 'runContractSuite');
  const shim = await load<ShimMod>('test/kernel/guest/vitest-shim.js', 'vitest shim');
  if (!mod || !shim) return;
  mod.runContractSuite(make, { name: 'qemu x86 intel-iommu', bdf: BDF });
  const res = await shim.runRegistered();
  if (!check('contract suite registered tests', res.length > 0, `${res.length} tests`)) return;
  for (const r of res) check(r.name.replace(/^KernelOps contract /, ''), r.ok, r.detail);
}

// ---- legacy container/group mode (native/vfio, the product's own bindings) --------------------------

type ContainerMod = typeof ContainerModule;
type GroupMod = typeof GroupModule;
type MmanMod = typeof MmanModule;

async function legacyMode(ops: KernelOps): Promise<void> {
  phase = 'legacy';
  const ct = await load<ContainerMod>('native/vfio/container.js', 'legacy container');
  const gr = await load<GroupMod>('native/vfio/group.js', 'legacy group');
  const mm = mmanMod;
  if (!ct || !gr || !mm) return;
  const cfd = must('open /dev/vfio/vfio', ct.openContainer());
  if (cfd === null) return;
  let gfd: number | null = null;
  let dfd: number | null = null;
  let groupSet = false;
  try {
    must('VFIO_GET_API_VERSION', ct.apiVersion(cfd), (v) => `${v}`);
    const t1 = must('VFIO_CHECK_EXTENSION(TYPE1v2)', ct.checkExtension(cfd, 3), (v) => `${v}`);
    if (t1 !== null) check('container supports TYPE1v2', t1);
    const g = must('iommu group of the device', gr.iommuGroupOf(BDF), (v) => `group ${v}`);
    if (g === null) return;
    gfd = must(`open /dev/vfio/${g}`, gr.openGroup(g));
    if (gfd === null) return;
    const st = must('VFIO_GROUP_GET_STATUS', gr.groupStatus(gfd), (v) => `flags=${hex(v.flags)}`);
    if (st) check('group is viable', st.viable);
    groupSet = must('VFIO_GROUP_SET_CONTAINER', gr.groupSetContainer(gfd, cfd)) !== null;
    if (!groupSet) return;
    if (must('VFIO_SET_IOMMU(TYPE1v2)', ct.setIommu(cfd)) === null) return;
    const info = must('VFIO_IOMMU_GET_INFO', ct.iommuInfo(cfd),
      (v) => `pgsizes=${hex(v.iovaPgsizes)} ranges ${v.iovaRanges.map((r) => `${hex(r.start)}-${hex(r.end)}`).join(' ')}`);
    if (info) {
      const overlaps = info.iovaRanges.some((r) => r.start <= MSI_HI && r.end >= MSI_LO);
      check('IOVA_RANGE capability has the MSI window as a hole', info.iovaRanges.length > 1 && !overlaps,
        info.iovaRanges.map((r) => `${hex(r.start)}-${hex(r.end)}`).join(' '));
    }
    const mem = mm.mmapAnonymous(0x10000);
    if (check('mmap 64 KiB for DMA', mem.ok) && mem.ok) {
      const iova = 0x100000n;
      if (must('VFIO_IOMMU_MAP_DMA 64 KiB at 0x100000', ct.mapDma(cfd, { vaddr: mem.value.addr, iova, size: 0x10000n, read: true, write: true })) !== null) {
        const u = must('VFIO_IOMMU_UNMAP_DMA', ct.unmapDma(cfd, { iova, size: 0x10000n }), (v) => `unmapped=${hex(v.unmapped)}`);
        if (u) check('unmapped size equals mapped size', u.unmapped === 0x10000n, hex(u.unmapped));
      }
      const bad = ct.mapDma(cfd, { vaddr: mem.value.addr, iova: MSI_LO, size: 0x1000n, read: true, write: true });
      check('MAP_DMA inside the MSI window is refused', !bad.ok, bad.ok ? 'mapped!' : `${bad.errno} (${bad.errnoValue})`);
      if (bad.ok) ct.unmapDma(cfd, { iova: MSI_LO, size: 0x1000n });
      mem.value.unmap();
    }
    dfd = must('VFIO_GROUP_GET_DEVICE_FD', gr.groupGetDeviceFd(gfd, BDF), (v) => `fd ${v}`);
    if (dfd === null) return;
    await deviceSequence({ ops, dev: { kind: 'vfio-device', id: dfd, bdf: BDF }, mode: 'legacy' });
  } finally {
    if (dfd !== null) must('close device fd', ops.closeDevice({ kind: 'vfio-device', id: dfd, bdf: BDF }));
    if (gfd !== null) {
      if (groupSet) must('VFIO_GROUP_UNSET_CONTAINER', gr.groupUnsetContainer(gfd));
      must('close group', gr.closeGroup(gfd));
    }
    must('close container', ct.closeContainer(cfd));
  }
}

// ---- main -------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.log(`=== doorbell guest driver: BDF ${BDF}, repo ${REPO}, node ${process.version}`);
  if (!check('DOORBELL_BDF names a vfio-pci device',
    BDF !== '' && fs.existsSync(`/sys/bus/pci/drivers/vfio-pci/${BDF}`), BDF)) return;
  libcMod = await load<LibcMod>('native/sys/libc.js', 'koffi libc bindings');
  if (libcMod) check('koffi loads libc in the guest', libcMod.nativeAvailable());
  mmanMod = await load<MmanMod>('native/sys/mman.js', 'mmap');
  const opsMod = await load<LinuxOpsMod>('lab/linux/ops.js', 'createLinuxKernelOps');
  const make = opsMod?.createLinuxKernelOps as LinuxOpsMod['createLinuxKernelOps'] | undefined;
  if (opsMod && typeof make !== 'function') check('lab/linux/ops.js exports createLinuxKernelOps', false);
  if (typeof make === 'function') {
    const ops = make();
    console.log(`=== KernelOps: ${ops.name}`);
    await iommufdMode(ops);
    await legacyMode(ops);
    await contract(() => make());
  }
  cliDevices();
  await managedRefusal();
}

try {
  await main();
} catch (e) {
  check('driver ran to completion', false, e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 4).join(' | ') : String(e));
}
const passed = checks.filter((c) => c.ok === true).length;
const failed = checks.filter((c) => c.ok === false).length;
try {
  fs.writeFileSync(path.join(RESULTS, 'driver.json'), JSON.stringify({ bdf: BDF, passed, failed, checks, record }, null, 2));
} catch { /* results share missing: serial has it all */ }
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
