// SPDX-License-Identifier: MIT
// `doorbell snapshot`, then `doorbell devices|vectors --json --lab snapshot:FILE`: the same JSON as
// the live lab, except that every value's source is 'snapshot' (with the live source as origin).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../lab/cli/main.js';
import { readSnapshotFile } from '../../../lab/snapshot/index.js';
import { E1000E } from '../../fixtures/sysroots/paths.js';
import { liveForm } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-snap-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** vectors --json flattens the message's source; in a snapshot it is 'snapshot'. */
function asSnapshotVectors(live: { vectors: { source: string | null }[] }): unknown {
  return { ...live, vectors: live.vectors.map((v) => ({ ...v, source: v.source === null ? null : 'snapshot' })) };
}

async function sameJson(labSpec: string, name: string, opts: { dropCounts?: boolean; dropFaultNotes?: boolean } = {}): Promise<{ file: string; err: string }> {
  const file = path.join(tmp, `${name}.dbsnap`);
  const s = await run('--lab', labSpec, 'snapshot', '-o', file, '--interval', '0');
  expect(s.code, s.err).toBe(0);
  const snap = `snapshot:${file}`;
  const live = await run('--lab', labSpec, 'devices', '--json');
  const fromSnap = await run('--lab', snap, 'devices', '--json');
  expect(fromSnap.code, fromSnap.err).toBe(0);
  // Counters move, and the simulator's fault counter grows with its traffic, between separate runs
  // of a live lab; the round-trip test compares those exactly against the capture itself.
  const strip = (x: unknown) => JSON.parse(JSON.stringify(x), (k, v: unknown) => (k === 'at' ? 0 : opts.dropCounts && k === 'counts' ? null
    : opts.dropFaultNotes && k === 'notes' && Array.isArray(v) ? v.filter((n) => !String(n).startsWith('IOMMU faults')) : v)) as unknown;
  expect(strip(liveForm(JSON.parse(fromSnap.out)))).toEqual(strip(JSON.parse(live.out)));
  const devs = JSON.parse(live.out) as { bdf: string; vectorCount: number }[];
  for (const d of devs.filter((x) => x.vectorCount > 0)) {
    const lv = await run('--lab', labSpec, 'vectors', d.bdf, '--json');
    const sv = await run('--lab', snap, 'vectors', d.bdf, '--json');
    expect(sv.code, sv.err).toBe(0);
    expect(strip(JSON.parse(sv.out)), d.bdf).toEqual(strip(asSnapshotVectors(JSON.parse(lv.out))));
  }
  return { file, err: s.err };
}

describe('doorbell snapshot', () => {
  it('a captured tree: progress on stderr, and devices/vectors --json match the live lab', async () => {
    const { file, err } = await sameJson(`linux:${E1000E}`, 'e1000e');
    expect(err).toContain('doorbell snapshot: sampling interrupts (1 of 2)');
    expect(err).toMatch(/doorbell snapshot: wrote .*e1000e\.dbsnap \(\d+ bytes/);
    expect(readSnapshotFile(file).ok).toBe(true);
  });

  it('the simulator with a 2048-entry MSI-X device', async () => {
    const { file } = await sameJson('sim:arm64-its-smmuv3', 'arm64', { dropCounts: true, dropFaultNotes: true });
    const r = readSnapshotFile(file);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const big = r.value.payload.devices.find((d) => d.msix.ok && d.msix.value?.tableSize === 2048);
    expect(big, 'a device with a 2048-entry MSI-X table').toBeDefined();
    console.log(`arm64-its-smmuv3 snapshot: ${fs.statSync(file).size} bytes on disk, ${r.value.header.payloadBytes} bytes of JSON`);
  });

  it('this machine', async () => {
    await sameJson('linux', 'host', { dropCounts: true });
  });

  it('redacts on request and says so in the header', async () => {
    const file = path.join(tmp, 'red.dbsnap');
    const s = await run('--lab', `linux:${E1000E}`, 'snapshot', '-o', file, '--redact', '--redact-cmdline', '--interval', '0');
    expect(s.code, s.err).toBe(0);
    const r = readSnapshotFile(file);
    expect(r.ok && r.value.header.redacted).toEqual(['hostname', 'serial-numbers', 'kernel-cmdline']);
    expect(r.ok && r.value.payload.info.kernel.cmdline).toBe('(redacted)');
  });

  it('usage errors and a bad snapshot exit 2 with a clear message', async () => {
    expect((await run('--lab', `linux:${E1000E}`, 'snapshot')).err).toContain('needs -o FILE');
    expect((await run('--lab', `linux:${E1000E}`, 'snapshot', '-o', 'x', '--interval', 'soon')).code).toBe(2);
    const bad = path.join(tmp, 'bad.dbsnap');
    fs.writeFileSync(bad, '{"format":"something-else"}\n{}');
    const r = await run('--lab', `snapshot:${bad}`, 'devices');
    expect(r.code).toBe(2);
    expect(r.err).toContain('open snapshot');
    expect(r.err).toContain('not a Doorbell snapshot');
    expect(r.err).toContain('hint:');
  });
});
