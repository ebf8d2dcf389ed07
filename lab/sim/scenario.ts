// SPDX-License-Identifier: MIT
// Scenario files: one readable JSON file per platform under assets/scenarios/, copied and edited
// by users. The loader validates every field and names the file, the field and what was expected,
// so a typo never surfaces as a crash deep inside the simulator.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERRNO } from '../../common/errno.js';
import { LabFailure } from '../../common/errors.js';
import { parseCpuList } from '../../common/cpulist.js';
import { fileKind, ioError, readRegularFile } from '../snapshot/file.js';

export type IrqChipSpec =
  | { kind: 'gic-its'; itsBase: bigint; node: number; gicv4: boolean }
  | { kind: 'x86-vector'; remap: 'intel' | 'amd' | 'none' }
  | { kind: 'riscv-imsic'; imsicBase: bigint; hartStride: bigint };

export interface IommuSpec {
  kind: 'arm-smmuv3' | 'intel-vtd' | 'amd-vi' | 'riscv-iommu';
  name: string;
  /** Input address bits of the paging domain: the aperture is [0, 2^bits - 1]. */
  apertureBits: number;
  /** IOMMU_RESV_SW_MSI window (ARM SMMU), or null. */
  swMsi: { start: bigint; last: bigint } | null;
  /** Other reserved regions every device of a group reports (type as reserved_regions prints it). */
  reserved: { start: bigint; last: bigint; type: string }[];
  /** IRQ_DOMAIN_FLAG_ISOLATED_MSI: ITS and x86 IR say yes; x86 without IR and RISC-V upstream say no. */
  isolatedMsi: boolean;
}

export interface HostDriverSpec { name: string; vectors: number; managed: boolean; rate: number }

export interface VmmSpec {
  pid: number;
  comm: string;
  vectors: number;
  /** Guest-owned stage 1 (nested): the device's MSI address is a guest IOVA. */
  nested: boolean;
  /** Vectors (by index) the VMM posts straight to a vCPU (x86 posted interrupts, GICv4 vLPIs). */
  posted: number[];
  rate: number;
  mappings: { iova: bigint; length: bigint; label: string }[];
}

export interface DeviceSpec {
  bdf: string;
  vendor: number;
  device: number;
  name: string;
  classCode: number;
  className: string;
  group: number;
  numaNode: number;
  msix: number;          // MSI-X table size, 0 = no capability
  msi: number;           // MSI vectors capable (1..32), 0 = no capability
  state: 'vmm' | 'free' | 'host';
  host: HostDriverSpec | null;
  vmm: VmmSpec | null;
}

export interface GuestSpec {
  /** Guest stage 1 (gIOVA → IPA), known only to the simulator and the VMM. */
  s1: { iova: bigint; ipa: bigint; length: bigint; label: string }[];
  /** The vITS translater page in the guest's IPA space, which stage 2 maps to the physical page. */
  vitsTranslaterIpa: bigint | null;
  /** The guest identity-maps the SW_MSI window in its stage 1 (RMR): the upstream profile needs it. */
  rmr: boolean;
}

export interface Scenario {
  file: string;
  name: string;
  title: string;
  arch: 'arm64' | 'x86_64' | 'riscv64';
  kernelRelease: string;
  allowUnsafeInterrupts: boolean;
  cpus: { possible: number; online: number[]; isolated: number[]; nodes: { id: number; cpus: number[] }[] };
  iommu: IommuSpec;
  irqchip: IrqChipSpec;
  devices: DeviceSpec[];
  guest: GuestSpec | null;
  traffic: { seed: number };
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** assets/scenarios, found from this file both in the source tree and in out/node/. */
export function scenariosDir(): string {
  for (let d = HERE, i = 0; i < 6; i++, d = path.dirname(d)) {
    const p = path.join(d, 'assets', 'scenarios');
    if (fs.existsSync(p)) return p;
  }
  return path.resolve(HERE, '..', '..', 'assets', 'scenarios');
}

export function scenarioNames(): string[] {
  try {
    return fs.readdirSync(scenariosDir()).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  } catch {
    return [];
  }
}

const OP = 'open lab sim';

/** Far more than any scenario a person writes (a 2048-vector device is 4 kB); a larger file is not one. */
export const MAX_SCENARIO_BYTES = 16 * 1024 * 1024;

/** The fields every scenario has at its top level: a JSON file with none of them is some other file. */
const TOP_FIELDS = ['name', 'arch', 'kernel', 'cpus', 'iommu', 'irqchip', 'devices'];

function builtIns(): string {
  const names = scenarioNames();
  return names.length ? `the built-in scenarios are sim:NAME with NAME one of ${names.join(', ')}` : `no built-in scenario was found (${scenariosDir()} is missing)`;
}

function edits(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The built-in scenario a mistyped name most likely meant (`x86_vtd_ir`, `x86-vtd`, `ARM64-its-smmuv3`), or null. */
export function closestScenario(typed: string): string | null {
  const t = typed.toLowerCase().replace(/_/g, '-');
  const scored = scenarioNames().map((name) => ({
    name,
    // A start of a name (`x86-vtd`, `arm64`) counts as one typo; `x` or `x86` names no one scenario.
    d: t.length >= 4 && (name.startsWith(t) || t.startsWith(name)) ? Math.min(1, edits(t, name)) : edits(t, name),
  })).sort((a, b) => a.d - b.d);
  const [best, next] = scored;
  if (!best || best.d > Math.max(2, Math.floor(best.name.length / 4)) || (next && next.d === best.d)) return null;
  return best.name;
}

/** A failed fs call as a LabFailure: the errno name and number as the kernel gave them (ioError). */
function ioFailure(file: string, what: string, e: unknown, hint: string): LabFailure {
  const said = `cannot ${what} scenario file ${file}`;
  // Not a system error (no code and errno): Node's own words, after the same prefix.
  if (typeof (e as { code?: unknown }).code !== 'string' || typeof (e as { errno?: unknown }).errno !== 'number') {
    return new LabFailure({ op: OP, path: file, message: `${said}: ${(e as Error).message}`, hint });
  }
  return new LabFailure(ioError(OP, e, hint, file, { what: said, reading: true }));
}

/** What to do when the scenario path names nothing (or a path through a non-directory). */
function missingHint(file: string, given: string): string {
  const base = path.basename(given).replace(/\.json$/, '');
  if (scenarioNames().includes(base)) {
    return `sim:${base} (no directory, no .json) opens the built-in scenario ${base}; a path is read as given, relative to the current directory ${process.cwd()}.`;
  }
  const near = closestScenario(base);
  return `Check the path (relative paths are read from ${process.cwd()})${near ? `, or use the built-in sim:${near}` : ''}; ${builtIns()}.`;
}

/**
 * Read a scenario file as text. Only a regular file is read, and at most MAX_SCENARIO_BYTES of it:
 * opening a FIFO blocks until a writer comes, and a device may never end.
 */
function readScenarioText(file: string, given: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file); // before open: opening a FIFO or a device can block or act
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw ioFailure(file, 'open', e, code === 'ENOENT' || code === 'ENOTDIR' ? missingHint(file, given)
      : code === 'EACCES' ? `You may not search a directory on that path: check its permissions (ls -ld ${path.dirname(file)}).` : 'Check the path.');
  }
  if (st.isDirectory()) {
    let jsons: string[] = [];
    try { jsons = fs.readdirSync(file).filter((f) => f.endsWith('.json')).sort(); } catch { /* the hint then names none */ }
    throw new LabFailure({
      op: OP, path: file, errno: ERRNO.EISDIR, errnoName: 'EISDIR',
      message: `${file} is a directory, not a scenario file: EISDIR (${ERRNO.EISDIR}, Is a directory)`,
      hint: `Name a scenario JSON file${jsons.length ? ` (this directory holds ${jsons.slice(0, 5).join(', ')}${jsons.length > 5 ? ', …' : ''}: e.g. sim:${path.join(file, jsons[0]!)})` : ''}; ${builtIns()}.`,
    });
  }
  const notFile = (k: string) => new LabFailure({
    op: OP, path: file,
    message: `${file} is ${k}, not a scenario file: Doorbell reads scenarios only from regular files (nothing was read)`,
    hint: `Save the scenario to a file and give its path; ${builtIns()}.`,
  });
  const tooBig = (size: string) => new LabFailure({
    op: OP, path: file,
    message: `${file} is ${size}, more than the ${MAX_SCENARIO_BYTES} bytes Doorbell reads from a scenario file`,
    hint: `A scenario is a small JSON file (assets/scenarios/*.json are 2–4 kB): check the path; ${builtIns()}.`,
  });
  let bytes: Buffer;
  try {
    const r = readRegularFile(file, st, MAX_SCENARIO_BYTES);
    if (!r.ok) throw 'notFile' in r ? notFile(r.changed ? 'not a regular file now (it changed since it was looked up)' : fileKind(r.notFile)) : tooBig(r.tooBig);
    bytes = r.bytes;
  } catch (e) {
    if (e instanceof LabFailure) throw e;
    const code = (e as { code?: unknown }).code;
    throw ioFailure(file, 'read', e, code === 'EACCES' || code === 'EPERM' ? `You may not read it: check its permissions (ls -l ${file}).` : 'Check the file and the filesystem it is on.');
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new LabFailure({
      op: 'parse scenario', path: file,
      message: `${file} is gzip-compressed, not a scenario JSON file`,
      hint: `A Doorbell snapshot (*.dbsnap) opens with --lab snapshot:${file}; a scenario is plain JSON (copy one of assets/scenarios/*.json).`,
    });
  }
  return bytes.toString('utf8');
}

/** JSON.parse's complaint on one line, with the line and column instead of V8's character offset. */
function jsonProblem(text: string, e: Error): string {
  const msg = e.message.replace(/, ".*" is not valid JSON$/s, '').replace(/ \(line \d+ column \d+\)$/, '').replace(/\s+/g, ' ');
  const at = / in JSON at position (\d+)/.exec(msg);
  const lineCol = (pos: number) => {
    const before = text.slice(0, pos).split('\n');
    return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
  };
  if (at) return `${msg.slice(0, at.index)} at ${lineCol(Number(at[1]))}`;
  if (/end of JSON input/.test(msg)) return `${msg} (it ends at ${lineCol(text.length)} before the JSON is complete)`;
  return msg;
}

/** A scenario by name (assets/scenarios/NAME.json) or by path to a JSON file. */
export function loadScenario(nameOrPath: string): Scenario {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = isPath ? path.resolve(nameOrPath) : path.join(scenariosDir(), `${nameOrPath}.json`);
  if (!isPath && !fs.existsSync(file)) {
    const near = closestScenario(nameOrPath);
    const local = [nameOrPath, `${nameOrPath}.json`].find((f) => fs.existsSync(f));
    throw new LabFailure({
      op: OP,
      message: `unknown scenario "${nameOrPath}"${near ? ` (did you mean ${near}?)` : ''}; the scenarios are: ${scenarioNames().join(', ')}`,
      hint: local
        ? `A name without a "/" is a built-in scenario; to open the file ${local} here, write sim:./${local}.`
        : 'Use sim:NAME with one of those names, or sim:PATH to a scenario JSON file.',
      detail: { valid: scenarioNames().join(',') },
    });
  }
  const text = readScenarioText(file, nameOrPath).replace(/^\uFEFF/, '');
  if (text.trim() === '') {
    throw new LabFailure({ op: 'parse scenario', path: file, message: `${file} is empty`, hint: 'Write the scenario into it (a copy of assets/scenarios/*.json is a good start).' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LabFailure({ op: 'parse scenario', path: file, message: `${file} is not valid JSON: ${jsonProblem(text, e as Error)}`, hint: 'Fix the JSON syntax (a copy of assets/scenarios/*.json is a good start).' });
  }
  const top = typeof json === 'object' && json !== null && !Array.isArray(json) ? Object.keys(json) : null;
  if (!top || !TOP_FIELDS.some((f) => top.includes(f))) {
    const what = json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json === 'object' ? `an object with none of the fields ${TOP_FIELDS.join(', ')}` : `a ${typeof json}`;
    throw new LabFailure({
      op: 'parse scenario', path: file,
      message: `${file} is JSON but not a Doorbell scenario: its top level is ${what}`,
      hint: 'Give a scenario file: an object with name, arch, kernel, cpus, iommu, irqchip and devices (copy one of assets/scenarios/*.json; docs/sim-profiles.md describes the format).',
    });
  }
  return parseScenario(json, file);
}

/** Field-by-field reader that names the file, the field path and what was expected. */
class Reader {
  constructor(private readonly file: string) {}

  fail(field: string, expected: string, got: unknown): never {
    const shown = got === undefined ? 'nothing' : JSON.stringify(got);
    throw new LabFailure({
      op: 'parse scenario',
      path: this.file,
      message: `${this.file}: field "${field}" must be ${expected}, got ${shown && shown.length > 60 ? `${shown.slice(0, 60)}…` : shown}`,
      hint: 'Fix that field; docs/sim-profiles.md describes the scenario format.',
      detail: { field, expected },
    });
  }

  obj(v: unknown, field: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, 'an object', v);
    return v as Record<string, unknown>;
  }

  arr(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) this.fail(field, 'an array', v);
    return v;
  }

  str(v: unknown, field: string, re?: RegExp, what = 'a string'): string {
    if (typeof v !== 'string' || (re && !re.test(v))) this.fail(field, what, v);
    return v;
  }

  int(v: unknown, field: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(field, `an integer from ${min} to ${max}`, v);
    return v;
  }

  bool(v: unknown, field: string): boolean {
    if (typeof v !== 'boolean') this.fail(field, 'true or false', v);
    return v;
  }

  addr(v: unknown, field: string): bigint {
    return BigInt(this.str(v, field, /^0x[0-9a-fA-F]{1,16}$/, 'a hex string like "0x8000000"'));
  }

  hexInt(v: unknown, field: string, max: number): number {
    const n = Number(this.addr(v, field));
    if (n > max) this.fail(field, `a hex value up to 0x${max.toString(16)}`, v);
    return n;
  }

  cpus(v: unknown, field: string, possible: number): number[] {
    const s = this.str(v, field);
    if (s.trim() === '') return [];
    const p = parseCpuList(s, { maxCpu: possible - 1 });
    if (!p.ok) this.fail(field, `a CPU list within 0-${possible - 1} (${p.message})`, v);
    return p.cpus;
  }

  oneOf<T extends string>(v: unknown, field: string, values: readonly T[]): T {
    if (typeof v !== 'string' || !values.includes(v as T)) this.fail(field, `one of ${values.join(', ')}`, v);
    return v as T;
  }
}

const BDF_RE = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

export function parseScenario(json: unknown, file: string): Scenario {
  const r = new Reader(file);
  const o = r.obj(json, '(top level)');
  const name = r.str(o.name, 'name', /^[A-Za-z0-9._-]+$/, 'a name of letters, digits, ".", "_" or "-"');
  const arch = r.oneOf(o.arch, 'arch', ['arm64', 'x86_64', 'riscv64'] as const);

  const k = r.obj(o.kernel, 'kernel');
  const c = r.obj(o.cpus, 'cpus');
  const possible = r.int(c.possible, 'cpus.possible', 1, 4096);
  const online = r.cpus(c.online, 'cpus.online', possible);
  if (online.length === 0) r.fail('cpus.online', 'at least one online CPU', c.online);
  const nodes = r.arr(c.nodes, 'cpus.nodes').map((n, i) => {
    const no = r.obj(n, `cpus.nodes[${i}]`);
    return { id: r.int(no.id, `cpus.nodes[${i}].id`, 0, 1023), cpus: r.cpus(no.cpus, `cpus.nodes[${i}].cpus`, possible) };
  });

  const io = r.obj(o.iommu, 'iommu');
  const sw = io.swMsi === null || io.swMsi === undefined ? null : r.obj(io.swMsi, 'iommu.swMsi');
  const iommu: IommuSpec = {
    kind: r.oneOf(io.kind, 'iommu.kind', ['arm-smmuv3', 'intel-vtd', 'amd-vi', 'riscv-iommu'] as const),
    name: r.str(io.name, 'iommu.name'),
    apertureBits: r.int(io.apertureBits, 'iommu.apertureBits', 32, 64),
    swMsi: sw ? { start: r.addr(sw.start, 'iommu.swMsi.start'), last: r.addr(sw.last, 'iommu.swMsi.last') } : null,
    reserved: r.arr(io.reserved ?? [], 'iommu.reserved').map((x, i) => {
      const ro = r.obj(x, `iommu.reserved[${i}]`);
      return {
        start: r.addr(ro.start, `iommu.reserved[${i}].start`),
        last: r.addr(ro.last, `iommu.reserved[${i}].last`),
        type: r.oneOf(ro.type, `iommu.reserved[${i}].type`, ['direct', 'direct-relaxable', 'reserved', 'msi'] as const),
      };
    }),
    isolatedMsi: r.bool(io.isolatedMsi, 'iommu.isolatedMsi'),
  };

  const ic = r.obj(o.irqchip, 'irqchip');
  const icKind = r.oneOf(ic.kind, 'irqchip.kind', ['gic-its', 'x86-vector', 'riscv-imsic'] as const);
  let irqchip: IrqChipSpec;
  if (icKind === 'gic-its') {
    irqchip = { kind: 'gic-its', itsBase: r.addr(ic.itsBase, 'irqchip.itsBase'), node: r.int(ic.node ?? 0, 'irqchip.node', 0, 1023), gicv4: r.bool(ic.gicv4 ?? false, 'irqchip.gicv4') };
  } else if (icKind === 'x86-vector') {
    irqchip = { kind: 'x86-vector', remap: r.oneOf(ic.remap, 'irqchip.remap', ['intel', 'amd', 'none'] as const) };
  } else {
    irqchip = { kind: 'riscv-imsic', imsicBase: r.addr(ic.imsicBase, 'irqchip.imsicBase'), hartStride: r.addr(ic.hartStride ?? '0x1000', 'irqchip.hartStride') };
  }
  const archChip: Record<Scenario['arch'], IrqChipSpec['kind']> = { arm64: 'gic-its', x86_64: 'x86-vector', riscv64: 'riscv-imsic' };
  if (archChip[arch] !== irqchip.kind) r.fail('irqchip.kind', `"${archChip[arch]}" on ${arch}`, irqchip.kind);

  const seenBdf = new Set<string>();
  const devices = r.arr(o.devices, 'devices').map((d, i): DeviceSpec => {
    const f = `devices[${i}]`;
    const dv = r.obj(d, f);
    const bdf = r.str(dv.bdf, `${f}.bdf`, BDF_RE, 'a PCI address like "0000:01:00.0"');
    if (seenBdf.has(bdf)) r.fail(`${f}.bdf`, 'unique', bdf);
    seenBdf.add(bdf);
    const state = r.oneOf(dv.state, `${f}.state`, ['vmm', 'free', 'host'] as const);
    const msix = r.int(dv.msix ?? 0, `${f}.msix`, 0, 2048);
    const msi = r.int(dv.msi ?? 0, `${f}.msi`, 0, 32);
    let host: HostDriverSpec | null = null;
    let vmm: VmmSpec | null = null;
    const maxVec = Math.max(msix, msi);
    if (state === 'host') {
      const h = r.obj(dv.host, `${f}.host`);
      host = {
        name: r.str(h.name, `${f}.host.name`, /^[A-Za-z0-9_-]+$/, 'a driver name'),
        vectors: r.int(h.vectors, `${f}.host.vectors`, 0, maxVec),
        managed: r.bool(h.managed, `${f}.host.managed`),
        rate: r.int(h.rate ?? 0, `${f}.host.rate`, 0, 1_000_000),
      };
    }
    if (state === 'vmm') {
      const v = r.obj(dv.vmm, `${f}.vmm`);
      if (msix === 0) r.fail(`${f}.msix`, 'a table size above 0 for a device a VMM holds (the VMM enables MSI-X)', dv.msix);
      const vectors = r.int(v.vectors, `${f}.vmm.vectors`, 1, msix);
      vmm = {
        pid: r.int(v.pid, `${f}.vmm.pid`, 1, 4194304),
        comm: r.str(v.comm, `${f}.vmm.comm`),
        vectors,
        nested: r.bool(v.nested ?? false, `${f}.vmm.nested`),
        posted: r.arr(v.posted ?? [], `${f}.vmm.posted`).map((x, j) => r.int(x, `${f}.vmm.posted[${j}]`, 0, vectors - 1)),
        rate: r.int(v.rate ?? 0, `${f}.vmm.rate`, 0, 1_000_000),
        mappings: r.arr(v.mappings ?? [], `${f}.vmm.mappings`).map((m, j) => {
          const mo = r.obj(m, `${f}.vmm.mappings[${j}]`);
          return { iova: r.addr(mo.iova, `${f}.vmm.mappings[${j}].iova`), length: r.addr(mo.length, `${f}.vmm.mappings[${j}].length`), label: r.str(mo.label ?? 'guest RAM', `${f}.vmm.mappings[${j}].label`) };
        }),
      };
    }
    return {
      bdf,
      vendor: r.hexInt(dv.vendor, `${f}.vendor`, 0xffff),
      device: r.hexInt(dv.device, `${f}.device`, 0xffff),
      name: r.str(dv.name, `${f}.name`),
      classCode: r.hexInt(dv.classCode, `${f}.classCode`, 0xffffff),
      className: r.str(dv.className ?? '', `${f}.className`),
      group: r.int(dv.group, `${f}.group`, 0, 65535),
      numaNode: r.int(dv.numaNode ?? 0, `${f}.numaNode`, 0, 1023),
      msix,
      msi,
      state,
      host,
      vmm,
    };
  });

  let guest: GuestSpec | null = null;
  if (o.guest !== undefined && o.guest !== null) {
    const g = r.obj(o.guest, 'guest');
    guest = {
      s1: r.arr(g.s1 ?? [], 'guest.s1').map((m, j) => {
        const mo = r.obj(m, `guest.s1[${j}]`);
        return { iova: r.addr(mo.iova, `guest.s1[${j}].iova`), ipa: r.addr(mo.ipa, `guest.s1[${j}].ipa`), length: r.addr(mo.length, `guest.s1[${j}].length`), label: r.str(mo.label ?? '', `guest.s1[${j}].label`) };
      }),
      vitsTranslaterIpa: g.vitsTranslaterIpa === undefined || g.vitsTranslaterIpa === null ? null : r.addr(g.vitsTranslaterIpa, 'guest.vitsTranslaterIpa'),
      rmr: r.bool(g.rmr ?? false, 'guest.rmr'),
    };
  }
  const t = o.traffic === undefined ? {} : r.obj(o.traffic, 'traffic');

  return {
    file,
    name,
    title: r.str(o.title, 'title'),
    arch,
    kernelRelease: r.str(k.release, 'kernel.release'),
    allowUnsafeInterrupts: r.bool(k.allowUnsafeInterrupts ?? false, 'kernel.allowUnsafeInterrupts'),
    cpus: { possible, online, isolated: r.cpus(c.isolated ?? '', 'cpus.isolated', possible), nodes },
    iommu,
    irqchip,
    devices,
    guest,
    traffic: { seed: r.int(t.seed ?? 1, 'traffic.seed', 0, 0xffffffff) },
  };
}
