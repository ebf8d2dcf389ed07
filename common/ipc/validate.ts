// SPDX-License-Identifier: MIT
import { fail, ok, type Result } from '../errors.js';
import { LAB_METHODS, REQUESTS, type LabMethod, type LabRequest } from './contract.js';

export function isLabMethod(m: unknown): m is LabMethod {
  return typeof m === 'string' && (LAB_METHODS as string[]).includes(m);
}

/**
 * A method name as a client sent it, for a message: only a string is shown. String() of a client's
 * object can throw ({"toString": 1}) or recurse without end (an array nested 200 000 deep).
 */
export function methodName(m: unknown): string {
  return typeof m === 'string' ? m.slice(0, 64) : `(${m === null ? 'null' : Array.isArray(m) ? 'an array' : typeof m}, not a method name)`;
}

/** Check a request from an untrusted client. Unknown methods and bad shapes become LabErrors. */
export function validateRequest(method: unknown, req: unknown): Result<{ method: LabMethod; req: LabRequest<LabMethod> }> {
  if (!isLabMethod(method)) {
    return fail({
      op: `request ${methodName(method)}`,
      message: `unknown method ${typeof method === 'string' ? JSON.stringify(methodName(method)) : methodName(method)}`,
      hint: `Valid methods: ${LAB_METHODS.join(', ')}.`,
    });
  }
  const r = REQUESTS[method].parse(req === undefined ? {} : req, 'request');
  if (!r.ok) {
    return fail({
      op: `request ${method}`,
      message: `malformed request: ${r.path} should be ${r.expected}, got ${r.got}`,
      hint: 'The client sent a request the lab core does not accept; check the caller against common/ipc/contract.ts.',
      detail: { field: r.path },
    });
  }
  return ok({ method, req: r.value as LabRequest<LabMethod> });
}
