// SPDX-License-Identifier: MIT
// The kernel's answer as data. Same shape as lab/ops.ts OpResult, so the lab layer can pass native
// results through unchanged; native/ cannot import lab/, so the type lives here.
import { errnoError, type LabError } from '../../common/errors.js';
import { errnoName } from '../../common/errno.js';

export type NativeResult<T> =
  | { ok: true; value: T }
  | { ok: false; errno: string; errnoValue: number; error: LabError };

export function nok<T>(value: T): NativeResult<T> {
  return { ok: true, value };
}

/** A kernel refusal: keeps the errno name and number, names the operation, adds a hint. */
export function nerr<T = never>(
  op: string,
  errno: number,
  hint: string,
  extra: { path?: string; message?: string; detail?: LabError['detail'] } = {},
): NativeResult<T> {
  return { ok: false, errno: errnoName(errno), errnoValue: errno, error: errnoError(op, errno, hint, extra) };
}

/** A failure found before or beside a syscall (bad input, missing sysfs node), given the errno it maps to. */
export function nfail<T = never>(error: LabError, errno: number): NativeResult<T> {
  return { ok: false, errno: errnoName(errno), errnoValue: errno, error: { ...error, errno, errnoName: errnoName(errno) } };
}
