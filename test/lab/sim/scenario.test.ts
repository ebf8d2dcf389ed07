// SPDX-License-Identifier: MIT
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabFailure } from '../../../common/errors.js';
import { createSimLab, scenarioNames } from '../../../lab/sim/index.js';
import { openLab, parseLabSpec } from '../../../lab/select.js';

function failure(f: () => unknown): LabFailure {
  try { f(); } catch (e) { if (e instanceof LabFailure) return e; throw e; }
  return expect.fail('no error');
}

describe('scenario loading', () => {
  it('ships the four platforms plus the AMD-Vi variant', () => {
    expect(scenarioNames()).toEqual(['arm64-its-smmuv3', 'riscv-aia-imsic', 'x86-amdvi-ir', 'x86-noir', 'x86-vtd-ir']);
  });

  it('a bad field names the file, the field and what was expected', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-'));
    const src = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../../assets/scenarios/arm64-its-smmuv3.json'), 'utf8'));
    src.devices[2].msix = 'eight';
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(file, JSON.stringify(src));
    const e = failure(() => createSimLab({ scenario: file }));
    expect(e.error.path).toBe(file);
    expect(e.error.detail?.field).toBe('devices[2].msix');
    expect(e.error.message).toMatch(/an integer from 0 to 2048/);
    fs.writeFileSync(file, '{"name": ');
    expect(failure(() => createSimLab({ scenario: file })).error.message).toMatch(/not valid JSON/);
  });

  it('a copied scenario file opens by path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-'));
    const file = path.join(dir, 'mine.json');
    fs.copyFileSync(path.join(import.meta.dirname, '../../../assets/scenarios/x86-noir.json'), file);
    expect(createSimLab({ scenario: file }).k.sc.name).toBe('x86-noir');
  });

  it('unknown scenario, profile, bug or parameter names list the valid ones', () => {
    expect(failure(() => createSimLab({ scenario: 'sparc' })).error.message).toMatch(/arm64-its-smmuv3, riscv-aia-imsic/);
    expect(failure(() => createSimLab({ scenario: 'arm64-its-smmuv3', params: { profile: 'v9' } })).error.message).toMatch(/upstream, rfc-v1, per-vector-table, sw-msi-option/);
    expect(failure(() => createSimLab({ scenario: 'arm64-its-smmuv3', params: { bug: 'typo' } })).error.message).toMatch(/rewrite-default-address, lost-movi, stale-irte, unmapped-doorbell, ignores-mask/);
    expect(failure(() => createSimLab({ scenario: 'arm64-its-smmuv3', params: { colour: 'red' } })).error.message).toMatch(/profile, bug/);
    expect(failure(() => createSimLab({ scenario: 'riscv-aia-imsic', params: { bug: 'lost-movi' } })).error.errnoName).toBe('EOPNOTSUPP');
  });

  it('the lab spec of the issue opens through lab/select.ts', async () => {
    const lab = await openLab(parseLabSpec('sim:riscv-aia-imsic?profile=per-vector-table&bug=rewrite-default-address'));
    const info = await lab.info();
    expect(info.backend).toBe('sim');
    expect(info.features.find((f) => f.id === 'bug:rewrite-default-address')?.state).toBe('yes');
  });
});

describe('mid-bring-up state and the model', () => {
  it('arm64: the 2048-vector device is held by a VMM, the ITS page is labelled, 8 CPUs over 2 nodes', async () => {
    const lab = createSimLab({ scenario: 'arm64-its-smmuv3', params: { profile: 'per-vector-table' } });
    const devs = await lab.devices();
    const big = devs.find((d) => d.msix.ok && d.msix.value?.tableSize === 2048)!;
    expect(big.holder.kind).toBe('process');
    const cpus = await lab.cpus();
    expect(cpus.online.length).toBeGreaterThanOrEqual(8);
    expect(cpus.nodes.length).toBe(2);
    const spaces = await lab.addressSpaces(big.bdf);
    const s2 = spaces.find((s) => s.id.startsWith('ioas:'))!;
    expect(s2.doorbells.some((p) => p.pa === '0x20200000' && p.start === '0x8090000' && p.mappedBy === 'user-area')).toBe(true);
    expect(spaces.some((s) => s.id === `s1:${big.bdf}` && s.vectors.every((v) => v.hits.ok))).toBe(true);
    const row = (await lab.vectors(big.bdf)).vectors[5]!;
    expect(row.controller).toBe('gic-its');
    expect(row.decoded).toMatchObject({ kind: 'its', eventId: 5 });
    expect(row.message.ok && row.message.from.source).toBe('sim');
    expect(row.eventfd).toBe('assigned');
  });

  it('every operation is logged in the KernelOp form, failures with errno name and number', () => {
    const lab = createSimLab({ scenario: 'x86-vtd-ir' });
    const h = lab.ops.openIommufd();
    if (!h.ok) throw new Error('open');
    lab.ops.destroy(h.value, 999);
    const log = lab.kernelLog();
    expect(log.map((o) => o.op)).toEqual(['open /dev/iommu', 'IOMMU_DESTROY']);
    expect(log[1]).toMatchObject({ kind: 'ioctl', ok: false, errno: 2, errnoName: 'ENOENT' });
  });

  it('IOVA_RANGES uses the two-pass EMSGSIZE protocol behind the ops API', () => {
    const lab = createSimLab({ scenario: 'x86-vtd-ir' });
    const h = lab.ops.openIommufd();
    if (!h.ok) throw new Error('open');
    const id = lab.ops.ioasAlloc(h.value);
    if (!id.ok) throw new Error('alloc');
    const r = lab.ops.ioasIovaRanges(h.value, id.value);
    if (!r.ok) throw new Error('ranges');
    const calls = lab.kernelLog().filter((o) => o.op === 'IOMMU_IOAS_IOVA_RANGES');
    expect(calls.map((o) => o.errnoName)).toEqual(['EMSGSIZE', null]);
    // The second pass asks for the count the first wrote back (the log showed num_iovas=-1).
    expect(calls.map((o) => o.args.num_iovas)).toEqual([0, r.value.ranges.length]);
    expect(r.value.ranges.length).toBeGreaterThan(0);
  });

  it('traffic is seeded: two labs with the same seed count the same', async () => {
    const a = createSimLab({ scenario: 'arm64-its-smmuv3', params: { seed: '7' } });
    const b = createSimLab({ scenario: 'arm64-its-smmuv3', params: { seed: '7' } });
    a.advance(500); b.advance(500);
    // Counts only: provenance carries the wall-clock time of the read.
    const rows = async (l: typeof a) => (await l.vectors('0000:04:00.0')).vectors.map((v) => (v.counts.ok ? v.counts.value : null));
    expect(await rows(a)).toEqual(await rows(b));
  });
});
