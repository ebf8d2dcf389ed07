// SPDX-License-Identifier: MIT
// Every kernel file Doorbell reads is read under a root directory (default '/'), so a captured tree
// of /proc and /sys stands in for a machine, like `lscpu --sysroot` and hwloc's HWLOC_FSROOT.
// Failures become LabFailures that name the file (as the kernel path and the real path) and, for
// parse errors, the line.
import fs from 'node:fs';
import path from 'node:path';
import { errnoError, LabFailure, type LabError } from '../../common/errors.js';
import { ERRNO, type ErrnoName } from '../../common/errno.js';

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
      return fs.readFileSync(this.p(kpath), 'latin1');
    } catch (e) {
      throw new LabFailure(fsError(`read ${kpath}`, e, this.p(kpath), hint));
    }
  }

  /** Read a text file, or null when it does not exist (ENOENT/ENOTDIR). */
  textOr(kpath: string): string | null {
    try {
      return fs.readFileSync(this.p(kpath), 'latin1');
    } catch (e) {
      if (isMissing(e)) return null;
      throw new LabFailure(fsError(`read ${kpath}`, e, this.p(kpath), 'Check permissions (some files need root).'));
    }
  }

  bytes(kpath: string): Buffer {
    try {
      return fs.readFileSync(this.p(kpath));
    } catch (e) {
      throw new LabFailure(fsError(`read ${kpath}`, e, this.p(kpath), 'Check that the file exists and is readable (some need root).'));
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
