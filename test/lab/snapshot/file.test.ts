// SPDX-License-Identifier: MIT
// The file format: encode/decode, atomic writes, redaction, and refusal of every damaged, foreign
// or newer file with a LabError naming the file and what was wrong — never an exception.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLabError, LabFailure } from '../../../common/errors.js';
import { openLinuxLab } from '../../../lab/linux/index.js';
import {
  captureSnapshot, decodeSnapshot, encodeSnapshot, openSnapshotLab, readSnapshotFile, redactPayload, writeFileAtomic,
  SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type SnapshotPayload,
} from '../../../lab/snapshot/index.js';
import { MAX_FILE_BYTES, sha256 } from '../../../lab/snapshot/file.js';
import { toFileForm } from '../../../lab/snapshot/sparse.js';
import { E1000E } from '../../fixtures/sysroots/paths.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-snap-file-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let payload: SnapshotPayload;
let good: Buffer;
beforeAll(async () => {
  const lab = await openLinuxLab({ root: E1000E, reason: 'test' });
  payload = await captureSnapshot(lab, { intervalMs: 0 });
  payload.findings = [{ id: 'doorbell-miss', severity: 'error', title: 'vector 3 misses every doorbell', detail: 'address 0x8000040 is not mapped', bdf: '0000:00:02.0', vector: 3, evidence: { address: '0x8000040' } }];
  payload.journal = [{ at: 1, irq: 26, bdf: '0000:00:02.0', index: 1, before: [0, 1], requested: [1], effective: [1], verdict: 'verified', detail: '' }];
  payload.reproduction = ['bind 0000:00:02.0 to vfio-pci', 'enable 5 MSI-X vectors'];
  good = encodeSnapshot(payload).bytes;
});

/** Build a file from a header and payload text of our choosing (for hostile inputs). */
function forge(header: Record<string, unknown>, body: string, gzip = true): Buffer {
  const plain = Buffer.from(`${JSON.stringify(header)}\n${body}`);
  return gzip ? zlib.gzipSync(plain) : plain;
}
function headerFor(body: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const b = Buffer.from(body);
  return {
    format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, createdAt: '2026-01-02T03:04:05.000Z', doorbell: '0.1.0',
    lab: { backend: 'linux', spec: 'linux', title: 't' }, payloadBytes: b.length, sha256: sha256(b), redacted: [], ...extra,
  };
}
function refused(bytes: Uint8Array, file = '/x/snap.dbsnap', max?: number): { message: string; hint: string; op: string; path?: string } {
  const r = decodeSnapshot(bytes, file, max ? { maxUncompressed: max } : {});
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('accepted');
  expect(isLabError(r.error)).toBe(true);
  expect(r.error.op).toBe('open snapshot');
  expect(r.error.path).toBe(file);
  expect(r.error.message).toContain(file);
  expect(r.error.hint.length).toBeGreaterThan(10);
  return r.error;
}

describe('encode and decode', () => {
  it('round-trips the payload exactly and the header describes it', () => {
    const r = decodeSnapshot(good, 'f');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.payload).toEqual(JSON.parse(JSON.stringify(payload)));
    expect(r.value.header.format).toBe(SNAPSHOT_FORMAT);
    expect(r.value.header.version).toBe(SNAPSHOT_VERSION);
    expect(r.value.header.createdAt).toBe(new Date(payload.samples[1].at).toISOString());
    expect(r.value.header.lab.spec).toBe(payload.info.spec);
    expect(r.value.header.doorbell).toBe(JSON.parse(fs.readFileSync('package.json', 'utf8')).version);
  });

  it('has a header line that zcat | head -1 shows', () => {
    const first = zlib.gunzipSync(good).toString('utf8').split('\n', 1)[0]!;
    expect(JSON.parse(first)).toMatchObject({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION });
  });

  it('version 2 writes every count array sparse and nothing dense', () => {
    const text = zlib.gunzipSync(good).toString('utf8');
    const file = JSON.parse(text.slice(text.indexOf('\n') + 1)) as { samples: { irqs: [number, unknown][] }[]; vectors: { result: { ok: boolean; value?: { vectors: { counts: { ok: boolean; value: unknown } }[] } } }[] };
    const sampleCounts = file.samples.flatMap((s) => s.irqs.map(([, c]) => c));
    const rowCounts = file.vectors.flatMap((v) => (v.result.ok ? v.result.value!.vectors.filter((r) => r.counts.ok).map((r) => r.counts.value) : []));
    expect(sampleCounts.length).toBeGreaterThan(10);
    expect(rowCounts.length).toBeGreaterThan(3);
    for (const c of [...sampleCounts, ...rowCounts]) expect(c).toEqual({ n: expect.any(Number), nz: expect.any(Array) });
    // The e1000e tree has non-zero counters: they survive as pairs and come back in place.
    const nonZero = payload.samples[0].irqs.find(([, c]) => c.some((x) => x > 0))!;
    const [irq, dense] = nonZero;
    const sparse = file.samples[0]!.irqs.find(([i]) => i === irq)![1] as { n: number; nz: number[] };
    expect(sparse.n).toBe(dense.length);
    expect(sparse.nz).toEqual(dense.flatMap((x, cpu) => (x !== 0 ? [cpu, x] : [])));
  });

  it('still reads version 1 (dense count arrays), and refuses dense arrays in a version 2 file', () => {
    const body = JSON.stringify(payload);
    const r = decodeSnapshot(forge(headerFor(body, { version: 1 }), body), 'v1.dbsnap');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.header.version).toBe(1);
      expect(r.value.payload).toEqual(JSON.parse(body));
    }
    const e = refused(forge(headerFor(body), body)) as { message: string; detail?: Record<string, unknown> };
    expect(e.message).toContain('payload.samples[0].irqs[0][1] should be sparse counts');
    expect(e.detail?.field).toBe('payload.samples[0].irqs[0][1]');
  });

  it('refuses malformed sparse counts with the JSON path', () => {
    const fileForm = () => JSON.parse(JSON.stringify(toFileForm(payload))) as { samples: { irqs: [number, { n: unknown; nz: unknown[]; [k: string]: unknown }][] }[]; vectors: { result: { value: { vectors: { counts: { value: { n: unknown; nz: unknown[] } } }[] } } }[] };
    const row0 = fileForm().vectors.findIndex((v) => v.result.value?.vectors.length > 0);
    const cases: [string, (f: ReturnType<typeof fileForm>) => void, RegExp][] = [
      ['payload.samples[0].irqs[0][1].n', (f) => { f.samples[0]!.irqs[0]![1].n = -1; }, /integer from 0 to 65536/],
      ['payload.samples[0].irqs[0][1].n', (f) => { f.samples[0]!.irqs[0]![1].n = 1e9; }, /integer from 0 to 65536/],
      ['payload.samples[1].irqs[2][1].nz', (f) => { f.samples[1]!.irqs[2]![1].nz = [1]; }, /pairs/],
      ['payload.samples[1].irqs[2][1].nz[2]', (f) => { f.samples[1]!.irqs[2]![1].nz = [1, 5, 1, 6]; }, /increasing/],
      ['payload.samples[1].irqs[2][1].nz[0]', (f) => { const c = f.samples[1]!.irqs[2]![1]; c.nz = [c.n, 5]; }, /below/],
      ['payload.samples[1].irqs[2][1].nz[1]', (f) => { f.samples[1]!.irqs[2]![1].nz = [0, 0]; }, /non-zero count/],
      ['payload.samples[1].irqs[2][1].nz[1]', (f) => { f.samples[1]!.irqs[2]![1].nz = [0, -3]; }, /non-zero count/],
      ['payload.samples[0].irqs[0][1].dense', (f) => { f.samples[0]!.irqs[0]![1].dense = [0]; }, /no such field/],
      [`payload.vectors[${row0}].result.value.vectors[0].counts.value`, (f) => { f.vectors[row0]!.result.value.vectors[0]!.counts.value = [0, 0] as never; }, /sparse counts/],
    ];
    for (const [field, mutate, why] of cases) {
      const f = fileForm();
      mutate(f);
      const body = JSON.stringify(f);
      const e = refused(forge(headerFor(body), body)) as { message: string; detail?: Record<string, unknown> };
      expect(e.detail?.field, field).toBe(field);
      expect(e.message, field).toMatch(why);
    }
  });

  it('also reads an uncompressed (gunzipped) snapshot', () => {
    const r = decodeSnapshot(zlib.gunzipSync(good), 'f');
    expect(r.ok).toBe(true);
  });
});

describe('refusals', () => {
  it('an empty file', () => { expect(refused(Buffer.alloc(0)).message).toContain('empty'); });

  it('a file that is neither gzip nor JSON', () => {
    expect(refused(Buffer.from('PK\x03\x04zipfile')).message).toMatch(/not a Doorbell snapshot.*50 4b 03 04/);
  });

  it('valid gzip of JSON that is not a snapshot', () => {
    expect(refused(zlib.gzipSync(Buffer.from('{"name":"doorbell","version":"0.1.0"}'))).message).toContain('no header line');
    expect(refused(zlib.gzipSync(Buffer.from('{"name":"x"}\n{}'))).message).toContain('"format": "doorbell-snapshot"');
    expect(refused(zlib.gzipSync(Buffer.from('[1,2]\n{}'))).message).toContain('not a Doorbell snapshot');
    expect(refused(zlib.gzipSync(Buffer.from('not json\n{}'))).message).toContain('first line is not a JSON header');
  });

  it('wrong magic in the format field', () => {
    const body = JSON.stringify(toFileForm(payload));
    expect(refused(forge(headerFor(body, { format: 'doorbell-snapshop' }), body)).message).toContain('not a Doorbell snapshot');
  });

  it('a newer format version names both versions and says to upgrade', () => {
    const body = JSON.stringify(toFileForm(payload));
    const e = refused(forge(headerFor(body, { version: SNAPSHOT_VERSION + 1, doorbell: '9.0.0' }), body));
    expect(e.message).toContain(`format version ${SNAPSHOT_VERSION + 1}`);
    expect(e.message).toContain(`up to ${SNAPSHOT_VERSION}`);
    expect(e.hint).toContain('9.0.0');
  });

  it('an unknown version', () => {
    const body = JSON.stringify(toFileForm(payload));
    for (const v of [0, -1, 1.5, '1', null]) expect(refused(forge(headerFor(body, { version: v }), body)).message).toContain('unknown snapshot format version');
  });

  it('a malformed header names the field', () => {
    const body = JSON.stringify(toFileForm(payload));
    expect(refused(forge(headerFor(body, { sha256: 'abc' }), body)).message).toContain('header.sha256');
    expect(refused(forge(headerFor(body, { extra: 1 }), body)).message).toContain('header.extra');
  });

  it('a payload that does not match its checksum or length', () => {
    const body = JSON.stringify(toFileForm(payload));
    const h = headerFor(body);
    expect(refused(forge(h, body.replace('"linux"', '"Linux"'))).message).toContain('sha256');
    expect(refused(forge(h, body.slice(0, -10))).message).toContain('truncated');
  });

  it('a payload with missing fields or wrong types, deep inside', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- hostile edits of arbitrary JSON
    type J = Record<string, any>;
    const cases: [string, (p: J) => void][] = [
      ['payload.devices', (p) => { delete p.devices; }],
      ['payload.cpus.online[0]', (p) => { p.cpus.online[0] = 'zero'; }],
      ['payload.vectors[2].result.value.vectors[1].message.value.address', (p) => { p.vectors[2].result.value.vectors[1].message = { ok: true, value: { address: 4276093496, data: 0 }, from: { source: 'config', at: 0 } }; }],
      ['payload.devices[0].binding.kind', (p) => { p.devices[0].binding = { kind: 'vfio-magic' }; }],
      ['payload.samples', (p) => { p.samples.pop(); }],
      ['payload.vectors', (p) => { p.vectors.pop(); }],
      ['payload.info.kernel.release', (p) => { p.info.kernel.release = null; }],
      ['payload.kernelLog', (p) => { p.kernelLog = {}; }],
      ['payload.surprise', (p) => { p.surprise = true; }],
      ['payload.findings[0].severity', (p) => { p.findings[0].severity = 'fatal'; }],
      ['payload.journal[0].requested', (p) => { delete p.journal[0].requested; }],
    ];
    for (const [field, mutate] of cases) {
      const p = JSON.parse(JSON.stringify(payload)) as J;
      mutate(p);
      const body = JSON.stringify(toFileForm(p as unknown as SnapshotPayload));
      const e = refused(forge(headerFor(body), body)) as { message: string; detail?: Record<string, unknown> };
      expect(e.message, field).toContain(`does not match snapshot format version ${SNAPSHOT_VERSION}`);
      expect(e.detail?.field, field).toBe(field);
    }
  });

  it('the file truncated at many offsets', () => {
    const offsets = new Set<number>([1, 2, 9, 10, 11, good.length - 1, good.length - 4, good.length - 8]);
    for (let i = 0; i < 64; i++) offsets.add(Math.floor((good.length * i) / 64));
    for (const n of offsets) {
      if (n >= good.length) continue;
      expect(refused(good.subarray(0, n)).message, `at ${n}`).toMatch(/truncated|corrupted|empty|not a Doorbell snapshot/);
    }
  });

  it('single flipped bytes anywhere', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 200; i++) {
      const b = Buffer.from(good);
      const at = i < 20 ? i : next() % b.length;
      b[at] = b[at]! ^ (1 + (next() % 255));
      const r = decodeSnapshot(b, 'f');
      // Some flips change no byte of what the file holds: the gzip header's MTIME/XFL/OS, the
      // padding bits after deflate's last block, a code length of a symbol the block never uses
      // (6 of the ~26 000 single-bit flips of one such file). Those read the same snapshot; any other is refused.
      if (r.ok) expect(zlib.gunzipSync(b).equals(zlib.gunzipSync(good)), `flip at ${at} accepted, and it changed the content`).toBe(true);
      else expect(isLabError(r.error)).toBe(true);
    }
  });

  it('a gzip bomb is refused without inflating it all', () => {
    const big = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
    expect(big.length).toBeLessThan(64 * 1024);
    expect(refused(big, 'f', 1024 * 1024).message).toBe('f inflates to more than 1 MiB (1048576 bytes), the most Doorbell inflates of a snapshot');
  });
});

describe('files', () => {
  it('writes atomically: no temporary file is left and a reader sees the old or the new file', () => {
    const f = path.join(tmp, 'a.dbsnap');
    writeFileAtomic(f, Buffer.from('old'));
    writeFileAtomic(f, good);
    expect(fs.readFileSync(f)).toEqual(good);
    expect(fs.readdirSync(tmp).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('never turns a device, a FIFO or a directory into a file; follows a symlink; keeps an existing file\'s mode', () => {
    const d = fs.mkdtempSync(path.join(tmp, 'targets-'));
    const fifo = path.join(d, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // (A FIFO stands for /dev/null & co: a test that replaced a real device node would break the machine.)
    for (const [target, errno, what] of [[fifo, 'EEXIST', 'a FIFO'], [d, 'EISDIR', 'a directory']] as const) {
      try {
        writeFileAtomic(target, good);
        expect.unreachable();
      } catch (e) {
        expect((e as LabFailure).error).toMatchObject({ op: `write ${target}`, errnoName: errno });
        expect((e as LabFailure).error.message).toContain(`is ${what}: Doorbell writes only regular files`);
      }
    }
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
    // A symlink to a file: the file is replaced, the link stays a link.
    const real = path.join(d, 'real.dbsnap');
    const link = path.join(d, 'link.dbsnap');
    fs.writeFileSync(real, 'old', { mode: 0o600 });
    fs.chmodSync(real, 0o600);
    fs.symlinkSync(real, link);
    writeFileAtomic(link, good);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(real)).toEqual(good);
    // A private snapshot stays private when it is written again.
    expect(fs.statSync(real).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(d).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a failed write keeps the old file and reports the errno', () => {
    const f = path.join(tmp, 'no-such-dir', 'a.dbsnap');
    try {
      writeFileAtomic(f, good);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LabFailure);
      expect((e as LabFailure).error).toMatchObject({ errnoName: 'ENOENT', path: f });
    }
  });

  it('a FIFO is refused without reading from it (it would block, or never end like /dev/zero)', async () => {
    const fifo = path.join(fs.mkdtempSync(path.join(tmp, 'fifo-')), 'stream.dbsnap');
    execFileSync('mkfifo', [fifo]);
    // A writer that sends a few bytes and closes, so that a reader that does open the FIFO returns
    // (with a different refusal) instead of blocking this test; it is ended below if nothing read.
    const writer = spawn('sh', ['-c', `printf '{"junk":1}' > '${fifo}'`], { stdio: 'ignore' });
    try {
      const r = readSnapshotFile(fifo);
      expect(r).toMatchObject({ ok: false, error: { op: 'open snapshot', path: fifo } });
      if (r.ok) return;
      expect(r.error.message).toBe(`${fifo} is a FIFO, not a snapshot file: Doorbell reads snapshots only from regular files`);
      expect(r.error.hint).toContain('To open a stream, save it to a file first.');
    } finally {
      writer.kill();
    }
  });

  it('a file past the size limit is refused before it is read, naming the limit', () => {
    const f = path.join(tmp, 'huge.dbsnap');
    const fd = fs.openSync(f, 'w');
    fs.ftruncateSync(fd, MAX_FILE_BYTES + 1); // sparse: no disk space used
    fs.closeSync(fd);
    const r = readSnapshotFile(f);
    expect(r).toMatchObject({ ok: false, error: { op: 'open snapshot', path: f, detail: { limit: MAX_FILE_BYTES } } });
    if (!r.ok) expect(r.error.message).toBe(`${f} is ${MAX_FILE_BYTES + 1} bytes, more than the 512 MiB (536870912 bytes) Doorbell reads from a snapshot file`);
    fs.rmSync(f);
    // The same limit, smaller, on a real file.
    const small = path.join(tmp, 'small-limit.dbsnap');
    fs.writeFileSync(small, good);
    const s = readSnapshotFile(small, { maxFileBytes: 64 });
    if (!s.ok) expect(s.error.message).toBe(`${small} is ${good.length} bytes, more than the 64 bytes Doorbell reads from a snapshot file`);
    expect(s.ok).toBe(false);
    expect(readSnapshotFile(small).ok).toBe(true);
  });

  it('a file written into a directory that does not exist names the directory, the errno once, and its number', () => {
    const f = path.join(tmp, 'absent', 'a.dbsnap');
    try {
      writeFileAtomic(f, good);
      expect.unreachable();
    } catch (e) {
      expect((e as LabFailure).error).toMatchObject({ op: `write ${f}`, errno: 2, errnoName: 'ENOENT', path: f,
        message: `create a file in ${path.dirname(f)}: ENOENT (2, No such file or directory)` });
    }
  });

  it('opening a missing file, a directory, or a damaged file is a LabError', async () => {
    const missing = path.join(tmp, 'missing.dbsnap');
    // The errno once, with its number, and what a snapshot file is; not Node's "ENOENT: …, stat '…'".
    expect(readSnapshotFile(missing)).toMatchObject({ ok: false, error: { op: 'open snapshot', errnoName: 'ENOENT', errno: 2, path: missing,
      message: `cannot read ${missing}: ENOENT (2, No such file or directory)`, hint: expect.stringContaining('doorbell snapshot -o FILE') } });
    expect(readSnapshotFile('/proc/no-such-snapshot')).toMatchObject({ ok: false, error: { hint: expect.stringContaining('does not exist') } });
    expect(readSnapshotFile(tmp)).toMatchObject({ ok: false, error: { message: expect.stringContaining('directory') } });
    const f = path.join(tmp, 'cut.dbsnap');
    fs.writeFileSync(f, good.subarray(0, good.length >> 1));
    await expect(openSnapshotLab({ file: f, reason: 't' })).rejects.toMatchObject({ error: { op: 'open snapshot', path: f, message: expect.stringContaining('truncated') } });
  });
});

describe('redaction', () => {
  it('removes the hostname wherever it appears, serial numbers, and the command line on request', () => {
    const p = structuredClone(payload);
    p.info.hostname = 'lab-host-17';
    p.info.title = 'linux (lab-host-17)';
    p.info.kernel.cmdline = 'root=UUID=1234 hostname=lab-host-17';
    p.info.features.push({ id: 'dsn', name: 'Device Serial Number', state: 'yes', how: 'DSN 00-11-22-33-44-55-66-77 on 0000:00:02.0' });
    (p.findings![0]!.evidence as Record<string, string>).serial = 'ABC123';
    const { payload: r, redacted } = redactPayload(p, { hostname: true, serials: true });
    expect(redacted).toEqual(['hostname', 'serial-numbers']);
    const text = JSON.stringify(r);
    expect(text).not.toContain('lab-host-17');
    expect(text).not.toContain('00-11-22-33-44-55-66-77');
    expect(text).not.toContain('ABC123');
    expect(r.info.kernel.cmdline).toContain('root=UUID=1234');
    const all = redactPayload(p, { hostname: true, serials: true, cmdline: true });
    expect(all.payload.info.kernel.cmdline).toBe('(redacted)');
    // Still a valid snapshot, and the header lists what was removed.
    const enc = encodeSnapshot(all.payload, { redacted: all.redacted });
    const d = decodeSnapshot(enc.bytes, 'f');
    expect(d.ok && d.value.header.redacted).toEqual(['hostname', 'serial-numbers', 'kernel-cmdline']);
    expect(p.info.hostname).toBe('lab-host-17'); // the input is not modified
  });
});
