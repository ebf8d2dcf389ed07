// SPDX-License-Identifier: MIT
// One journal line per helper request: who asked (pkexec sets PKEXEC_UID, sudo SUDO_UID), what,
// and how it ended. Sent through logger(1) with tag doorbell-helper at priority auth.notice; on
// systemd machines /dev/log belongs to journald (`journalctl -t doorbell-helper`), elsewhere it
// lands in syslog's auth log. Best effort: a machine without a log socket still gets the answer.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { HelperRequest, HelperResponse } from './protocol.js';

export function summarize(requests: readonly HelperRequest[]): string {
  const counts = new Map<string, number>();
  const named: string[] = [];
  for (const r of requests) {
    const key = r.op === 'read' ? `read:${r.kind}` : r.op;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (r.op === 'bind-vfio') named.push(`bind ${r.bdf}`);
  }
  const parts = [...counts].map(([k, n]) => `${k}x${n}`);
  return [...parts, ...named.slice(0, 16)].join(' ');
}

export function logLine(caller: string, summary: string, res: HelperResponse): string {
  const failed = res.results.filter((r) => !r.ok);
  const firstErr = res.error ?? failed[0];
  const outcome = res.refused ? 'refused' : res.ok ? 'ok' : `${failed.length} failed`;
  const why = firstErr ? ` first error: ${firstErr.errnoName} ${firstErr.message.slice(0, 160)}` : '';
  return `caller=${caller} ${summary || '(no valid items)'} items=${res.results.length} result=${outcome}${why}`;
}

/**
 * Returns where the line went: 'journal' (journald owns /dev/log), 'syslog' (/dev/log without
 * journald), or 'stderr' when the machine has no log socket (containers): logger(1) exits 0 there
 * without logging anything, so the socket is checked first.
 */
export function journal(line: string, stderr: (t: string) => void = (t) => process.stderr.write(t)): string {
  const clean = line.replace(/[\r\n]/g, ' ');
  const sink = fs.existsSync('/run/systemd/journal/socket') ? 'journal' : fs.existsSync('/dev/log') ? 'syslog' : null;
  if (sink) {
    try {
      const r = spawnSync('logger', ['-t', 'doorbell-helper', '-p', 'auth.notice', '--', clean], {
        stdio: ['ignore', 'ignore', 'ignore'], timeout: 3000, env: { PATH: '/usr/bin:/bin' },
      });
      if (r.status === 0) return sink;
    } catch { /* fall back to stderr */ }
  }
  stderr(`doorbell-helper: ${clean}\n`);
  return 'stderr';
}
