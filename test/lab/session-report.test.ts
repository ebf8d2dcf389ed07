// SPDX-License-Identifier: MIT
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabSession, pngSize } from '../../lab/session.js';
import { openSimLab } from '../../lab/sim/index.js';
import { openSnapshotLab } from '../../lab/snapshot/index.js';
import type { LabEvent } from '../../common/ipc/contract.js';
import type { DeviceSummary } from '../../common/model/index.js';

// A real 1×1 PNG (what a page rasteriser produces, minus the size).
const PNG_1x1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const dirs: string[] = [];
function stateDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-report-'));
  dirs.push(d);
  return d;
}
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

describe('lab/session createReport', () => {
  it('writes report, snapshot and the page PNG, reports progress, and the snapshot opens', async () => {
    const s = new LabSession(await openSimLab({ scenario: 'x86-vtd-ir', params: {}, reason: 'test' }), { autoStart: false, stateDir: stateDir() });
    const progress: string[] = [];
    s.onEvent((e: LabEvent) => { if (e.type === 'progress') progress.push(`${e.done}/${e.total} ${e.step}`); });
    const devices = await s.api.listDevices({});
    expect(devices.ok).toBe(true);
    const bdf = devices.ok ? devices.value.find((d) => d.vectorCount > 0)!.bdf : '';
    const r = await s.api.createReport({ bdf, png: `data:image/png;base64,${PNG_1x1}` });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.files.map((f) => f.name).sort()).toEqual(['report.txt', 'snapshot.dbsnap', 'window.png']);
    for (const f of r.value.files) expect(fs.statSync(f.path).size).toBe(f.bytes);
    expect(r.value.png).toEqual({ source: 'page-rasteriser', width: 1, height: 1 });
    expect(r.value.text).toContain(bdf);
    expect(progress[0]).toMatch(/^0\/4/);
    expect(progress.at(-1)).toBe('4/4 done');
    const snap = await openSnapshotLab({ file: r.value.files.find((f) => f.name === 'snapshot.dbsnap')!.path, reason: 'test' });
    expect((await snap.devices()).map((d) => d.bdf)).toEqual(devices.ok ? devices.value.map((d) => d.bdf) : []);
    expect(Buffer.from(r.value.snapshotBase64, 'base64').length).toBe(r.value.files.find((f) => f.name === 'snapshot.dbsnap')!.bytes);
    await s.close();
  });

  it('prefers the transport\'s own capture (Electron) over a PNG the page sent', async () => {
    const s = new LabSession(await openSimLab({ scenario: 'x86-noir', params: {}, reason: 'test' }), { autoStart: false, stateDir: stateDir() });
    const png = new Uint8Array(Buffer.from(PNG_1x1, 'base64'));
    const r = await s.dispatch('createReport', {}, { capturePng: async () => png });
    expect(r).toMatchObject({ ok: true, value: { png: { source: 'electron-capture', width: 1, height: 1 } } });
    await s.close();
  });

  it('refuses a PNG that is not one, with a clear error', async () => {
    const s = new LabSession(await openSimLab({ scenario: 'x86-noir', params: {}, reason: 'test' }), { autoStart: false, stateDir: stateDir() });
    const notPng = await s.api.createReport({ png: `data:image/png;base64,${Buffer.from('GIF89a-nope-nope-nope-nope').toString('base64')}` });
    expect(notPng).toMatchObject({ ok: false, error: { op: 'createReport', message: 'the window image is not a PNG' } });
    const badUrl = await s.dispatch('createReport', { png: 'javascript:alert(1)' });
    expect(badUrl).toMatchObject({ ok: false, error: { op: 'request createReport' } });
    await s.close();
  });

  it('puts the session\'s findings and this lab\'s affinity edits into the report', async () => {
    const s = new LabSession(await openSimLab({ scenario: 'arm64-its-smmuv3', params: { bug: 'unmapped-doorbell' }, reason: 'test' }), { autoStart: false, stateDir: stateDir() });
    const devs = await s.api.listDevices({});
    // A vector the kernel lets user space move: a managed one (the host NVMe's queues) is refused
    // before the write, and a refusal is no edit.
    let dev: DeviceSummary | undefined;
    for (const d of devs.ok ? devs.value.filter((x) => x.vectorCount > 0) : []) {
      const edit = await s.api.setAffinity({ bdf: d.bdf, index: 0, cpus: '1' });
      expect(edit.ok).toBe(true);
      if (edit.ok && edit.value.verdict.kind !== 'refused') { dev = d; break; }
    }
    expect(dev, 'a device with a movable vector 0').toBeDefined();
    const checks = await s.api.runChecks({});
    expect(checks.ok && checks.value.findings.length).toBeGreaterThan(0);
    const r = await s.api.createReport({});
    expect(r.ok).toBe(true);
    if (!r.ok || !checks.ok) return;
    expect(r.value.text).toMatch(/Findings/i);
    expect(r.value.text).toContain(checks.value.findings[0]!.title);
    expect(r.value.text).toContain(dev!.bdf);
    expect(r.value.text).toMatch(/Affinity edits/i);
    const snap = await openSnapshotLab({ file: r.value.files.find((f) => f.name === 'snapshot.dbsnap')!.path, reason: 'test' });
    expect(snap.kind).toBe('snapshot');
    await s.close();
  });

  it('pngSize reads IHDR', () => {
    expect(pngSize(new Uint8Array(Buffer.from(PNG_1x1, 'base64')))).toEqual({ width: 1, height: 1 });
  });
});
