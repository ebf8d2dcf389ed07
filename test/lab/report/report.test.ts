// SPDX-License-Identifier: MIT
// The text report and the bundle: readable in a mailing list (no ANSI, tables within 100 columns),
// naming the device, its vectors, the address map and the findings; `doorbell report` writes the
// text and the snapshot beside it, to a directory or next to a file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabFailure } from '../../../common/errors.js';
import { main } from '../../../lab/cli/main.js';
import { openLinuxLab } from '../../../lab/linux/index.js';
import { openSimLab } from '../../../lab/sim/index.js';
import { bundlePaths, collectReport, renderReport, writeBundle } from '../../../lab/report/index.js';
import { captureSnapshot, encodeSnapshot, readSnapshotFile, type Snapshot } from '../../../lab/snapshot/index.js';
import { E1000E } from '../../fixtures/sysroots/paths.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-report-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let snap: Snapshot;
beforeAll(async () => {
  const payload = await captureSnapshot(await openLinuxLab({ root: E1000E, reason: 'test' }), { intervalMs: 0 });
  payload.findings = [{ id: 'doorbell-miss', severity: 'error', title: 'vector 3 lands on no doorbell page', detail: 'The address is not mapped in the IOAS.', bdf: '0000:00:02.0', vector: 3, evidence: { address: '0x8000040' } }];
  payload.journal = [
    { at: 1_700_000_000_000, irq: 26, bdf: '0000:00:02.0', index: 1, before: [0, 1], requested: [1], effective: [1], verdict: 'verified', detail: '' },
    { at: 1_700_000_001_000, irq: 27, bdf: '0000:00:02.0', index: 2, before: [0, 1], requested: [0], effective: [0, 1], verdict: 'pending', detail: 'effective affinity did not follow yet' },
  ];
  payload.reproduction = ['bind 0000:00:02.0 to vfio-pci', 'enable 5 MSI-X vectors with eventfds'];
  snap = { header: encodeSnapshot(payload).header, payload };
});

function mailable(text: string): void {
  expect(text.includes('\u001b')).toBe(false); // no ANSI escapes
  expect(text.endsWith('\n')).toBe(true);
  const long = text.split('\n').filter((l) => l.length > 100);
  expect(long).toEqual([]);
}

describe('renderReport', () => {
  it('has the kernel, platform, vector table, address map, findings, edits and reproduction steps', () => {
    const t = renderReport(snap);
    mailable(t);
    expect(t).toContain(`release  ${snap.payload.info.kernel.release}`);
    expect(t).toContain('intel_iommu=on');
    expect(t).toContain('Vectors of 0000:00:02.0');
    const dv = snap.payload.vectors.find((v) => v.bdf === '0000:00:02.0')!.result;
    if (!dv.ok) throw new Error('fixture device unreadable');
    for (const v of dv.value.vectors) expect(t).toMatch(new RegExp(`\\n  ${v.index}\\s+X\\s+${v.irq}\\s`));
    expect(t).toContain('Address map');
    expect(t).toMatch(/reserved\s+0xfee00000\s+0xfeefffff\s+msi/);
    expect(t).toContain('[ERROR] vector 3 lands on no doorbell page (0000:00:02.0 vector 3)');
    expect(t).toContain('address: 0x8000040');
    expect(t).toMatch(/Affinity edits \(last 2 of 2\)/);
    expect(t).toMatch(/27\s+0000:00:02.0#2\s+0-1\s+0\s+0-1\s+pending/);
    expect(t).toContain('2. enable 5 MSI-X vectors with eventfds');
  });

  it('--device narrows the vectors and the address map to one device', () => {
    const t = renderReport(snap, { device: '0000:00:02.0' });
    mailable(t);
    expect(t).toContain('group:2');
    expect(t).not.toContain('group:3');
    expect(renderReport(snap, { device: '0000:09:00.0' })).toContain('Device 0000:09:00.0: not in this snapshot');
  });

  it('without findings or journal, the sections are absent and the reproduction slot asks for steps', () => {
    const p = structuredClone(snap.payload);
    delete p.findings; delete p.journal; delete p.reproduction;
    const t = renderReport({ header: snap.header, payload: p });
    expect(t).not.toContain('Findings');
    expect(t).not.toContain('Affinity edits');
    expect(t).toContain('(none recorded: describe what you did before this state)');
  });

  it('a simulator lab with 64 vectors on a 2048-entry table stays within 100 columns', async () => {
    const c = await collectReport(await openSimLab({ scenario: 'arm64-its-smmuv3', params: {}, reason: 't' }), { intervalMs: 0 });
    mailable(c.text);
    expect(c.text).toMatch(/ITS 0x[0-9a-f]+ event \d+/);
  });
});

describe('bundle', () => {
  it('DIR gets report.txt and the snapshot; FILE gets the snapshot and PNG beside it', () => {
    const d = path.join(tmp, 'dir');
    fs.mkdirSync(d);
    expect(bundlePaths(d)).toMatchObject({ report: path.join(d, 'report.txt'), snapshot: path.join(d, 'snapshot.dbsnap'), png: path.join(d, 'window.png') });
    expect(bundlePaths(path.join(tmp, 'bug.txt'))).toMatchObject({ dir: null, snapshot: path.join(tmp, 'bug.dbsnap'), png: path.join(tmp, 'bug.png') });
    expect(bundlePaths(path.join(tmp, 'new') + '/').dir).toBe(path.join(tmp, 'new'));
  });

  it('writes the PNG it is given and refuses bytes that are not a PNG', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
    const w = writeBundle({ out: path.join(tmp, 'withpng') + '/', snapshot: encodeSnapshot(snap.payload).bytes, text: 'x\n', png });
    expect(fs.readFileSync(w.png!)).toEqual(Buffer.from(png));
    expect(() => writeBundle({ out: path.join(tmp, 'bad.txt'), snapshot: new Uint8Array(1), text: '', png: new Uint8Array(8) })).toThrow(LabFailure);
  });
});

describe('doorbell report', () => {
  async function run(...argv: string[]) {
    const out: string[] = []; const err: string[] = [];
    const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('-o DIR writes report.txt and a snapshot that opens, with progress on stderr', async () => {
    const dir = path.join(tmp, 'cli-dir') + '/';
    const r = await run('--lab', `linux:${E1000E}`, 'report', '-o', dir, '--interval', '0');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('doorbell report: reading vectors of 6 devices');
    expect(r.err).toContain('doorbell report: wrote');
    const text = fs.readFileSync(path.join(dir, 'report.txt'), 'utf8');
    mailable(text);
    expect(text).toContain('Vectors of 0000:00:02.0');
    expect(readSnapshotFile(path.join(dir, 'snapshot.dbsnap')).ok).toBe(true);
  });

  it('-o FILE --device BDF writes the text there and the snapshot beside it', async () => {
    const file = path.join(tmp, 'e1000e.txt');
    const r = await run('--lab', `linux:${E1000E}`, 'report', '-o', file, '--device', '00:02.0', '--interval', '0');
    expect(r.code, r.err).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toContain('Vectors of 0000:00:02.0');
    expect(readSnapshotFile(path.join(tmp, 'e1000e.dbsnap')).ok).toBe(true);
  });

  it('a bundle that cannot be written whole leaves nothing: not the snapshot, not a temporary, not a new directory', async () => {
    const d = fs.mkdtempSync(path.join(tmp, 'half-'));
    const fifo = path.join(d, 'bug.txt');
    execFileSync('mkfifo', [fifo]); // the report's own name is taken by something that is not a file
    const r = await run('--lab', `linux:${E1000E}`, 'report', '-o', fifo, '--interval', '0');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`doorbell report: write ${fifo}: ${fifo} is a FIFO: Doorbell writes only regular files, and would replace it with one [EEXIST 17]\n` +
      '  no file of the bundle was written\n  hint: Name a new file, or an existing regular file to replace.');
    expect(fs.readdirSync(d)).toEqual(['bug.txt']); // no bug.dbsnap written before the failure, no .tmp
    // A new directory whose report.txt cannot be written: the directory is not left behind either.
    const nd = path.join(d, 'new', 'deeper');
    const real = fs.writeSync;
    let calls = 0;
    fs.writeSync = ((...a: Parameters<typeof real>) => { if (++calls === 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' }); return real(...a); }) as typeof real;
    let w: Awaited<ReturnType<typeof run>>;
    try { w = await run('--lab', `linux:${E1000E}`, 'report', '-o', `${nd}/`, '--interval', '0'); } finally { fs.writeSync = real; }
    expect(w.code).toBe(1);
    expect(w.err).toContain(`doorbell report: write ${nd}/report.txt: write failed: ENOSPC (28, No space left on device)\n  no file of the bundle was written\n`);
    expect(fs.readdirSync(d)).toEqual(['bug.txt']);
  });

  it('-o under /proc is refused at once with the errno and what to do', async () => {
    const r = await run('--lab', `linux:${E1000E}`, 'report', '-o', '/proc/nonexistent/bundle/', '--interval', '0');
    expect(r.code).toBe(1);
    expect(r.err).toContain('doorbell report: mkdir /proc/nonexistent: ENOENT (2, No such file or directory)\n  no file of the bundle was written\n' +
      '  hint: /proc/nonexistent is on procfs, the kernel\'s own filesystem, where no file can be created: write the output to a directory on a disk (e.g. ./out).');
  });

  it('an unknown device or missing -o is a usage error', async () => {
    expect((await run('--lab', `linux:${E1000E}`, 'report', '-o', path.join(tmp, 'x.txt'), '--device', '0000:09:00.0')).code).toBe(2);
    expect((await run('--lab', `linux:${E1000E}`, 'report')).err).toContain('needs -o DIR or -o FILE');
  });
});
