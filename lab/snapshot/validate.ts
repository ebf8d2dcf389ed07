// SPDX-License-Identifier: MIT
// The whole payload of a snapshot is checked against the shared model before any view sees it, in
// the style of common/ipc/schema.ts: a file from elsewhere is untrusted input, and a wrong type deep
// inside a vector row must be refused at open time with its JSON path, never surface later as a
// crash or a half-drawn view. Objects are closed (unknown fields are refused).
import type { LabError, Result } from '../../common/errors.js';
import type {
  AddressSpace, Binding, ControllerKind, CpuInfo, DecodedMessage, DeviceSummary, DeviceVectors, DoorbellKind, EventfdState,
  Feature, Holder, IommuGroup, IommuUnit, KernelOp, LabInfo, MsiCap, MsixCap, Provenance, Read, SourceKind, VectorRow,
} from '../../common/model/index.js';
import { arrayOf, bool, describeValue, int, obj, oneOf, optional, str, type Check } from '../../common/ipc/schema.js';
import {
  SNAPSHOT_FORMAT, type Finding, type JournalEntry, type RedactionKind, type SampleJson, type SnapshotHeader, type SnapshotPayload,
} from './format.js';

export type Refusal = { ok: false; path: string; expected: string; got: string };

const bad = (path: string, expected: string, x: unknown): Refusal => ({ ok: false, path, expected, got: describeValue(x) });

// ---- combinators the request schema does not need ---------------------------------------------

const text = str({ max: 1 << 16 });
const shortText = str({ max: 4096 });

function num(): Check<number> {
  return { kind: 'number', parse: (x, path) => (typeof x === 'number' && Number.isFinite(x) ? { ok: true, value: x } : bad(path, 'a finite number', x)) };
}

function nullable<T>(inner: Check<T>): Check<T | null> {
  return { kind: `${inner.kind} or null`, parse: (x, path) => (x === null ? { ok: true, value: null } : inner.parse(x, path)) };
}

/** `0x` and 1–16 hex digits: 64-bit values travel as strings (common/model/hex.ts). */
const hexStr = str({ max: 18, pattern: /^0x[0-9a-fA-F]{1,16}$/, what: 'a 64-bit hex string like 0xfee00000' });
const u32 = int({ min: 0, max: 0xffffffff });
const nat = int({ min: 0 });
const cpuList = arrayOf(int({ min: 0, max: 1 << 20 }), { max: 1 << 16 });

/** A plain object whose values all pass `value` (e.g. KernelOp.args). */
function recordOf<T>(value: Check<T>, max = 256): Check<Record<string, T>> {
  return {
    kind: 'record',
    parse(x, path) {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) return bad(path, 'an object', x);
      const keys = Object.keys(x);
      if (keys.length > max) return bad(path, `an object of at most ${max} fields`, x);
      const out: Record<string, T> = {};
      for (const k of keys) {
        const r = value.parse((x as Record<string, unknown>)[k], `${path}.${k}`);
        if (!r.ok) return r;
        out[k] = r.value;
      }
      return { ok: true, value: out };
    },
  };
}

/** A union discriminated by a string (or boolean) field: each variant is a closed object check. */
function variants<T>(key: string, map: Record<string, Check<unknown>>): Check<T> {
  const names = Object.keys(map);
  return {
    kind: `one of ${names.join(', ')}`,
    parse(x, path) {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) return bad(path, 'an object', x);
      const tag = (x as Record<string, unknown>)[key];
      const check = (typeof tag === 'string' || typeof tag === 'boolean') ? map[String(tag)] : undefined;
      if (!check) return bad(`${path}.${key}`, `one of ${names.join(', ')}`, tag);
      return check.parse(x, path) as { ok: true; value: T } | Refusal;
    },
  };
}

const anyScalar: Check<string | number | boolean> = {
  kind: 'scalar',
  parse: (x, path) => (typeof x === 'string' && x.length <= 1 << 16) || (typeof x === 'number' && Number.isFinite(x)) || typeof x === 'boolean'
    ? { ok: true, value: x as string | number | boolean }
    : bad(path, 'a string, number or boolean', x),
};

function lit<const T extends string | boolean>(v: T): Check<T> {
  return { kind: 'literal', parse: (x, path) => (x === v ? { ok: true, value: v } : bad(path, JSON.stringify(v), x)) };
}

// ---- the model ---------------------------------------------------------------------------------

export const SOURCE_KINDS = [
  'vfio-bar-mmap', 'vfio-region', 'resource-mmap', 'config', 'debugfs', 'procfs', 'sysfs', 'ioctl', 'sim', 'snapshot',
] as const satisfies readonly SourceKind[];
// Compile-time: every SourceKind is listed.
const _allSources: [Exclude<SourceKind, (typeof SOURCE_KINDS)[number]>] extends [never] ? true : false = true;
void _allSources;

const provenance: Check<Provenance> = obj({ source: oneOf(SOURCE_KINDS), path: optional(text), at: num(), origin: optional(oneOf(SOURCE_KINDS)) });

function readOf<T>(value: Check<T>): Check<Read<T>> {
  return variants<Read<T>>('ok', {
    true: obj({ ok: lit(true), value, from: provenance }),
    false: obj({ ok: lit(false), why: text, from: optional(provenance) }),
  });
}

export const labError: Check<LabError> = obj({
  op: text, errno: optional(int()), errnoName: optional(shortText), path: optional(text), message: text, hint: text,
  detail: optional(recordOf(anyScalar)),
});

function resultOf<T>(value: Check<T>): Check<Result<T>> {
  return variants<Result<T>>('ok', {
    true: obj({ ok: lit(true), value }),
    false: obj({ ok: lit(false), error: labError }),
  });
}

const feature: Check<Feature> = obj({ id: shortText, name: shortText, state: oneOf(['yes', 'no', 'unknown']), how: text });

const labInfo: Check<LabInfo> = obj({
  backend: oneOf(['linux', 'sim', 'snapshot']),
  spec: text, title: text, reason: text,
  writable: obj({ ok: bool(), why: text }),
  hostname: shortText, arch: shortText,
  kernel: obj({ release: shortText, version: text, cmdline: text }),
  features: arrayOf(feature, { max: 1024 }),
});

const cpuInfo: Check<CpuInfo> = obj({
  possible: cpuList, online: cpuList, isolated: cpuList,
  nodes: arrayOf(obj({ id: nat, cpus: cpuList }), { max: 4096 }),
  from: provenance,
});

const iommuUnit: Check<IommuUnit> = obj({
  name: shortText,
  kind: oneOf(['intel-vtd', 'amd-vi', 'arm-smmuv3', 'riscv-iommu', 'virtio-iommu', 'unknown']),
  devices: arrayOf(shortText),
});

const iovaRange = { start: hexStr, last: hexStr };

const iommuGroup: Check<IommuGroup> = obj({
  id: nat, defaultDomain: nullable(shortText),
  reserved: arrayOf(obj({ ...iovaRange, type: shortText })),
  devices: arrayOf(shortText),
  viable: obj({ ok: bool(), why: text }),
});

const binding = variants<Binding>('kind', {
  'vfio-cdev': obj({ kind: lit('vfio-cdev'), cdev: shortText, group: nullable(nat) }),
  'vfio-group': obj({ kind: lit('vfio-group'), group: nat }),
  host: obj({ kind: lit('host'), driver: shortText }),
  unbound: obj({ kind: lit('unbound') }),
});

const holder = variants<Holder>('kind', {
  doorbell: obj({ kind: lit('doorbell') }),
  process: obj({ kind: lit('process'), pid: nat, comm: shortText, how: text }),
  free: obj({ kind: lit('free') }),
  unknown: obj({ kind: lit('unknown'), why: text }),
});

const msiCap: Check<MsiCap> = obj({
  offset: nat, enabled: bool(), is64: bool(), perVectorMask: bool(),
  multiCapable: int({ min: 0, max: 5 }), multiEnabled: int({ min: 0, max: 5 }),
  address: hexStr, data: u32, maskBits: nullable(u32),
});

const msixCap: Check<MsixCap> = obj({
  offset: nat, enabled: bool(), maskAll: bool(), tableSize: int({ min: 0, max: 2048 }),
  tableBar: int({ min: 0, max: 5 }), tableOffset: u32, pbaBar: int({ min: 0, max: 5 }), pbaOffset: u32,
});

const deviceSummary: Check<DeviceSummary> = obj({
  bdf: shortText, vendor: u32, device: u32, vendorName: nullable(text), deviceName: nullable(text),
  classCode: u32, className: nullable(text), driver: nullable(shortText), driverOverride: nullable(shortText),
  iommuGroup: nullable(nat), binding, holder, numaNode: nullable(int({ min: -1 })),
  msi: readOf(nullable(msiCap)), msix: readOf(nullable(msixCap)), vectorCount: nat,
});

const CONTROLLERS = ['x86-vector', 'intel-ir', 'amd-ir', 'gic-its', 'gic-v2m', 'riscv-imsic', 'unknown'] as const satisfies readonly ControllerKind[];

const decoded = variants<DecodedMessage>('kind', {
  'x86-compat': obj({
    kind: lit('x86-compat'), destApicId: u32, vector: u32, destModeLogical: bool(), redirectHint: bool(), deliveryMode: u32, levelTriggered: bool(),
  }),
  'intel-remap': obj({ kind: lit('intel-remap'), handle: u32, shv: bool(), subhandle: nullable(u32), irteTargetApicId: nullable(u32) }),
  'amd-remap': obj({ kind: lit('amd-remap'), irteIndex: u32, irteTargetApicId: nullable(u32) }),
  its: obj({ kind: lit('its'), doorbell: hexStr, eventId: u32 }),
  v2m: obj({ kind: lit('v2m'), doorbell: hexStr, spi: u32 }),
  imsic: obj({ kind: lit('imsic'), page: hexStr, hart: nullable(u32), guestFile: u32, identity: u32 }),
  undecoded: obj({ kind: lit('undecoded'), why: text }),
});

const message = obj({ address: hexStr, data: u32 });

const vectorRow: Check<VectorRow> = obj({
  index: nat, kind: oneOf(['msi', 'msix']), irq: nullable(nat), chip: nullable(shortText), hwirq: nullable(nat),
  domainChain: readOf(arrayOf(shortText, { max: 64 })),
  controller: oneOf(CONTROLLERS), actions: arrayOf(shortText, { max: 256 }),
  message: readOf(message), cachedMessage: readOf(message), masked: readOf(bool()),
  decoded, eventfd: oneOf(['assigned', 'none', 'unknown'] as const satisfies readonly EventfdState[]),
  affinity: readOf(cpuList), effective: readOf(cpuList), pending: bool(),
  counts: readOf(arrayOf(nat, { max: 1 << 16 })),
});

const deviceVectors: Check<DeviceVectors> = obj({ bdf: shortText, vectors: arrayOf(vectorRow, { max: 4096 }), notes: arrayOf(text, { max: 4096 }) });

const DOORBELL_KINDS = ['its-translater', 'gic-v2m', 'imsic-hart', 'x86-msi-window'] as const satisfies readonly DoorbellKind[];

const addressSpace: Check<AddressSpace> = obj({
  id: shortText, kind: oneOf(['ioas', 'group']), label: text, devices: arrayOf(shortText),
  allowed: arrayOf(obj(iovaRange)),
  reserved: arrayOf(obj({ ...iovaRange, type: shortText })),
  mappings: arrayOf(obj({ ...iovaRange, label: text, userVa: nullable(hexStr), flags: arrayOf(shortText, { max: 64 }) })),
  doorbells: arrayOf(obj({
    ...iovaRange, kind: oneOf(DOORBELL_KINDS), label: text, pa: nullable(hexStr), hart: optional(nat),
    mappedBy: oneOf(['kernel-sw-msi', 'kernel-dma-api', 'user-area', 'untranslated', 'identity']), evidence: arrayOf(text, { max: 256 }),
  })),
  vectors: arrayOf(obj({
    bdf: shortText, index: nat, irq: nullable(nat), address: hexStr,
    hits: variants<{ ok: true; doorbell: number } | { ok: false; why: string }>('ok', {
      true: obj({ ok: lit(true), doorbell: nat }),
      false: obj({ ok: lit(false), why: text }),
    }),
  })),
  unavailable: nullable(text),
});

const kernelOp: Check<KernelOp> = obj({
  seq: nat, at: num(), kind: oneOf(['ioctl', 'write', 'open', 'mmap']), op: text, bdf: nullable(shortText),
  args: recordOf(anyScalar), ok: bool(), ret: nullable(int()), errno: nullable(int()), errnoName: nullable(shortText), durationUs: num(),
});

const rawArray: Check<unknown[]> = {
  kind: 'array',
  parse: (x, path) => (Array.isArray(x) && x.length <= 1 << 20 ? { ok: true, value: x as unknown[] } : bad(path, 'an array', x)),
};
const sampleHead = obj({ mono: num(), at: num(), cpus: cpuList, irqs: rawArray });

const sample: Check<SampleJson> = {
  kind: 'sample',
  parse(x, path) {
    const r = sampleHead.parse(x, path);
    if (!r.ok) return r;
    // Each IRQ is [irq, counts[]]; counts are indexed by CPU number, so offline CPUs may have columns.
    const irqs = r.value.irqs;
    const out: [number, number[]][] = [];
    for (let i = 0; i < irqs.length; i++) {
      const e = irqs[i] as unknown[];
      const p = `${path}.irqs[${i}]`;
      if (!Array.isArray(e) || e.length !== 2) return bad(p, '[irq, counts]', e);
      const irq = nat.parse(e[0], `${p}[0]`);
      if (!irq.ok) return irq;
      const counts = arrayOf(nat, { max: 1 << 16 }).parse(e[1], `${p}[1]`);
      if (!counts.ok) return counts;
      out.push([irq.value, counts.value]);
    }
    return { ok: true, value: { mono: r.value.mono, at: r.value.at, cpus: r.value.cpus, irqs: out } };
  },
};

const journalEntry: Check<JournalEntry> = obj({
  at: num(), irq: nat, bdf: nullable(shortText), index: nullable(nat), before: cpuList, requested: cpuList, effective: nullable(cpuList),
  verdict: oneOf(['verified', 'pending', 'refused', 'wrong', 'unconfirmed', 'reverted', 'unknown'] as const satisfies readonly JournalEntry['verdict'][]), detail: text, error: optional(labError),
});

const finding: Check<Finding> = obj({
  id: shortText, severity: oneOf(['error', 'warning', 'info']), title: text, detail: text, bdf: nullable(shortText), vector: nullable(nat),
  evidence: optional(recordOf(anyScalar)),
});

export const payloadCheck: Check<SnapshotPayload> = {
  kind: 'snapshot payload',
  parse(x, path) {
    const r = obj({
      info: labInfo, cpus: cpuInfo, iommus: arrayOf(iommuUnit, { max: 4096 }), groups: arrayOf(iommuGroup), devices: arrayOf(deviceSummary),
      vectors: arrayOf(obj({ bdf: shortText, result: resultOf(deviceVectors) })),
      addressSpaces: resultOf(arrayOf(addressSpace)),
      kernelLog: arrayOf(kernelOp, { max: 1 << 20 }),
      samples: arrayOf(sample, { max: 2 }),
      journal: optional(arrayOf(journalEntry, { max: 1 << 20 })),
      findings: optional(arrayOf(finding, { max: 1 << 16 })),
      reproduction: optional(arrayOf(text, { max: 4096 })),
    }).parse(x, path);
    if (!r.ok) return r;
    const v = r.value;
    if (v.samples.length !== 2) return bad(`${path}.samples`, 'two interrupt samples', v.samples);
    // Cross-field rules the views rely on: one vectors entry per device, in order.
    if (v.vectors.length !== v.devices.length) return bad(`${path}.vectors`, `one entry per device (${v.devices.length})`, v.vectors);
    for (let i = 0; i < v.devices.length; i++) {
      if (v.vectors[i]!.bdf !== v.devices[i]!.bdf) return bad(`${path}.vectors[${i}].bdf`, JSON.stringify(v.devices[i]!.bdf), v.vectors[i]!.bdf);
    }
    return { ok: true, value: v as SnapshotPayload };
  },
};

const REDACTIONS = ['hostname', 'serial-numbers', 'kernel-cmdline'] as const satisfies readonly RedactionKind[];

export const headerCheck: Check<SnapshotHeader> = obj({
  format: lit(SNAPSHOT_FORMAT),
  version: int({ min: 1 }),
  createdAt: str({ max: 64, pattern: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, what: 'an ISO 8601 UTC time' }),
  doorbell: shortText,
  lab: obj({ backend: oneOf(['linux', 'sim', 'snapshot']), spec: text, title: text }),
  payloadBytes: nat,
  sha256: str({ max: 64, pattern: /^[0-9a-f]{64}$/, what: '64 lowercase hex digits' }),
  redacted: arrayOf(oneOf(REDACTIONS), { max: 8 }),
});
