// SPDX-License-Identifier: MIT
// Encoding, decoding and atomic writing of snapshot files (docs/snapshot-format.md):
//   gzip( <header JSON> "\n" <payload JSON> )
// The header carries the payload's byte length and sha256, so a truncated or altered payload is
// refused even when the gzip layer (CRC32 and ISIZE) somehow passes. Decoding never throws: every
// failure is a LabError naming the file, what was wrong and what to do.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { errnoError, fail, LabFailure, ok, toLabError, type LabError, type Result } from '../../common/errors.js';
import {
  SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type RedactionKind, type Snapshot, type SnapshotHeader, type SnapshotPayload,
} from './format.js';
import { denseInPlace, toFileForm } from './sparse.js';
import { headerCheck, payloadCheck } from './validate.js';
import { doorbellVersion } from './version.js';

/** Refuse to inflate past this: a snapshot of a large lab is a few MiB. */
export const MAX_UNCOMPRESSED = 512 * 1024 * 1024;
const MAX_HEADER = 64 * 1024;

const OP = 'open snapshot';
const RETAKE = 'The file is damaged: take the snapshot again (`doorbell snapshot -o FILE`) or ask for a fresh copy.';
const NOT_OURS = 'Open a file written by `doorbell snapshot` or by the bug-report action (usually *.dbsnap).';

export function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** Serialise and compress a payload; the header is derived from it. */
export function encodeSnapshot(payload: SnapshotPayload, opts: { redacted?: RedactionKind[] } = {}): { bytes: Buffer; header: SnapshotHeader } {
  const body = Buffer.from(JSON.stringify(toFileForm(payload)), 'utf8');
  const header: SnapshotHeader = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    createdAt: new Date(payload.samples[1].at).toISOString(),
    doorbell: doorbellVersion(),
    lab: { backend: payload.info.backend, spec: payload.info.spec, title: payload.info.title },
    payloadBytes: body.length,
    sha256: sha256(body),
    redacted: [...(opts.redacted ?? [])],
  };
  const plain = Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), body]);
  // Level 6 (zlib's default): measured on a 512-CPU lab's payload when it was 17 MB of dense
  // counts, 4× faster than level 9 for a file ~13 % larger.
  return { bytes: zlib.gzipSync(plain, { level: 6 }), header };
}

function refuse(file: string, message: string, hint: string, detail?: LabError['detail']): Result<never> {
  return fail({ op: OP, path: file, message: `${file} ${message}`, hint, ...(detail ? { detail } : {}) });
}

function firstBytes(b: Uint8Array): string {
  return [...b.subarray(0, 4)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Decode and fully validate a snapshot. `file` names it in errors. */
export function decodeSnapshot(bytes: Uint8Array, file: string, opts: { maxUncompressed?: number } = {}): Result<Snapshot> {
  try {
    return decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), file, opts.maxUncompressed ?? MAX_UNCOMPRESSED);
  } catch (e) {
    // Nothing above is expected to throw; if it does, it is still an error about this file.
    return fail({ ...toLabError(OP, e), path: file });
  }
}

function decode(buf: Buffer, file: string, max: number): Result<Snapshot> {
  if (buf.length === 0) return refuse(file, 'is empty (0 bytes)', RETAKE);
  let plain: Buffer;
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      plain = zlib.gunzipSync(buf, { maxOutputLength: max });
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (code === 'ERR_BUFFER_TOO_LARGE') return refuse(file, `inflates to more than ${max} bytes, which no snapshot does`, NOT_OURS);
      const truncated = code === 'Z_BUF_ERROR' || /unexpected end/i.test((e as Error).message);
      return refuse(file, `is ${truncated ? 'truncated' : 'corrupted'}: the gzip stream ${truncated ? 'ends early' : 'is damaged'} (${(e as Error).message})`, RETAKE,
        { zlib: code || 'error' });
    }
  } else if (buf[0] === 0x7b /* { */) {
    plain = buf; // an uncompressed snapshot (e.g. after gunzip for inspection) reads the same
  } else {
    return refuse(file, `is not a Doorbell snapshot: it is neither gzip-compressed nor JSON (it starts with ${firstBytes(buf)})`, NOT_OURS);
  }

  const nl = plain.indexOf(0x0a);
  if (nl < 0 || nl > MAX_HEADER) {
    return refuse(file, 'is not a Doorbell snapshot: it has no header line', NOT_OURS);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(plain.subarray(0, nl).toString('utf8'));
  } catch {
    return refuse(file, 'is not a Doorbell snapshot: its first line is not a JSON header', NOT_OURS);
  }
  const h = raw as Record<string, unknown> | null;
  if (typeof h !== 'object' || h === null || Array.isArray(h) || h.format !== SNAPSHOT_FORMAT) {
    return refuse(file, `is not a Doorbell snapshot: its header has no "format": "${SNAPSHOT_FORMAT}"`, NOT_OURS);
  }
  if (typeof h.version !== 'number' || !Number.isInteger(h.version) || h.version < 1) {
    return refuse(file, `has an unknown snapshot format version ${JSON.stringify(h.version)}`, NOT_OURS);
  }
  if (h.version > SNAPSHOT_VERSION) {
    const by = typeof h.doorbell === 'string' ? ` by Doorbell ${h.doorbell.slice(0, 32)}` : '';
    return refuse(file, `was written${by} in snapshot format version ${h.version}; this Doorbell (${doorbellVersion()}) reads versions up to ${SNAPSHOT_VERSION}`,
      `Open it with a newer Doorbell${by ? ` (${String(h.doorbell).slice(0, 32)} or later)` : ''}, or ask for a snapshot taken with Doorbell ${doorbellVersion()}.`,
      { version: h.version });
  }
  const hr = headerCheck.parse(raw, 'header');
  if (!hr.ok) return refuse(file, `has a malformed header: ${hr.path} should be ${hr.expected}, got ${hr.got}`, RETAKE, { field: hr.path });
  const header = hr.value;

  const body = plain.subarray(nl + 1);
  if (body.length !== header.payloadBytes) {
    return refuse(file, `is ${body.length < header.payloadBytes ? 'truncated' : 'corrupted'}: the payload has ${body.length} bytes, the header says ${header.payloadBytes}`, RETAKE,
      { payloadBytes: body.length, expected: header.payloadBytes });
  }
  const sum = sha256(body);
  if (sum !== header.sha256) {
    return refuse(file, `is corrupted: the payload's sha256 ${sum.slice(0, 16)}… does not match the header's ${header.sha256.slice(0, 16)}…`, RETAKE);
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return refuse(file, `has a payload that is not valid JSON (${(e as Error).message})`, RETAKE);
  }
  // Version 2 writes count arrays sparse (sparse.ts); the check below is of the model's dense form.
  const sr = header.version >= 2 ? denseInPlace(json, 'payload') : null;
  const pr = sr ?? payloadCheck.parse(json, 'payload');
  if (!pr.ok) {
    return refuse(file, `does not match snapshot format version ${header.version}: ${pr.path} should be ${pr.expected}, got ${pr.got}`,
      'The file was written by a different or modified program; take the snapshot again with this Doorbell.', { field: pr.path });
  }
  return ok({ header, payload: pr.value });
}

/** Read and decode a snapshot file; I/O errors carry their errno. */
export function readSnapshotFile(file: string): Result<Snapshot> {
  let bytes: Buffer;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) return refuse(file, 'is a directory, not a snapshot file', NOT_OURS);
    if (st.size > MAX_UNCOMPRESSED) return refuse(file, `is ${st.size} bytes, larger than any snapshot`, NOT_OURS);
    bytes = fs.readFileSync(file);
  } catch (e) {
    return fail({ ...toLabError(`read ${file}`, e, 'Check the path and that you may read it.'), op: OP, path: file });
  }
  return decodeSnapshot(bytes, file);
}

/**
 * Write `bytes` to `file` so that a reader sees either the old file or the whole new one: write a
 * temporary file in the same directory, fsync it, rename it over `file` (atomic within one
 * filesystem), then fsync the directory so the rename itself survives a crash. Throws LabFailure.
 */
export function writeFileAtomic(given: string, bytes: Uint8Array, mode = 0o644): void {
  const hint = 'Check that the directory exists, is writable and has space.';
  // rename() replaces whatever has the name: a symlink is followed to the file it names, an
  // existing file keeps its permissions, and anything else (/dev/null, a FIFO) is refused, not
  // turned into a regular file.
  let file = given;
  let keep = false;
  try {
    const st = fs.lstatSync(given);
    if (st.isSymbolicLink()) file = fs.realpathSync(given);
    const real = file === given ? st : fs.statSync(file);
    if (!real.isFile()) {
      const what = real.isDirectory() ? 'a directory' : real.isCharacterDevice() ? 'a character device' : real.isBlockDevice() ? 'a block device' : real.isFIFO() ? 'a FIFO' : real.isSocket() ? 'a socket' : 'not a regular file';
      throw new LabFailure(errnoError(`write ${given}`, real.isDirectory() ? 'EISDIR' : 'EEXIST', 'Name a new file, or an existing regular file to replace.', { message: `${file} is ${what}: Doorbell writes only regular files, and would replace it with one`, path: given }));
    }
    mode = real.mode & 0o7777;
    keep = true;
  } catch (e) {
    if (e instanceof LabFailure) throw e;
    if ((e as { code?: string }).code !== 'ENOENT') throw new LabFailure({ ...toLabError(`write ${given}`, e, hint), path: given });
  }
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx', mode);
    if (keep) fs.fchmodSync(fd, mode); // the umask does not change what the replaced file had
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== null) { try { fs.closeSync(fd); } catch { /* already failing */ } }
    try { fs.unlinkSync(tmp); } catch { /* never created, or already renamed */ }
    throw new LabFailure({ ...toLabError(`write ${file}`, e, hint), path: file });
  }
  // The rename is durable once the directory is; a filesystem that cannot fsync a directory
  // (EINVAL/EISDIR on some) still has the file in place, so that is not an error.
  try {
    const dfd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* best effort */ }
}
