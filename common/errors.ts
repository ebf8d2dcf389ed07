// SPDX-License-Identifier: MIT
// Errors cross every boundary (IPC, WebSocket, CLI) as data, never as thrown objects: the kernel's
// answer (errno name and number) and the operation that got it are what an engineer needs to see.
import { errnoName, errnoText, ERRNO, type ErrnoName } from './errno.js';

export interface LabError {
  /** The operation that failed: an ioctl name, `write /proc/irq/25/smp_affinity_list`, `parse /proc/interrupts`, `request getDevice`. */
  op: string;
  errno?: number;
  errnoName?: string;
  path?: string;
  /** One sentence: what happened. */
  message: string;
  /** One sentence: what to do about it. */
  hint: string;
  /** Extra values that matter (ioctl arguments, file line, field). */
  detail?: Record<string, string | number | boolean>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: LabError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: LabError): Result<T> {
  return { ok: false, error };
}

/** Build a LabError from an errno, filling name and text. */
export function errnoError(
  op: string,
  errno: number | ErrnoName,
  hint: string,
  extra: { path?: string; message?: string; detail?: LabError['detail'] } = {},
): LabError {
  const num = typeof errno === 'number' ? errno : ERRNO[errno];
  const name = errnoName(num);
  const err: LabError = {
    op,
    errno: num,
    errnoName: name,
    message: extra.message ?? `${op} failed: ${name} (${num}, ${errnoText(num)})`,
    hint,
  };
  if (extra.path !== undefined) err.path = extra.path;
  if (extra.detail !== undefined) err.detail = extra.detail;
  return err;
}

/** An error thrown inside the lab core that already carries its LabError. */
export class LabFailure extends Error {
  readonly error: LabError;
  constructor(error: LabError) {
    super(error.message);
    this.name = 'LabFailure';
    this.error = error;
  }
}

/** One line, for logs and the CLI: `op: message (ENAME 22) — hint`. */
export function formatError(e: LabError): string {
  const errno = e.errnoName ? ` [${e.errnoName} ${e.errno ?? ''}]`.replace(' ]', ']') : '';
  const path = e.path && !e.message.includes(e.path) ? ` (${e.path})` : '';
  return `${e.op}: ${e.message}${path}${errno}\n  hint: ${e.hint}`;
}

/** Convert anything caught into a LabError without losing an attached one. */
export function toLabError(op: string, caught: unknown, hint = 'This is a bug in Doorbell; please report it with the log.'): LabError {
  if (caught instanceof LabFailure) return caught.error;
  if (isLabError(caught)) return caught;
  const msg = caught instanceof Error ? caught.message : String(caught);
  const code = (caught as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in ERRNO) {
    const path = (caught as { path?: unknown }).path;
    return errnoError(op, code as ErrnoName, hint, {
      message: msg,
      ...(typeof path === 'string' ? { path } : {}),
    });
  }
  return { op, message: msg, hint };
}

export function isLabError(x: unknown): x is LabError {
  return (
    typeof x === 'object' && x !== null &&
    typeof (x as LabError).op === 'string' &&
    typeof (x as LabError).message === 'string' &&
    typeof (x as LabError).hint === 'string'
  );
}
