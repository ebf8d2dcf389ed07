// SPDX-License-Identifier: MIT
import { fail, ok, type Result } from '../errors.js';
import { LAB_METHODS, REQUESTS, type LabMethod, type LabRequest } from './contract.js';

export function isLabMethod(m: unknown): m is LabMethod {
  return typeof m === 'string' && (LAB_METHODS as string[]).includes(m);
}

/** Check a request from an untrusted client. Unknown methods and bad shapes become LabErrors. */
export function validateRequest(method: unknown, req: unknown): Result<{ method: LabMethod; req: LabRequest<LabMethod> }> {
  if (!isLabMethod(method)) {
    return fail({
      op: `request ${String(method).slice(0, 64)}`,
      message: `unknown method ${JSON.stringify(String(method).slice(0, 64))}`,
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
