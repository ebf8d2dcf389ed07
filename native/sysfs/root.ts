// SPDX-License-Identifier: MIT
// Every kernel file Doorbell reads is read under a root directory (default '/'), so a captured tree
// of /proc and /sys stands in for a machine, like `lscpu --sysroot` and hwloc's HWLOC_FSROOT.
// Failures become LabFailures that name the file (as the kernel path and the real path) and, for
// parse errors, the line.
import fs from 'node:fs';
import path from 'node:path';
import { errnoError, LabFailure, type LabError } from '../../common/errors.js';
import { ERRNO, type ErrnoName } from '../../common/errno.js';

/*
 * One scratch buffer for every read, and no fstat: sysfs attributes and the /proc/irq/N files are
 * single seq_file records (at most a page), returned whole by one read(2) into a larger buffer, so
 * a short read there is the end of the file (as it is for a regular file in a captured tree).
 * Multi-record seq_files (/proc/interrupts) return about a page per read(2) and are read until 0.
 * readFileSync spends five syscalls on a 6-byte attribute (open, fstat, read, read, close) and a
 * fresh buffer on every read; a whole-machine snapshot reads ~40,000 of them (npm run bench).
 */
let scratch = Buffer.allocUnsafe(1 << 16);

function singleRecord(kpath: string): boolean {
  return kpath.startsWith('/sys/') || kpath.startsWith('/proc/irq/');
}

/** Read `real` into `scratch` (grown as needed); returns the byte count. Throws the fs error. */
function readScratch(real: string, single: boolean): number {
  const fd = fs.openSync(real, 'r');
  try {
    let n = 0;
    for (;;) {
      if (n === scratch.length) {
        const grown = Buffer.allocUnsafe(Math.max(1 << 16, scratch.length * 2));
        scratch.copy(grown, 0, 0, n);
        scratch = grown;
      }
      const r = fs.readSync(fd, scratch, n, scratch.length - n, null);
      if (r === 0) break;
      n += r;
      if (single && n < scratch.length) break;
    }
    return n;
  } finally {
    fs.closeSync(fd);
  }
}

export class SysRoot {
  readonly dir: string;
  constructor(dir = '/') {
    this.dir = path.resolve(dir);
  }

  get isHost(): boolean {
    return this.dir === '/';
  }

  /** Real path of a kernel path (`/proc/interrupts` → `<root>/proc/interrupts`). */
  p(kpath: string): string {
    return this.isHost ? kpath : path.join(this.dir, kpath);
  }

  /** Read a text file; throws LabFailure with the errno. */
  text(kpath: string, hint = 'Check that the file exists and is readable (some need root).'): string {
    try {
      const n = readScratch(this.p(kpath), singleRecord(kpath)); // first: it may replace `scratch`
      return scratch.toString('latin1', 0, n);
    } catch (e) {
      throw new LabFailure(fsError(`read ${kpath}`, e, this.p(kpath), hint));
    }
  }

  /** Read a text file, or null when it does not exist (ENOENT/ENOTDIR). */
  textOr(kpath: string): string | null {
    try {
      const n = readScratch(this.p(kpath), singleRecord(kpath)); // first: it may replace `scratch`
      return scratch.toString('latin1', 0, n);
    } catch (e) {
      if (isMissing(e)) return null;
      throw new LabFailure(fsError(`read ${kpath}`, e, this.p(kpath), 'Check permissions (some files need root).'));
    }
  }

  /** The file's bytes (a copy the caller keeps). */
  bytes(kpath: string): Buffer {
    return this.withBytes(kpath, (b) => Buffer.from(b));
  }

  /**
   * Lend the file's bytes to `use` without copying them: the view is valid only until `use`
   * returns, and `use` must not read another file (the same scratch buffer holds both). For a
   * parse that keeps nothing of its input: an 11 MB /proc/interrupts read every tick then costs no
   * fresh allocation (page faults on it took longer than the parse here).
   */
  withBytes<T>(kpath: string, use: (bytes: Uint8Array) => T): T {
    let n: number;
    try {
      n = readScratch(this.p(kpath), singleRecord(kpath));
    } catch (e) {
      throw new LabFailure(fsError(`read ${kpath}`, e, this.p(kpath), 'Check that the file exists and is readable (some need root).'));
    }
    const lent = scratch;
    scratch = Buffer.allocUnsafe(0);
    try {
      return use(lent.subarray(0, n));
    } finally {
      scratch = lent;
    }
  }

  /** Link text, or null when there is no link. Links in captured trees may dangle: never follow them. */
  link(kpath: string): string | null {
    try {
      return fs.readlinkSync(this.p(kpath));
    } catch (e) {
      if (isMissing(e) || (e as NodeJS.ErrnoException).code === 'EINVAL') return null;
      throw new LabFailure(fsError(`readlink ${kpath}`, e, this.p(kpath), 'Check permissions.'));
    }
  }

  /** Directory entries (sorted), or [] when the directory does not exist. */
  list(kpath: string): string[] {
    try {
      return fs.readdirSync(this.p(kpath)).sort();
    } catch (e) {
      if (isMissing(e)) return [];
      throw new LabFailure(fsError(`readdir ${kpath}`, e, this.p(kpath), 'Check permissions (some directories need root).'));
    }
  }

  exists(kpath: string): boolean {
    try {
      fs.lstatSync(this.p(kpath));
      return true;
    } catch {
      return false;
    }
  }
}

export function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function fsError(op: string, e: unknown, real: string, hint: string): LabError {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && code in ERRNO) {
    return errnoError(op, code as ErrnoName, hint, { path: real, message: `${op}: ${(e as Error).message}` });
  }
  return { op, path: real, message: `${op}: ${e instanceof Error ? e.message : String(e)}`, hint };
}

/** A malformed or truncated kernel file: names the file and the 1-based line. */
export function parseError(kpath: string, real: string, line: number, message: string, hint?: string): LabFailure {
  return new LabFailure({
    op: `parse ${kpath}`,
    path: real,
    message: `${kpath}:${line}: ${message}`,
    hint: hint ?? 'The file does not have the format the kernel prints; if it was captured or edited by hand, capture it again.',
    detail: { file: kpath, line },
  });
}

/** Parse a decimal or 0x-hex integer field that must fill the whole (trimmed) first line. */
export function intField(root: SysRoot, kpath: string, text: string, radix: 10 | 16 | 'auto' = 'auto'): number {
  const s = firstLine(text);
  const re = radix === 10 ? /^-?\d+$/ : radix === 16 ? /^(0x)?[0-9a-fA-F]+$/ : /^(-?\d+|0x[0-9a-fA-F]+)$/;
  if (!re.test(s)) throw parseError(kpath, root.p(kpath), 1, `expected ${radix === 10 ? 'a decimal' : radix === 16 ? 'a hex' : 'an integer'} value, found ${JSON.stringify(s)}`);
  return s.startsWith('0x') || radix === 16 ? parseInt(s.replace(/^0x/, ''), 16) : parseInt(s, 10);
}

export function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return (nl < 0 ? text : text.slice(0, nl)).trim();
}
