// SPDX-License-Identifier: MIT
// What the affinity loop reads: one vector row (LabBackend.vector) instead of the device's whole
// table, and the doorbell pages only for a rule that checks the new address against them (IMSIC),
// kept until a logged operation other than an affinity write may have changed the address space.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabFailure } from '../../../common/errors.js';
import type { AddressSpace } from '../../../common/model/index.js';
import { AffinityEditor } from '../../../lab/affinity/editor.js';
import { AffinityJournal } from '../../../lab/affinity/journal.js';
import type { LabBackend } from '../../../lab/backend.js';
import { createSimLab, type SimBackend } from '../../../lab/sim/index.js';

const ITS_DEV = '0000:04:00.0', IMSIC_DEV = '0000:00:01.0';
const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-editor-reads-'));
afterAll(() => fs.rmSync(stateRoot, { recursive: true, force: true }));
const journal = () => new AffinityJournal(fs.mkdtempSync(path.join(stateRoot, 'j-')));
const noAt = (x: unknown) => JSON.parse(JSON.stringify(x), (k, v: unknown) => (k === 'at' ? 0 : v)) as unknown;

/** The sim with its reads counted (and addressSpaces optionally rewritten). */
function counted(sim: SimBackend, spaces?: (call: number, real: AddressSpace[]) => AddressSpace[]) {
  const calls = { vectors: 0, vector: 0, addressSpaces: 0 };
  const b = sim as SimBackend & LabBackend;
  const vectors = b.vectors.bind(b), vector = b.vector.bind(b), addressSpaces = b.addressSpaces.bind(b);
  b.vectors = (bdf) => { calls.vectors++; return vectors(bdf); };
  b.vector = (bdf, index) => { calls.vector++; return vector(bdf, index); };
  b.addressSpaces = async (bdf) => { calls.addressSpaces++; const r = await addressSpaces(bdf); return spaces ? spaces(calls.addressSpaces, r) : r; };
  return { b, calls };
}

describe('sim vector(bdf, index)', () => {
  for (const scenario of ['arm64-its-smmuv3', 'riscv-aia-imsic', 'x86-vtd-ir', 'x86-noir']) {
    it(`${scenario}: the row vectors() holds, for every vector of every device; null past the last`, async () => {
      const sim = createSimLab({ scenario });
      for (const d of await sim.devices()) {
        const dv = await sim.vectors(d.bdf);
        for (const v of dv.vectors) expect(noAt(await sim.vector(d.bdf, v.index))).toEqual(noAt(v));
        expect(await sim.vector(d.bdf, 100000)).toBeNull();
      }
      await expect(sim.vector('0000:ff:1f.7', 0)).rejects.toSatisfy((e: unknown) => e instanceof LabFailure && e.error.errnoName === 'ENODEV');
    });
  }
});

describe('AffinityEditor reads', () => {
  it('reads one row per step, never the whole table, and no address space for an ITS move', async () => {
    const { b, calls } = counted(createSimLab({ scenario: 'arm64-its-smmuv3' }));
    const ed = new AffinityEditor({ backend: b, journal: journal() });
    const r = await ed.setAffinity(ITS_DEV, 0, '3');
    expect(r.verdict.kind).toBe('verified');
    expect(calls.vectors).toBe(0);
    expect(calls.vector).toBeGreaterThan(0);
    expect(calls.addressSpaces).toBe(0);
  });

  it('an unknown vector still names the ones that exist', async () => {
    const ed = new AffinityEditor({ backend: createSimLab({ scenario: 'arm64-its-smmuv3' }), journal: journal() });
    await expect(ed.setAffinity(ITS_DEV, 9999, '3')).rejects.toSatisfy((e: unknown) => e instanceof LabFailure && /has no vector 9999/.test(e.error.message) && /Pick one of 0/.test(e.error.hint ?? ''));
  });

  it('IMSIC: doorbell pages read once, kept across affinity writes, re-read after another kernel operation', async () => {
    const sim = createSimLab({ scenario: 'riscv-aia-imsic' });
    const { b, calls } = counted(sim);
    const ed = new AffinityEditor({ backend: b, journal: journal() });
    const kinds: string[] = [];
    for (const cpu of ['2', '1', '3']) kinds.push((await ed.setAffinity(IMSIC_DEV, 0, cpu)).verdict.kind);
    expect(kinds).toEqual(['verified', 'verified', 'verified']);
    expect(calls.addressSpaces).toBe(1);
    // Any logged operation other than an affinity write may have changed an address space.
    const h = sim.ops.openIommufd();
    expect(h.ok).toBe(true);
    expect((await ed.setAffinity(IMSIC_DEV, 0, '2')).verdict.kind).toBe('verified');
    expect(calls.addressSpaces).toBe(2);
  });

  it('IMSIC: a new address outside the cached pages is checked against a fresh read, not judged from the cache', async () => {
    // The first read lists only hart 2's page; later reads list every page.
    const hart2Only = (call: number, real: AddressSpace[]) => (call > 1 ? real : real.map((s) => ({ ...s, doorbells: s.doorbells.filter((p) => p.hart === undefined || p.hart === 2) })));
    const { b, calls } = counted(createSimLab({ scenario: 'riscv-aia-imsic' }), hart2Only);
    const ed = new AffinityEditor({ backend: b, journal: journal() });
    expect((await ed.setAffinity(IMSIC_DEV, 0, '2')).verdict.kind).toBe('verified');
    const r = await ed.setAffinity(IMSIC_DEV, 0, '1');
    expect(r.verdict.kind, r.verdict.evidence.join('\n')).toBe('verified');
    expect(calls.addressSpaces).toBe(2);
  });

  it('IMSIC: verdicts with the cache equal those of a fresh editor per move (profiles and the rewrite bug)', async () => {
    for (const params of [{}, { profile: 'per-vector-table' }, { profile: 'per-vector-table', bug: 'rewrite-default-address' }] as Record<string, string>[]) {
      const cachedLab = createSimLab({ scenario: 'riscv-aia-imsic', params });
      const freshLab = createSimLab({ scenario: 'riscv-aia-imsic', params });
      const reused = new AffinityEditor({ backend: cachedLab, journal: journal() });
      for (const cpu of ['2', '1', '3']) {
        const a = await reused.setAffinity(IMSIC_DEV, 0, cpu);
        const f = await new AffinityEditor({ backend: freshLab, journal: journal() }).setAffinity(IMSIC_DEV, 0, cpu);
        expect([a.verdict.kind, a.verdict.headline], JSON.stringify(params)).toEqual([f.verdict.kind, f.verdict.headline]);
      }
    }
  });
});
