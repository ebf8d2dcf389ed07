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
import { errnoText } from '../../common/errno.js';
import { errnoError, fail, LabFailure, ok, toLabError, type LabError, type Result } from '../../common/errors.js';
import {
  SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type RedactionKind, type Snapshot, type SnapshotHeader, type SnapshotPayload,
} from './format.js';
import { denseInPlace, toFileForm } from './sparse.js';
import { headerCheck, payloadCheck } from './validate.js';
import { doorbellVersion } from './version.js';

/** Refuse to inflate past this: a snapshot of a large lab is a few MiB. */
export const MAX_UNCOMPRESSED = 512 * 1024 * 1024;
/** Refuse to read more of a file than this (an uncompressed snapshot is as large as its JSON). */
export const MAX_FILE_BYTES = MAX_UNCOMPRESSED;
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
      if (code === 'ERR_BUFFER_TOO_LARGE') return refuse(file, `inflates to more than ${mib(max)}, the most Doorbell inflates of a snapshot`, NOT_OURS, { limit: max });
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

/** What kind of file `st` describes, in words. */
export function fileKind(st: fs.Stats): string {
  return st.isFile() ? 'a regular file' : st.isDirectory() ? 'a directory' : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device'
    : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
}

/** `536870912` → `512 MiB (536870912 bytes)`. */
function mib(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB (${n} bytes)` : `${n} bytes`;
}

/**
 * At most `max` bytes of the regular file `file`, whose stat (`st`, taken before: opening a FIFO
 * blocks until a writer comes, and a device may never end) the caller has. Opened O_NONBLOCK: a
 * name that became a FIFO since the stat opens at once, and fstat refuses it. Reads one byte past
 * `max` at most: the file may grow while it is read. Node's I/O errors are thrown as they come.
 */
export function readRegularFile(file: string, st: fs.Stats, max: number):
  { ok: true; bytes: Buffer } | { ok: false; notFile: fs.Stats; changed: boolean } | { ok: false; tooBig: string } {
  if (!st.isFile()) return { ok: false, notFile: st, changed: false };
  if (st.size > max) return { ok: false, tooBig: `${st.size} bytes` };
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const fst = fs.fstatSync(fd);
    if (!fst.isFile()) return { ok: false, notFile: fst, changed: true };
    const chunks: Buffer[] = [];
    let n = 0;
    for (;;) {
      const b = Buffer.allocUnsafe(Math.min(max + 1 - n, Math.max(fst.size - n + 1, 1 << 16)));
      const r = fs.readSync(fd, b, 0, b.length, null);
      if (r === 0) break;
      chunks.push(b.subarray(0, r));
      n += r;
      if (n > max) return { ok: false, tooBig: 'larger than that now (it grew while being read)' };
    }
    return { ok: true, bytes: Buffer.concat(chunks, n) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Read and decode a snapshot file; I/O errors carry their errno. Only a regular file is read, and
 * at most `maxFileBytes` of it: a FIFO would block the open and /dev/zero never ends.
 */
export function readSnapshotFile(file: string, opts: { maxFileBytes?: number; maxUncompressed?: number } = {}): Result<Snapshot> {
  const max = opts.maxFileBytes ?? MAX_FILE_BYTES;
  const notFile = (st: fs.Stats) => refuse(file, `is ${fileKind(st)}, not a snapshot file: Doorbell reads snapshots only from regular files`,
    `${NOT_OURS} To open a stream, save it to a file first.`);
  const tooBig = (size: string) => refuse(file, `is ${size}, more than the ${mib(max)} Doorbell reads from a snapshot file`, NOT_OURS,
    { limit: max });
  let bytes: Buffer;
  try {
    const r = readRegularFile(file, fs.statSync(file), max);
    if (!r.ok) return 'notFile' in r ? notFile(r.notFile) : tooBig(r.tooBig);
    bytes = r.bytes;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const hint = code === 'ENOENT' || code === 'ENOTDIR' ? `Check the path: ${file} does not exist (a snapshot is the .dbsnap file \`doorbell snapshot -o FILE\` or Report… wrote).`
      : code === 'EACCES' || code === 'EPERM' ? `You may not read ${file}: check its permissions (ls -l), or copy it somewhere you can read.`
      : 'Check the path and that you may read it.';
    return fail({ ...ioError(`read ${file}`, e, hint, file, { what: `cannot read ${file}`, reading: true }), op: OP });
  }
  return decodeSnapshot(bytes, file, opts.maxUncompressed !== undefined ? { maxUncompressed: opts.maxUncompressed } : {});
}

/**
 * Temporary files and directories this process has created and not yet renamed into place or
 * removed. An interrupted CLI (SIGINT, SIGTERM) removes them before it exits: see lab/cli/main.ts.
 */
const partial = new Set<string>();

export function trackPartial(p: string): void { partial.add(p); }
export function untrackPartial(p: string): void { partial.delete(p); }

/** Remove every tracked temporary; returns what was removed. */
export function removePartials(): string[] {
  const gone: string[] = [];
  for (const p of partial) {
    try { fs.rmSync(p, { recursive: true, force: true }); gone.push(p); } catch { /* best effort while exiting */ }
    partial.delete(p);
  }
  return gone;
}

/** A file written and fsynced under a temporary name beside its target, not yet renamed over it. */
export interface StagedFile { tmp: string; file: string; given: string }

/**
 * Check that `given` may be replaced by a regular file and write `bytes` beside it under a temporary
 * name, fsynced. rename() replaces whatever has the name: a symlink is followed to the file it names,
 * an existing file keeps its permissions, and anything else (/dev/null, a FIFO) is refused, not
 * turned into a regular file. Throws LabFailure, leaving nothing behind.
 */
export function stageFile(given: string, bytes: Uint8Array, mode = 0o644): StagedFile {
  const hint = 'Check that the directory exists, is writable and has space.';
  let file = given;
  let keep = false;
  try {
    const st = fs.lstatSync(given);
    if (st.isSymbolicLink()) file = fs.realpathSync(given);
    const real = file === given ? st : fs.statSync(file);
    if (!real.isFile()) {
      throw new LabFailure(errnoError(`write ${given}`, real.isDirectory() ? 'EISDIR' : 'EEXIST', 'Name a new file, or an existing regular file to replace.', { message: `${file} is ${fileKind(real)}: Doorbell writes only regular files, and would replace it with one`, path: given }));
    }
    mode = real.mode & 0o7777;
    keep = true;
  } catch (e) {
    if (e instanceof LabFailure) throw e;
    if ((e as { code?: string }).code !== 'ENOENT') throw new LabFailure(ioError(`write ${given}`, e, hint, given));
  }
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  let fd: number | null = null;
  let created = false;
  try {
    fd = fs.openSync(tmp, 'wx', mode);
    created = true;
    trackPartial(tmp);
    if (keep) fs.fchmodSync(fd, mode); // the umask does not change what the replaced file had
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
  } catch (e) {
    if (fd !== null) { try { fs.closeSync(fd); } catch { /* already failing */ } }
    discardStaged({ tmp, file, given });
    throw new LabFailure(ioError(`write ${file}`, e, hint, file, !created ? { what: `create a file in ${dir}`, where: dir } : {}));
  }
  return { tmp, file, given };
}

/** Rename a staged file over its target and make the rename durable. Throws LabFailure (the temporary removed). */
export function commitStaged(s: StagedFile): void {
  try {
    fs.renameSync(s.tmp, s.file);
    untrackPartial(s.tmp);
  } catch (e) {
    discardStaged(s);
    throw new LabFailure(ioError(`write ${s.file}`, e, 'Check that the directory is writable.', s.file));
  }
  syncDir(path.dirname(path.resolve(s.file)));
}

export function discardStaged(s: StagedFile): void {
  try { fs.unlinkSync(s.tmp); } catch { /* never created, or already renamed */ }
  untrackPartial(s.tmp);
}

/**
 * The rename is durable once the directory is; a filesystem that cannot fsync a directory
 * (EINVAL/EISDIR on some) still has the file in place, so that is not an error.
 */
export function syncDir(dir: string): void {
  try {
    const dfd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* best effort */ }
}

/**
 * Write `bytes` to `file` so that a reader sees either the old file or the whole new one: write a
 * temporary file in the same directory, fsync it, rename it over `file` (atomic within one
 * filesystem), then fsync the directory so the rename itself survives a crash. Throws LabFailure.
 */
export function writeFileAtomic(given: string, bytes: Uint8Array, mode = 0o644): void {
  commitStaged(stageFile(given, bytes, mode));
}

/** procfs, sysfs, debugfs: the kernel's, where a user's output never goes (statfs f_type). */
const KERNEL_FS: Record<number, string> = { 0x9fa0: 'procfs', 0x62656572: 'sysfs', 0x64626720: 'debugfs', 0x73636673: 'securityfs', 0x27e0eb: 'cgroupfs', 0x63677270: 'cgroup2' };

/** The kernel filesystem `p` (or its nearest existing ancestor) is on, or null. */
export function kernelFs(p: string): string | null {
  let d = path.resolve(p);
  for (;;) {
    try { return KERNEL_FS[Number(fs.statfsSync(d).type)] ?? null; } catch { /* not there yet: its parent */ }
    const up = path.dirname(d);
    if (up === d) return null;
    d = up;
  }
}

/**
 * A LabError for a failed file operation: `what: ENAME (n, text)` (the errno once, name and number),
 * the path, and what to do — with a hint of its own when the path is on procfs or sysfs, where no
 * output file can be created. `what` defaults to the system call that failed.
 */
export function ioError(op: string, caught: unknown, hint: string, file: string, opts: { what?: string; where?: string; reading?: boolean } = {}): LabError {
  const c = (caught ?? {}) as { code?: unknown; errno?: unknown; syscall?: unknown };
  const e = toLabError(op, caught, hint);
  // Node's errno is negative; its code is the name, also for numbers common/errno.ts does not list.
  if (typeof c.code === 'string' && /^E[A-Z0-9]+$/.test(c.code) && typeof c.errno === 'number') {
    const num = Math.abs(c.errno);
    const text = errnoText(num);
    e.errno = num;
    e.errnoName = c.code;
    const what = opts.what ?? `${typeof c.syscall === 'string' ? c.syscall : op} failed`;
    e.message = `${what ? `${what}: ` : ''}${c.code} (${num}${text.startsWith('errno ') ? '' : `, ${text}`})`;
  }
  e.path = file;
  const where = opts.where ?? file;
  const kfs = opts.reading ? null : kernelFs(where);
  if (kfs) e.hint = `${where} is on ${kfs}, the kernel's own filesystem, where no file can be created: write the output to a directory on a disk (e.g. ./out).`;
  return e;
}

/**
 * mkdir -p that names the directory it could not create, with its errno. Node's recursive mkdir is
 * not used: on procfs (mkdir /proc/x answers ENOENT while /proc exists) it retries forever.
 */
export function mkdirp(dir: string, created: string[] = []): string[] {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  for (let d = abs; ; d = path.dirname(d)) {
    try {
      const st = fs.statSync(d);
      if (!st.isDirectory()) throw new LabFailure(errnoError(`mkdir ${abs}`, 'ENOTDIR', 'Choose a path whose parents are directories.', { path: d, message: `${d} is ${fileKind(st)}, not a directory` }));
      break;
    } catch (e) {
      if (e instanceof LabFailure) throw e;
      if ((e as { code?: string }).code !== 'ENOENT' || path.dirname(d) === d) throw new LabFailure(ioError(`stat ${d}`, e, 'Choose a directory you can write to.', d, { what: '' }));
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) {
    try { fs.mkdirSync(d); created.push(d); } catch (e) {
      if ((e as { code?: string }).code === 'EEXIST' && fs.statSync(d).isDirectory()) continue;
      throw new LabFailure(ioError(`mkdir ${d}`, e, 'Choose a directory you can write to.', d, { what: '' }));
    }
  }
  return created;
}
