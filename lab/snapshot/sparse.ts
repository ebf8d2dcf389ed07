// SPDX-License-Identifier: MIT
// Format version 2 writes every per-CPU count array (each sample's IRQs, each vector row's
// `counts`) sparse: `{"n": <length>, "nz": [cpu, count, cpu, count, …]}` with the CPUs strictly
// increasing. On a 512-CPU machine most counters are zero, and dense arrays were 97 % of a 17 MB
// payload: JSON, sha256 and gzip of it were most of a snapshot's write and open time (npm run
// bench). The conversion is confined to the file: captures, the snapshot backend and the payload
// check see the model's dense arrays, and a version 1 file (dense) reads as before.
import { describeValue } from '../../common/ipc/schema.js';
import { toSparse } from '../../common/model/index.js';
import type { SampleJson, SnapshotPayload } from './format.js';
import type { Refusal } from './validate.js';

/** Counts are indexed by CPU number; no machine has more (the payload check's bound too). */
const MAX_LEN = 1 << 16;

const refuse = (path: string, expected: string, x: unknown): Refusal => ({ ok: false, path, expected, got: describeValue(x) });

/** The dense array of a sparse count array read from a file, or why it is not one. */
export function fromSparse(x: unknown, path: string): { ok: true; value: number[] } | Refusal {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return refuse(path, 'sparse counts {"n", "nz"}', x);
  const keys = Object.keys(x);
  const extra = keys.find((k) => k !== 'n' && k !== 'nz');
  if (extra !== undefined) return refuse(`${path}.${extra}`, 'no such field (sparse counts have "n" and "nz")', (x as Record<string, unknown>)[extra]);
  const { n, nz } = x as { n?: unknown; nz?: unknown };
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_LEN) return refuse(`${path}.n`, `an integer from 0 to ${MAX_LEN}`, n);
  if (!Array.isArray(nz) || nz.length % 2 !== 0) return refuse(`${path}.nz`, 'an array of [cpu, count] pairs, flattened', nz);
  const out = new Array<number>(n).fill(0);
  let last = -1;
  for (let k = 0; k < nz.length; k += 2) {
    const i = nz[k] as unknown, v = nz[k + 1] as unknown;
    if (typeof i !== 'number' || !Number.isInteger(i) || i <= last || i >= n) {
      return refuse(`${path}.nz[${k}]`, `a CPU index above ${last} and below ${n} (increasing)`, i);
    }
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) return refuse(`${path}.nz[${k + 1}]`, 'a non-zero count', v);
    out[i] = v;
    last = i;
  }
  return { ok: true, value: out };
}

/** The payload as version 2 writes it (a shallow copy: the caller's payload is not changed). */
export function toFileForm(payload: SnapshotPayload): unknown {
  const sample = (s: SampleJson) => ({ ...s, irqs: s.irqs.map(([irq, c]) => [irq, toSparse(c)]) });
  return {
    ...payload,
    vectors: payload.vectors.map((e) => (!e.result.ok ? e : {
      ...e,
      result: {
        ...e.result,
        value: {
          ...e.result.value,
          vectors: e.result.value.vectors.map((r) => (r.counts.ok ? { ...r, counts: { ...r.counts, value: toSparse(r.counts.value) } } : r)),
        },
      },
    })),
    samples: payload.samples.map(sample),
  };
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * A version 2 payload (parsed JSON, not yet checked) with its count arrays made dense again, in
 * place. Only a malformed sparse array is refused here; any other shape is left for the payload
 * check, which names the field.
 */
export function denseInPlace(json: unknown, path: string): Refusal | null {
  if (!isObj(json)) return null;
  if (Array.isArray(json.samples)) {
    for (let s = 0; s < json.samples.length; s++) {
      const irqs = isObj(json.samples[s]) ? (json.samples[s] as Record<string, unknown>).irqs : null;
      if (!Array.isArray(irqs)) continue;
      for (let j = 0; j < irqs.length; j++) {
        const e = irqs[j] as unknown;
        if (!Array.isArray(e) || e.length !== 2) continue;
        const r = fromSparse(e[1], `${path}.samples[${s}].irqs[${j}][1]`);
        if (!r.ok) return r;
        e[1] = r.value;
      }
    }
  }
  if (Array.isArray(json.vectors)) {
    for (let d = 0; d < json.vectors.length; d++) {
      const e = json.vectors[d] as unknown;
      const result = isObj(e) ? e.result : null;
      if (!isObj(result) || result.ok !== true || !isObj(result.value) || !Array.isArray(result.value.vectors)) continue;
      const rows = result.value.vectors as unknown[];
      for (let k = 0; k < rows.length; k++) {
        const row = rows[k];
        if (!isObj(row) || !isObj(row.counts) || row.counts.ok !== true) continue;
        const r = fromSparse(row.counts.value, `${path}.vectors[${d}].result.value.vectors[${k}].counts.value`);
        if (!r.ok) return r;
        row.counts.value = r.value;
      }
    }
  }
  return null;
}
