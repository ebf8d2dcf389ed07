// SPDX-License-Identifier: MIT
// uAPI layouts as data: every struct is a table of (name, type, offset) that the layout test pins
// against gcc's sizeof/offsetof on the real headers (test/native/uapi/layout.test.ts). The same
// table builds the koffi type used by the typed ioctl prototypes and drives the Buffer encoder for
// the raw form (flexible arrays, capability chains). Host byte order is little-endian on every
// architecture Doorbell targets (x86_64, arm64, riscv64); the encoder assumes it.
import type * as KoffiNs from 'koffi';

type KoffiModule = typeof KoffiNs;

export type Scalar = 'u8' | 'u16' | 'u32' | 's32' | 'u64' | 'aligned_u64';

export interface FieldDef {
  name: string;
  type: Scalar | StructDef;
  offset: number;
  /** Fixed array length (`__u8 __reserved[3]`, `__u32 idr[6]`). */
  count?: number;
  /** Flexible array member (`__u8 data[]`): not part of sizeof, not in the koffi type. */
  flex?: boolean;
  /** Shares its offset with the previous field (an anonymous union member). */
  union?: boolean;
}

export interface StructDef {
  /** The kernel's struct name, without `struct `. */
  name: string;
  size: number;
  align: number;
  fields: readonly FieldDef[];
}

type FieldSpec = [name: string, type: Scalar | StructDef, offset: number, opts?: Omit<FieldDef, 'name' | 'type' | 'offset'>];

export function defineStruct(name: string, shape: { size: number; align: number }, fields: FieldSpec[]): StructDef {
  return {
    name,
    size: shape.size,
    align: shape.align,
    fields: fields.map(([n, type, offset, opts]) => ({ name: n, type, offset, ...opts })),
  };
}

/** asm-generic _IO(type, nr): direction _IOC_NONE = 0 and size 0, so just (type << 8) | nr. */
export function _IO(type: number, nr: number): number {
  return (type << 8) | nr;
}

export const SCALAR_SIZE: Record<Scalar, number> = { u8: 1, u16: 2, u32: 4, s32: 4, u64: 8, aligned_u64: 8 };

export function fieldSize(f: FieldDef): number {
  const one = typeof f.type === 'string' ? SCALAR_SIZE[f.type] : f.type.size;
  return f.flex ? 0 : one * (f.count ?? 1);
}

export function field(def: StructDef, name: string): FieldDef {
  const f = def.fields.find((x) => x.name === name);
  if (!f) throw new Error(`struct ${def.name} has no field ${name}`);
  return f;
}

/** offsetofend(struct, field): the minimum size a kernel accepts when `field` is the last mandatory one. */
export function offsetofend(def: StructDef, name: string): number {
  const f = field(def, name);
  return f.offset + fieldSize(f);
}

// ---- koffi types built from the table ----

const KOFFI_SCALAR: Record<Scalar, string | [number, string]> = {
  u8: 'uint8_t', u16: 'uint16_t', u32: 'uint32_t', s32: 'int32_t', u64: [8, 'uint64_t'], aligned_u64: [8, 'uint64_t'],
};
const koffiTypes = new WeakMap<StructDef, unknown>();

/** The koffi struct for a table (cached). Flexible arrays and union aliases are left out. */
export function koffiType(koffi: KoffiModule, def: StructDef): unknown {
  const hit = koffiTypes.get(def);
  if (hit) return hit;
  const members: Record<string, unknown> = {};
  for (const f of def.fields) {
    if (f.flex || f.union) continue;
    let t: unknown = typeof f.type === 'string' ? KOFFI_SCALAR[f.type] : koffiType(koffi, f.type);
    if (f.count !== undefined) {
      const [align, base] = Array.isArray(t) ? t : [0, t];
      t = koffi.array(base as never, f.count, 'Array');
      if (align) t = [align, t];
    }
    members[f.name] = t;
  }
  // Anonymous struct: names like iommu_ioas_map may already exist in another koffi registry user.
  const t = koffi.struct(members as never);
  koffiTypes.set(def, t);
  return t;
}

/** koffi gives u64 as number when ≤ 2^53 and bigint above: make every u64 field a bigint. */
export function normalizeStruct(def: StructDef, value: Record<string, unknown>): void {
  for (const f of def.fields) {
    if (f.flex || f.union) continue;
    const v = value[f.name];
    if (typeof f.type !== 'string') {
      if (v && typeof v === 'object') normalizeStruct(f.type, v as Record<string, unknown>);
      continue;
    }
    if (f.type !== 'u64' && f.type !== 'aligned_u64') continue;
    if (f.count !== undefined && Array.isArray(v)) value[f.name] = v.map((x) => BigInt(x as number | bigint));
    else if (typeof v === 'number') value[f.name] = BigInt(v);
  }
}

/** A zeroed value object for `def`, with overrides; `size`/`argsz` default to sizeof. */
export function zeroed(def: StructDef, init: Record<string, number | bigint> = {}): Record<string, number | bigint> {
  const v: Record<string, number | bigint> = {};
  for (const f of def.fields) {
    if (f.flex || f.union || f.count !== undefined || typeof f.type !== 'string') continue;
    v[f.name] = f.type === 'u64' || f.type === 'aligned_u64' ? 0n : 0;
  }
  if ('size' in v && def.fields[0]?.name === 'size') v.size = def.size;
  if ('argsz' in v && def.fields[0]?.name === 'argsz') v.argsz = def.size;
  for (const f of def.fields) {
    if (f.count !== undefined && !f.flex && typeof f.type === 'string') {
      (v as Record<string, unknown>)[f.name] = Array.from({ length: f.count }, () => (f.type === 'u64' || f.type === 'aligned_u64' ? 0n : 0));
    }
  }
  return { ...v, ...init };
}

// ---- Buffer encoder/decoder (raw form) ----

function writeScalar(buf: Buffer, off: number, t: Scalar, v: number | bigint): void {
  switch (t) {
    case 'u8': buf.writeUInt8(Number(v) & 0xff, off); break;
    case 'u16': buf.writeUInt16LE(Number(v) & 0xffff, off); break;
    case 'u32': buf.writeUInt32LE(Number(v) >>> 0, off); break;
    case 's32': buf.writeInt32LE(Number(v) | 0, off); break;
    case 'u64': case 'aligned_u64': buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), off); break;
  }
}

function readScalar(buf: Buffer, off: number, t: Scalar): number | bigint {
  switch (t) {
    case 'u8': return buf.readUInt8(off);
    case 'u16': return buf.readUInt16LE(off);
    case 'u32': return buf.readUInt32LE(off);
    case 's32': return buf.readInt32LE(off);
    case 'u64': case 'aligned_u64': return buf.readBigUInt64LE(off);
  }
}

export interface StructValue { [field: string]: number | bigint | (number | bigint)[] | StructValue }

/** Write the scalar fields present in `value` at `base` (missing fields are left as they are). */
export function encodeInto(def: StructDef, buf: Buffer, value: Record<string, unknown>, base = 0): void {
  for (const f of def.fields) {
    if (f.flex || !(f.name in value)) continue;
    const v = value[f.name];
    if (typeof f.type !== 'string') {
      encodeInto(f.type, buf, v as Record<string, unknown>, base + f.offset);
    } else if (f.count !== undefined) {
      const one = SCALAR_SIZE[f.type];
      (v as (number | bigint)[]).forEach((x, i) => writeScalar(buf, base + f.offset + i * one, f.type as Scalar, x));
    } else {
      writeScalar(buf, base + f.offset, f.type, v as number | bigint);
    }
  }
}

/** A new zero-filled Buffer of sizeof(def) + extra bytes with `value` encoded. */
export function encode(def: StructDef, value: Record<string, unknown>, extra = 0): Buffer {
  const buf = Buffer.alloc(def.size + extra);
  encodeInto(def, buf, value);
  return buf;
}

/** Decode the fixed part of `def` at `base`. Throws RangeError when the buffer is too short. */
export function decode(def: StructDef, buf: Buffer, base = 0): StructValue {
  if (base + def.size > buf.length) throw new RangeError(`struct ${def.name} at ${base} needs ${def.size} bytes, buffer has ${buf.length - base}`);
  const out: StructValue = {};
  for (const f of def.fields) {
    if (f.flex) continue;
    if (typeof f.type !== 'string') out[f.name] = decode(f.type, buf, base + f.offset);
    else if (f.count !== undefined) {
      const one = SCALAR_SIZE[f.type];
      out[f.name] = Array.from({ length: f.count }, (_, i) => readScalar(buf, base + f.offset + i * one, f.type as Scalar));
    } else out[f.name] = readScalar(buf, base + f.offset, f.type);
  }
  return out;
}
