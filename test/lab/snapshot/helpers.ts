// SPDX-License-Identifier: MIT
// Round-trip helpers: a recording wrapper around a live lab (what each method returned while the
// snapshot was taken), and a normaliser that maps snapshot provenance back to the live source.
import type { LabBackend } from '../../../lab/backend.js';
import type { InterruptSample } from '../../../common/model/index.js';

export interface Recorded {
  calls: Map<string, unknown>;
  samples: InterruptSample[];
}

/** Wrap `lab` so every result is deep-copied into `rec` as it is returned. */
export function recording(lab: LabBackend): { lab: LabBackend; rec: Recorded } {
  const rec: Recorded = { calls: new Map(), samples: [] };
  const keep = <T>(key: string, v: T): T => { rec.calls.set(key, structuredClone(v)); return v; };
  const wrapped: LabBackend = {
    kind: lab.kind,
    info: async () => keep('info', await lab.info()),
    cpus: async () => keep('cpus', await lab.cpus()),
    iommus: async () => keep('iommus', await lab.iommus()),
    groups: async () => keep('groups', await lab.groups()),
    devices: async () => keep('devices', await lab.devices()),
    vectors: async (bdf) => {
      try { return keep(`vectors ${bdf}`, await lab.vectors(bdf)); } catch (e) { rec.calls.set(`vectors ${bdf}`, { threw: e }); throw e; }
    },
    addressSpaces: async (bdf) => keep(`addressSpaces ${bdf ?? '*'}`, await lab.addressSpaces(bdf)),
    sample: async (irqs) => { const s = await lab.sample(irqs); rec.samples.push(structuredClone(s)); return s; },
    kernelLog: (since) => keep('kernelLog', lab.kernelLog(since)),
    onLog: (l) => lab.onLog(l),
    close: () => lab.close(),
  };
  return { lab: wrapped, rec };
}

function isProvenance(x: Record<string, unknown>): boolean {
  return typeof x.source === 'string' && typeof x.at === 'number';
}

/** Provenance `{source:'snapshot', origin:S}` becomes `{source:S}`; everything else is kept. */
export function liveForm<T>(x: T): T {
  if (Array.isArray(x)) return x.map(liveForm) as T;
  if (typeof x === 'object' && x !== null && !(x instanceof Map)) {
    const o = x as Record<string, unknown>;
    if (isProvenance(o) && o.source === 'snapshot') {
      const { origin, ...rest } = o;
      return { ...rest, source: origin } as T;
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, liveForm(v)])) as T;
  }
  return x;
}

/** Every provenance object under `x`, with its JSON path. */
export function provenances(x: unknown, path = '$'): { path: string; p: Record<string, unknown> }[] {
  if (Array.isArray(x)) return x.flatMap((v, i) => provenances(v, `${path}[${i}]`));
  if (typeof x === 'object' && x !== null) {
    const o = x as Record<string, unknown>;
    if (isProvenance(o)) return [{ path, p: o }];
    return Object.entries(o).flatMap(([k, v]) => provenances(v, `${path}.${k}`));
  }
  return [];
}
