// SPDX-License-Identifier: MIT
// The `snapshot` backend: a saved snapshot served read-only through LabBackend, so every view, the
// CLI and serve mode show it exactly as they show a live lab. Values keep their provenance with
// source 'snapshot' and `origin` set to the source the live lab read them from.
import { errnoError, LabFailure } from '../../common/errors.js';
import type {
  AddressSpace, CpuInfo, DeviceSummary, DeviceVectors, InterruptSample, IommuGroup, IommuUnit, KernelOp, LabInfo,
  Provenance, Read, VectorRow,
} from '../../common/model/index.js';
import type { LabBackend } from '../backend.js';
import { sampleFromJson, type Snapshot } from './format.js';

export function snapshotProvenance(from: Provenance): Provenance {
  // A snapshot of a snapshot keeps the first live source.
  return { ...from, source: 'snapshot', origin: from.source === 'snapshot' ? (from.origin ?? 'snapshot') : from.source };
}

function read<T>(r: Read<T>): Read<T> {
  if (r.ok) return { ok: true, value: r.value, from: snapshotProvenance(r.from) };
  return r.from ? { ok: false, why: r.why, from: snapshotProvenance(r.from) } : { ok: false, why: r.why };
}

function row(v: VectorRow): VectorRow {
  return {
    ...v,
    domainChain: read(v.domainChain), message: read(v.message), cachedMessage: read(v.cachedMessage), masked: read(v.masked),
    affinity: read(v.affinity), effective: read(v.effective), counts: read(v.counts),
  };
}

export class SnapshotLab implements LabBackend {
  readonly kind = 'snapshot' as const;
  private readonly vectorsByBdf: Map<string, Snapshot['payload']['vectors'][number]['result']>;
  private samples = 0;

  constructor(readonly snapshot: Snapshot, readonly file: string, private readonly reason: string) {
    this.vectorsByBdf = new Map(snapshot.payload.vectors.map((v) => [v.bdf, v.result]));
  }

  async info(): Promise<LabInfo> {
    const live = this.snapshot.payload.info;
    const at = this.snapshot.header.createdAt;
    return structuredClone({
      ...live,
      backend: 'snapshot',
      spec: `snapshot:${this.file}`,
      title: `snapshot of ${live.title}, captured ${at}`,
      reason: this.reason,
      writable: { ok: false, why: `a snapshot is read-only (captured from ${live.spec} at ${at}); nothing is written to any machine` },
    } satisfies LabInfo);
  }

  async cpus(): Promise<CpuInfo> {
    const c = structuredClone(this.snapshot.payload.cpus);
    return { ...c, from: snapshotProvenance(c.from) };
  }

  async iommus(): Promise<IommuUnit[]> {
    return structuredClone(this.snapshot.payload.iommus);
  }

  async groups(): Promise<IommuGroup[]> {
    return structuredClone(this.snapshot.payload.groups);
  }

  async devices(): Promise<DeviceSummary[]> {
    return structuredClone(this.snapshot.payload.devices).map((d) => ({ ...d, msi: read(d.msi), msix: read(d.msix) }));
  }

  async vectors(bdf: string): Promise<DeviceVectors> {
    return (await this.vectorWindow(bdf, 0, Infinity)).table;
  }

  async vectorWindow(bdf: string, first: number, count: number): Promise<{ table: DeviceVectors; total: number }> {
    const r = this.vectorsByBdf.get(bdf);
    if (!r) {
      throw new LabFailure(errnoError(`vectors ${bdf}`, 'ENODEV', 'List the devices in this snapshot with `doorbell devices`.', {
        path: this.file, message: `no PCI device ${bdf} in this snapshot`,
      }));
    }
    if (!r.ok) throw new LabFailure(structuredClone(r.error));
    const { vectors, ...rest } = r.value;
    const dv = structuredClone({ ...rest, vectors: vectors.slice(first, first + count) });
    return { table: { ...dv, vectors: dv.vectors.map(row) }, total: vectors.length };
  }

  async addressSpaces(bdf?: string): Promise<AddressSpace[]> {
    const r = this.snapshot.payload.addressSpaces;
    if (!r.ok) throw new LabFailure(structuredClone(r.error));
    const all = structuredClone(r.value);
    return bdf === undefined ? all : all.filter((a) => a.devices.includes(bdf));
  }

  /**
   * The captured samples, then the same rate carried forward: call k returns the first sample plus
   * k times the captured difference, so the counters keep moving at exactly the captured rates
   * (replaying the two samples alternately would make every other interval run backwards).
   */
  async sample(irqs?: readonly number[]): Promise<InterruptSample> {
    const [a, b] = this.snapshot.payload.samples.map(sampleFromJson) as [InterruptSample, InterruptSample];
    const k = this.samples++;
    const base = new Map(a.irqs);
    const step = (x: number, y: number) => x + k * (y - x);
    const out = new Map<number, number[]>();
    const want = irqs ?? [...new Set([...a.irqs.keys(), ...b.irqs.keys()])].sort((x, y) => x - y);
    const width = Math.max(b.cpus.length, ...[...b.irqs.values()].map((c) => c.length));
    const zero = () => new Array<number>(width).fill(0);
    for (const irq of want) {
      const ca = base.get(irq);
      const cb = b.irqs.get(irq);
      // An IRQ in only one sample (allocated between them) is shown as the later sample.
      if (cb && ca && ca.length === cb.length) out.set(irq, Array.from(cb, (y, i) => Math.max(0, step(ca[i]!, y))));
      else out.set(irq, cb ? Array.from(cb) : zero());
    }
    return { mono: step(a.mono, b.mono), at: step(a.at, b.at), cpus: [...b.cpus], irqs: out };
  }

  kernelLog(sinceSeq = 0): KernelOp[] {
    return structuredClone(this.snapshot.payload.kernelLog.filter((o) => o.seq > sinceSeq));
  }

  onLog(_listener: (ops: KernelOp[]) => void): () => void {
    return () => {}; // a snapshot's log never grows
  }

  async close(): Promise<void> {}
}
