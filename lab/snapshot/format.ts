// SPDX-License-Identifier: MIT
// The snapshot file format, version 2 (docs/snapshot-format.md; version 1 is still read). A snapshot is everything the
// views show, read once from a live lab through LabBackend, plus two interrupt samples so rates can
// be recomputed. Values keep the provenance the live lab gave them; the snapshot backend reports
// them as source 'snapshot' with `origin` set to that live source.
import type { LabError, Result } from '../../common/errors.js';
import type { VerdictKind } from '../../common/verdict.js';
import type {
  AddressSpace, CpuInfo, DeviceSummary, DeviceVectors, InterruptSample, IommuGroup, IommuUnit, KernelOp, LabInfo,
} from '../../common/model/index.js';

/** The `format` field of every snapshot header: a file whose first line lacks it is not a snapshot. */
export const SNAPSHOT_FORMAT = 'doorbell-snapshot';
/** The newest format version this build reads and the one it writes. */
export const SNAPSHOT_VERSION = 2;
/** File name extension for snapshots (a gzip stream; `zcat FILE | head -1` prints the header). */
export const SNAPSHOT_EXT = '.dbsnap';

export type RedactionKind = 'hostname' | 'serial-numbers' | 'kernel-cmdline';

/** First line of the (uncompressed) file. */
export interface SnapshotHeader {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  /** ISO 8601 wall time of the capture (of the second interrupt sample). */
  createdAt: string;
  /** Doorbell's package version that wrote the file. */
  doorbell: string;
  /** The live lab, for the title and for listing snapshots without reading the payload. */
  lab: { backend: LabInfo['backend']; spec: string; title: string };
  /** Byte length and sha256 (hex) of the payload: the UTF-8 text after the header line. */
  payloadBytes: number;
  sha256: string;
  /** What was removed on request before writing. */
  redacted: RedactionKind[];
}

/** One interrupt sample in JSON form: IRQ → per-CPU counts as pairs (JSON has no Map). */
export interface SampleJson {
  mono: number;
  at: number;
  cpus: number[];
  irqs: [number, number[]][];
}

/** One affinity edit from the session's journal, with the verdict Doorbell reached. */
export interface JournalEntry {
  at: number;
  irq: number;
  bdf: string | null;
  index: number | null;
  /** Requested affinity before and after the edit. */
  before: number[];
  requested: number[];
  /** Effective affinity read back after the write, when it could be read. */
  effective: number[] | null;
  /** The affinity editor's verdict (common/verdict.ts), or `reverted` / `unknown` from the journal. */
  verdict: VerdictKind | 'reverted' | 'unknown';
  /** The verdict's headline and explanation ("moved and verified", "refused: managed IRQ"). */
  detail: string;
  error?: LabError;
}

/** One result of the checks (does every vector land on a mapped doorbell, …). */
export interface Finding {
  id: string;
  severity: 'error' | 'warning' | 'info';
  title: string;
  detail: string;
  bdf: string | null;
  vector: number | null;
  /** Values that support the finding (addresses, IRQ numbers), shown as key: value. */
  evidence?: Record<string, string | number | boolean>;
}

/** The payload: what every LabBackend method returned at capture time. */
export interface SnapshotPayload {
  info: LabInfo;
  cpus: CpuInfo;
  iommus: IommuUnit[];
  groups: IommuGroup[];
  devices: DeviceSummary[];
  /** One entry per device, in `devices` order; a device whose vectors could not be read keeps the error. */
  vectors: { bdf: string; result: Result<DeviceVectors> }[];
  /** addressSpaces() of the whole lab (the per-device form is a filter on `devices`). */
  addressSpaces: Result<AddressSpace[]>;
  /** The session's kernel interaction log. */
  kernelLog: KernelOp[];
  /** Two samples of every IRQ, the second taken at least the capture interval after the first. */
  samples: [SampleJson, SampleJson];
  /** Optional slots filled by the session (journal, checks, guided bring-up). */
  journal?: JournalEntry[];
  findings?: Finding[];
  reproduction?: string[];
}

export interface Snapshot {
  header: SnapshotHeader;
  payload: SnapshotPayload;
}

export function sampleToJson(s: InterruptSample): SampleJson {
  return { mono: s.mono, at: s.at, cpus: [...s.cpus], irqs: [...s.irqs].map(([irq, c]) => [irq, [...c]]) };
}

export function sampleFromJson(s: SampleJson): InterruptSample {
  return { mono: s.mono, at: s.at, cpus: [...s.cpus], irqs: new Map(s.irqs.map(([irq, c]) => [irq, [...c]])) };
}
