// SPDX-License-Identifier: MIT
import { ERRNO } from '../../common/errno.js';
import type { LabError } from '../../common/errors.js';
import type { LabBackend } from '../backend.js';

/** Exit codes shared by every command: 0 success, 1 the lab answered "no" (refused, findings), 2 usage or could not run. */
export const EXIT = { OK: 0, FAIL: 1, USAGE: 2 } as const;

export interface CliContext {
  /** The value of --lab (default auto). */
  labSpec: string;
  /** Open the lab named by --lab; prints which lab was chosen and why to stderr. */
  openLab(): Promise<LabBackend>;
  out(line: string): void;
  err(line: string): void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], ctx: CliContext): Promise<number>;
}

/** What parseFlags' `unknown` holds, said plainly: "--spread needs a value", "unknown option --x". */
export function optionErrors(unknown: string[]): string {
  const MISSING = ' (needs a value)';
  return unknown.map((u) => (u.endsWith(MISSING) ? `${u.slice(0, -MISSING.length)} needs a value` : `unknown option ${u}`)).join('; ');
}

/** Split `--flag value`, `--flag=value` and boolean `--flag` from positionals. */
export function parseFlags(args: string[], spec: { values?: string[]; bools?: string[] }): { flags: Record<string, string | boolean>; positional: string[]; unknown: string[] } {
  const flags: Record<string, string | boolean> = {};
  const positional: string[] = [];
  const unknown: string[] = [];
  const values = new Set(spec.values ?? []);
  const bools = new Set(spec.bools ?? []);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (values.has(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) { unknown.push(`${a} (needs a value)`); continue; }
      flags[name] = v;
    } else if (bools.has(name) && eq < 0) {
      flags[name] = true;
    } else {
      unknown.push(a);
    }
  }
  return { flags, positional, unknown };
}

/**
 * A non-negative decimal integer as a user types it, else NaN: Number() would take "" as 0,
 * "0x2" as 2 and "1e3" as 1000 (and `affinity BDF "" CPUS` would move vector 0).
 */
export function decimal(v: unknown): number {
  return typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : NaN;
}

/**
 * A PCI address as typed: `0000:03:00.0`, or `03:00.0` as lspci prints it (domain 0), in either
 * case; the full lower-case form sysfs names it by, or null. Anything else never reaches the lab:
 * `..` or `a/b` would be a path under /sys/bus/pci/devices, not a device.
 */
export function parseBdf(v: string): string | null {
  const b = v.toLowerCase();
  if (/^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(b)) return `0000:${b}`;
  return /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(b) ? b : null;
}

/** Why `v` is not a BDF, for a usage error. */
export function notBdf(v: string): string {
  return `"${v}" is not a PCI address such as 0000:03:00.0 (or 03:00.0 as lspci prints it); \`doorbell devices\` lists them`;
}

/**
 * A LabError on one line as the CLI prints it: `op: message [ENAME n]` — the operation and the errno
 * once each, the errno always with its number (a message that already starts with the operation, or
 * already shows `ENAME (n`, is not repeated). An empty `op` is left out.
 */
export function failureLine(e: LabError): string {
  const num = e.errno ?? (e.errnoName !== undefined && e.errnoName in ERRNO ? ERRNO[e.errnoName as keyof typeof ERRNO] : undefined);
  const head = e.op === '' || e.message.startsWith(e.op) ? e.message : `${e.op}: ${e.message}`;
  const where = e.path && !head.includes(e.path) ? ` (${e.path})` : '';
  const shown = e.errnoName !== undefined && num !== undefined && head.includes(`${e.errnoName} (${num}`);
  const errno = e.errnoName && !shown ? ` [${e.errnoName}${num !== undefined ? ` ${num}` : ''}]` : '';
  return `${head}${where}${errno}`;
}

/** failureLine, then what to do: `  hint: …`. */
export function formatFailure(e: LabError): string {
  return `${failureLine(e)}\n  hint: ${e.hint}`;
}
