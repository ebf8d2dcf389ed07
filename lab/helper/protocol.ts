// SPDX-License-Identifier: MIT
// The privileged helper's wire format and its strict validation. The helper runs as root (pkexec
// or sudo) on input an unprivileged user wrote, so every item is checked against an allowlist of
// shapes before anything runs: exact key sets, integers in range, a BDF and a CPU list by
// grammar, and only the one driver. One invalid item refuses the whole batch (nothing runs).
import { parseCpuList } from '../../common/cpulist.js';
import { ERRNO, errnoName, type ErrnoName } from '../../common/errno.js';

export const HELPER_PROTOCOL = 1;
/** 2048 affinity items are ~110 KiB of JSON; anything much larger is not a Doorbell request. */
export const MAX_INPUT_BYTES = 512 * 1024;
export const MAX_ITEMS = 8192;
/** IRQ numbers are below IRQ_BITMAP_BITS (NR_IRQS + 8196 on SPARSE_IRQ kernels); 2^20 bounds all. */
export const MAX_IRQ = (1 << 20) - 1;
export const MAX_CPULIST_CHARS = 1024;

export type AffinityRequest = { op: 'affinity'; irq: number; cpus: string };
export type BindRequest = { op: 'bind-vfio'; bdf: string; driver: 'vfio-pci' };
export type ReadRequest =
  | { op: 'read'; kind: 'config'; bdf: string }
  | { op: 'read'; kind: 'msix-table'; bdf: string }
  | { op: 'read'; kind: 'debugfs-irq'; irq: number };
export type HelperRequest = AffinityRequest | BindRequest | ReadRequest;

export interface HelperBatch {
  v?: typeof HELPER_PROTOCOL;
  requests: HelperRequest[];
}

export interface ItemError {
  errno: number;
  errnoName: string;
  message: string;
  hint: string;
  path?: string;
}

export type ItemResult =
  | { index: number; op: string; ok: true; value: unknown }
  | ({ index: number; op: string; ok: false; skipped?: boolean } & ItemError);

export interface HelperResponse {
  v: typeof HELPER_PROTOCOL;
  /** True only when every item succeeded. */
  ok: boolean;
  /** The batch was refused before anything ran (bad input); `error` says why. */
  refused: boolean;
  error?: ItemError;
  results: ItemResult[];
  /** Where the request was logged: 'journal', 'syslog' (both through logger(1), tag doorbell-helper) or 'stderr'. */
  logged?: string;
}

export function itemError(name: ErrnoName, message: string, hint: string, path?: string): ItemError {
  const e: ItemError = { errno: ERRNO[name], errnoName: errnoName(ERRNO[name]), message, hint };
  if (path !== undefined) e.path = path;
  return e;
}

/** What validation needs to know about the machine (injected, so tests can vary it). */
export interface MachineFacts {
  /** /proc/irq/N exists with an smp_affinity_list. */
  irqExists(irq: number): boolean;
  /** /sys/devices/system/cpu/possible. */
  possibleCpus(): readonly number[];
}

/** Items of a refused batch: ECANCELED (125 on every Linux arch we target), nothing was done. */
const NOT_RUN: ItemError = { errno: 125, errnoName: 'ECANCELED', message: 'not run: another item of this batch is invalid', hint: 'Fix the invalid item and resend the batch.' };

export const BDF_RE = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

type Check<T> = { ok: true; value: T } | { ok: false; error: ItemError };
const bad = <T>(name: ErrnoName, message: string, hint = 'Send only the request shapes documented in lab/helper/protocol.ts.'): Check<T> =>
  ({ ok: false, error: itemError(name, message, hint) });

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
}

function exactKeys(o: Record<string, unknown>, keys: readonly string[]): string | null {
  const have = Object.keys(o);
  const extra = have.filter((k) => !keys.includes(k));
  if (extra.length) return `unexpected field${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}`;
  const missing = keys.filter((k) => !have.includes(k));
  if (missing.length) return `missing field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  return null;
}

function checkIrq(x: unknown, facts: MachineFacts, needAffinity: boolean): Check<number> {
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) return bad('EINVAL', `irq must be an integer, got ${describe(x)}`);
  if (x < 0 || x > MAX_IRQ) return bad('ERANGE', `irq ${x} is out of range 0..${MAX_IRQ}`);
  if (needAffinity && !facts.irqExists(x)) return bad('ENOENT', `IRQ ${x} does not exist (no /proc/irq/${x}/smp_affinity_list)`, 'Pick an IRQ listed in /proc/interrupts.');
  return { ok: true, value: x };
}

function checkBdf(x: unknown): Check<string> {
  if (typeof x !== 'string' || !BDF_RE.test(x)) {
    return bad('EINVAL', `bdf must look like 0000:3b:00.0 (lower-case hex), got ${describe(x)}`);
  }
  return { ok: true, value: x };
}

function describe(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x === 'number') return String(x);
  if (x === null) return 'null';
  return Array.isArray(x) ? 'an array' : typeof x;
}

/** Validate one item. */
export function validateItem(x: unknown, facts: MachineFacts): Check<HelperRequest> {
  if (!isPlainObject(x)) return bad('EINVAL', `request must be an object, got ${describe(x)}`);
  const op = x.op;
  if (op === 'affinity') {
    const k = exactKeys(x, ['op', 'irq', 'cpus']);
    if (k) return bad('EINVAL', `affinity: ${k}`);
    const irq = checkIrq(x.irq, facts, true);
    if (!irq.ok) return irq;
    const cpus = x.cpus;
    if (typeof cpus !== 'string' || cpus.length === 0 || cpus.length > MAX_CPULIST_CHARS || !/^[0-9,-]+$/.test(cpus)) {
      return bad('EINVAL', `cpus must be a kernel CPU list such as "0-3,8" (digits, ',' and '-' only), got ${describe(cpus)}`);
    }
    const possible = facts.possibleCpus();
    const last = possible.length ? possible[possible.length - 1]! : 0;
    const parsed = parseCpuList(cpus, { maxCpu: last });
    if (!parsed.ok) return bad(/past the last CPU/.test(parsed.message) ? 'ERANGE' : 'EINVAL', `cpus "${cpus}": ${parsed.message}`, `CPUs of this machine: /sys/devices/system/cpu/possible.`);
    const set = new Set(possible);
    const missing = parsed.cpus.filter((c) => !set.has(c));
    if (missing.length) return bad('ERANGE', `cpus "${cpus}" names CPUs that are not possible on this machine: ${missing.slice(0, 8).join(',')}`);
    return { ok: true, value: { op: 'affinity', irq: irq.value, cpus } };
  }
  if (op === 'bind-vfio') {
    const k = exactKeys(x, ['op', 'bdf', 'driver']);
    if (k) return bad('EINVAL', `bind-vfio: ${k}`);
    const bdf = checkBdf(x.bdf);
    if (!bdf.ok) return bdf;
    if (x.driver !== 'vfio-pci') return bad('EINVAL', `bind-vfio: driver must be "vfio-pci", got ${describe(x.driver)}`);
    return { ok: true, value: { op: 'bind-vfio', bdf: bdf.value, driver: 'vfio-pci' } };
  }
  if (op === 'read') {
    const kind = x.kind;
    if (kind === 'config' || kind === 'msix-table') {
      const k = exactKeys(x, ['op', 'kind', 'bdf']);
      if (k) return bad('EINVAL', `read ${kind}: ${k}`);
      const bdf = checkBdf(x.bdf);
      if (!bdf.ok) return bdf;
      return { ok: true, value: { op: 'read', kind, bdf: bdf.value } };
    }
    if (kind === 'debugfs-irq') {
      const k = exactKeys(x, ['op', 'kind', 'irq']);
      if (k) return bad('EINVAL', `read debugfs-irq: ${k}`);
      const irq = checkIrq(x.irq, facts, false);
      if (!irq.ok) return irq;
      return { ok: true, value: { op: 'read', kind, irq: irq.value } };
    }
    return bad('EINVAL', `read: kind must be config, msix-table or debugfs-irq, got ${describe(kind)}`);
  }
  return bad('EOPNOTSUPP', `unknown op ${describe(op)} (allowed: affinity, bind-vfio, read)`);
}

export type BatchCheck =
  | { ok: true; requests: HelperRequest[] }
  | { ok: false; error: ItemError; results: ItemResult[] };

/** Parse and validate the whole input. Any invalid item refuses the batch. */
export function validateBatch(input: string | Uint8Array, facts: MachineFacts): BatchCheck {
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size > MAX_INPUT_BYTES) {
    return { ok: false, results: [], error: itemError('E2BIG', `request is ${size} bytes; the limit is ${MAX_INPUT_BYTES}`, 'Split the work into several batches.') };
  }
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, results: [], error: itemError('EINVAL', `request is not JSON: ${(e as Error).message.slice(0, 120)}`, 'Send one JSON object {"requests":[...]} on stdin.') };
  }
  if (!isPlainObject(parsed)) return { ok: false, results: [], error: itemError('EINVAL', 'request must be a JSON object {"requests":[...]}', 'Send one JSON object on stdin.') };
  const allowed = parsed.v === undefined ? ['requests'] : ['v', 'requests'];
  const k = exactKeys(parsed, allowed);
  if (k) return { ok: false, results: [], error: itemError('EINVAL', `request: ${k}`, 'Send {"requests":[...]} (and optionally "v":1).') };
  if (parsed.v !== undefined && parsed.v !== HELPER_PROTOCOL) {
    return { ok: false, results: [], error: itemError('EINVAL', `protocol version ${describe(parsed.v)} is not ${HELPER_PROTOCOL}`, 'Use a helper from the same Doorbell release.') };
  }
  const list = parsed.requests;
  if (!Array.isArray(list) || list.length === 0) return { ok: false, results: [], error: itemError('EINVAL', 'requests must be a non-empty array', 'Send at least one request.') };
  if (list.length > MAX_ITEMS) return { ok: false, results: [], error: itemError('E2BIG', `${list.length} requests; the limit is ${MAX_ITEMS} per batch`, 'Split the work into several batches.') };

  const requests: HelperRequest[] = [];
  const results: ItemResult[] = [];
  const seenIrq = new Set<number>();
  let firstBad: { index: number; error: ItemError } | null = null;
  list.forEach((item, index) => {
    const op = isPlainObject(item) && typeof item.op === 'string' ? item.op.slice(0, 20) : '?';
    let c = validateItem(item, facts);
    if (c.ok && c.value.op === 'affinity') {
      if (seenIrq.has(c.value.irq)) c = bad('EINVAL', `IRQ ${c.value.irq} appears twice in one batch`, 'Send one affinity per IRQ.');
      else seenIrq.add(c.value.irq);
    }
    if (c.ok) {
      requests.push(c.value);
      results.push({ index, op, ok: false, skipped: true, ...NOT_RUN });
    } else {
      results.push({ index, op, ok: false, ...c.error });
      firstBad ??= { index, error: c.error };
    }
  });
  if (firstBad) {
    const fb = firstBad as { index: number; error: ItemError };
    return { ok: false, results, error: { ...fb.error, message: `item ${fb.index}: ${fb.error.message}` } };
  }
  return { ok: true, requests };
}
