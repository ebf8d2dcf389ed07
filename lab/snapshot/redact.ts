// SPDX-License-Identifier: MIT
// Redaction on request, before a snapshot leaves the machine: the hostname (wherever it appears as
// a word), serial numbers (PCI Device Serial Number, DMI serials: any field named like a serial and
// anything in the DSN's xx-xx-xx-xx-xx-xx-xx-xx form), and optionally the kernel command line
// (root= UUIDs, ip= addresses). The header lists what was redacted.
import type { RedactionKind, SnapshotPayload } from './format.js';

export const REDACTED = '(redacted)';

export interface RedactOptions {
  hostname?: boolean;
  serials?: boolean;
  cmdline?: boolean;
}

const SERIAL_KEY = /^(serial|serialnumber|serial_number|dsn|product_serial|board_serial|chassis_serial|product_uuid)$/i;
/** PCI DSN as lspci prints it: eight hex bytes joined by '-'. */
const DSN = /\b[0-9a-f]{2}(?:-[0-9a-f]{2}){7}\b/gi;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function mapStrings(x: unknown, f: (s: string, key: string) => string, key = ''): unknown {
  if (typeof x === 'string') return f(x, key);
  if (Array.isArray(x)) return x.map((v) => mapStrings(v, f, key));
  if (typeof x === 'object' && x !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = mapStrings(v, f, k);
    return out;
  }
  return x;
}

export function redactPayload(p: SnapshotPayload, what: RedactOptions): { payload: SnapshotPayload; redacted: RedactionKind[] } {
  const redacted: RedactionKind[] = [];
  let out: SnapshotPayload = structuredClone(p);
  if (what.hostname) {
    redacted.push('hostname');
    const host = out.info.hostname;
    // Short names ("a", "pc") would hit unrelated words; they are removed from the hostname field only.
    const re = host.length >= 3 ? new RegExp(`(?<![A-Za-z0-9-])${escapeRe(host)}(?![A-Za-z0-9-])`, 'g') : null;
    if (re) out = mapStrings(out, (s) => s.replace(re, REDACTED)) as SnapshotPayload;
    out.info.hostname = REDACTED;
  }
  if (what.serials) {
    redacted.push('serial-numbers');
    out = mapStrings(out, (s, key) => (SERIAL_KEY.test(key) ? REDACTED : s.replace(DSN, REDACTED))) as SnapshotPayload;
  }
  if (what.cmdline) {
    redacted.push('kernel-cmdline');
    out.info.kernel.cmdline = REDACTED;
  }
  return { payload: out, redacted };
}
