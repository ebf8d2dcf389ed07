// SPDX-License-Identifier: MIT
// snapshot → open → every LabBackend method answers as the live lab did while the snapshot was
// taken (provenance moved to source 'snapshot' with the live source as origin), for every backend
// this machine has: the simulator's scenarios, this machine's kernel, and the captured trees.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabFailure } from '../../../common/errors.js';
import type { InterruptSample } from '../../../common/model/index.js';
import type { LabBackend } from '../../../lab/backend.js';
import { openLinuxLab } from '../../../lab/linux/index.js';
import { openSimLab } from '../../../lab/sim/index.js';
import { scenarioNames } from '../../../lab/sim/scenario.js';
import { captureSnapshot, encodeSnapshot, openSnapshotLab, writeFileAtomic } from '../../../lab/snapshot/index.js';
import { CONSOLE, E1000E, NOIOMMU } from '../../fixtures/sysroots/paths.js';
import { liveForm, provenances, recording } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-snap-rt-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function roundTrip(name: string, open: () => Promise<LabBackend>): Promise<void> {
  const live = await open();
  const { lab, rec } = recording(live);
  const payload = await captureSnapshot(lab, { intervalMs: 20 });
  const { bytes } = encodeSnapshot(payload);
  const file = path.join(tmp, `${name.replace(/[^A-Za-z0-9.-]/g, '_')}.dbsnap`);
  writeFileAtomic(file, bytes);
  const snap = await openSnapshotLab({ file, reason: 'round-trip test' });

  const liveInfo = rec.calls.get('info') as Awaited<ReturnType<LabBackend['info']>>;
  const info = await snap.info();
  expect(info).toEqual({
    ...liveInfo, backend: 'snapshot', spec: `snapshot:${file}`, reason: 'round-trip test',
    title: expect.stringContaining(liveInfo.title), writable: { ok: false, why: expect.stringContaining('read-only') },
  });
  expect(snap.kind).toBe('snapshot');

  const outputs: Record<string, unknown> = {
    cpus: await snap.cpus(), iommus: await snap.iommus(), groups: await snap.groups(), devices: await snap.devices(),
  };
  for (const [m, v] of Object.entries(outputs)) expect(liveForm(v), m).toEqual(rec.calls.get(m));

  const devices = rec.calls.get('devices') as { bdf: string }[];
  for (const { bdf } of devices) {
    const was = rec.calls.get(`vectors ${bdf}`) as { threw?: unknown } | undefined;
    if (was && 'threw' in was) {
      await expect(snap.vectors(bdf)).rejects.toMatchObject({ error: (was.threw as LabFailure).error });
    } else {
      const v = await snap.vectors(bdf);
      outputs[`vectors ${bdf}`] = v;
      expect(liveForm(v), `vectors ${bdf}`).toEqual(was);
    }
    // The per-device form of the address map is the live lab's, too.
    expect(await snap.addressSpaces(bdf), `addressSpaces ${bdf}`).toEqual(await live.addressSpaces(bdf));
  }
  await expect(snap.vectors('0000:ff:1f.7')).rejects.toMatchObject({ error: { errnoName: 'ENODEV' } });
  expect(await snap.addressSpaces()).toEqual(rec.calls.get('addressSpaces *'));
  expect(snap.kernelLog(0)).toEqual(rec.calls.get('kernelLog'));
  const log = rec.calls.get('kernelLog') as { seq: number }[];
  if (log.length > 1) expect(snap.kernelLog(log[0]!.seq)).toEqual(log.slice(1));

  // Every value the views show says it came from the snapshot, and from which live source.
  const ps = provenances(outputs);
  expect(ps.length).toBeGreaterThan(0);
  for (const { path: p, p: prov } of ps) {
    expect(prov.source, p).toBe('snapshot');
    expect(prov.origin, p).toEqual(expect.any(String));
  }

  // Samples: the two captured ones, then the captured rate carried forward. A backend may hand out
  // typed rows (the simulator does); the numbers are what must match.
  const plain = (s: InterruptSample): InterruptSample => ({ ...s, irqs: new Map([...s.irqs].map(([k, v]) => [k, Array.from(v)])) });
  const [s0, s1] = (rec.samples as InterruptSample[]).map(plain) as [InterruptSample, InterruptSample];
  expect(plain(await snap.sample())).toEqual(s0);
  expect(plain(await snap.sample())).toEqual(s1);
  const s2 = await snap.sample();
  expect(s2.mono).toBe(s0.mono + 2 * (s1.mono - s0.mono));
  for (const [irq, c1] of s1.irqs) {
    const c0 = s0.irqs.get(irq);
    if (c0) expect(Array.from(s2.irqs.get(irq)!), `IRQ ${irq}`).toEqual(Array.from(c1, (c, i) => Math.max(0, c0[i]! + 2 * (c - c0[i]!))));
  }
  const some = [...s1.irqs.keys()].slice(0, 2);
  const part = await snap.sample([...some, 999999]);
  expect([...part.irqs.keys()]).toEqual([...some, 999999]);
  expect(part.irqs.get(999999)!.every((c) => c === 0)).toBe(true);
  await snap.close();
  await live.close();
}

describe('snapshot round trip: captured trees', () => {
  for (const tree of [E1000E, CONSOLE, NOIOMMU]) {
    it(path.basename(tree), async () => {
      await roundTrip(path.basename(tree), () => openLinuxLab({ root: tree, reason: 'test' }));
    });
  }
});

describe('snapshot round trip: this machine', () => {
  it('linux /', async () => {
    await roundTrip('host', () => openLinuxLab({ root: '/', reason: 'test' }));
  });
});

describe('snapshot round trip: simulator', () => {
  const names = scenarioNames();
  it('has scenarios to test', () => { expect(names.length).toBeGreaterThan(0); });
  for (const sc of names) {
    it(sc, async () => {
      await roundTrip(`sim-${sc}`, () => openSimLab({ scenario: sc, params: {}, reason: 'test' }));
    });
  }
});
