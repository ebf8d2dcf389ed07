// SPDX-License-Identifier: MIT
// runPrivileged(requests): how the lab core does what only root may do. As root (the CLI under
// sudo) it runs the same validation and code in-process; otherwise it starts the installed helper
// through pkexec, one batch per call, so spreading 2048 vectors is one authorization (polkit's
// auth_admin_keep then remembers it for a few minutes). The GUI never runs as root.
import { spawn } from 'node:child_process';
import { executeBatch } from './exec.js';
import { HELPER_PROTOCOL, itemError, type HelperRequest, type HelperResponse } from './protocol.js';

/** Where the deb installs the wrapper; the polkit action's exec.path names exactly this file. */
export const HELPER_INSTALLED_PATH = '/usr/libexec/doorbell/doorbell-helper';

export interface PrivilegedOptions {
  /** Default: process.getuid(). */
  uid?: number;
  /** Default: $DOORBELL_HELPER or HELPER_INSTALLED_PATH. */
  helperPath?: string;
  /** Default: 'pkexec'. */
  pkexec?: string;
}

function refusedWith(name: Parameters<typeof itemError>[0], message: string, hint: string): HelperResponse {
  return { v: HELPER_PROTOCOL, ok: false, refused: true, error: itemError(name, message, hint), results: [] };
}

export async function runPrivileged(requests: HelperRequest[], opts: PrivilegedOptions = {}): Promise<HelperResponse> {
  const uid = opts.uid ?? (typeof process.getuid === 'function' ? process.getuid() : -1);
  const body = JSON.stringify({ v: HELPER_PROTOCOL, requests });
  if (uid === 0) return executeBatch(body);

  const helper = opts.helperPath ?? process.env.DOORBELL_HELPER ?? HELPER_INSTALLED_PATH;
  const pkexec = opts.pkexec ?? 'pkexec';
  return new Promise((resolve) => {
    let out = '';
    let errText = '';
    let child;
    try {
      child = spawn(pkexec, [helper], { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      resolve(refusedWith('ENOENT', `cannot start ${pkexec}: ${(e as Error).message}`, 'Install polkit (`sudo apt-get install pkexec`) or run the CLI with sudo.'));
      return;
    }
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { errText += d; });
    child.on('error', (e: NodeJS.ErrnoException) => {
      resolve(refusedWith(e.code === 'ENOENT' ? 'ENOENT' : 'EIO', `cannot start ${pkexec}: ${e.message}`,
        'Install polkit\'s pkexec (`sudo apt-get install pkexec`) or run the CLI with sudo.'));
    });
    child.on('close', (code: number | null) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const res = JSON.parse(line) as HelperResponse;
        if (res && res.v === HELPER_PROTOCOL && Array.isArray(res.results)) { resolve(res); return; }
      } catch { /* fall through to the pkexec status */ }
      // pkexec: 126 = not authorized or dialog dismissed, 127 = authentication failed or no agent.
      if (code === 126 || code === 127) {
        resolve(refusedWith('EACCES', `pkexec refused ${helper} (exit ${code}): ${errText.trim().slice(0, 200) || 'not authorized'}`,
          `Authenticate in the polkit dialog; over SSH (no agent) join group vfio, which build/polkit/50-doorbell-helper.rules allows, or run the CLI with sudo. Check that ${HELPER_INSTALLED_PATH} and the policy org.doorbell.helper are installed (docs/install.md).`));
        return;
      }
      resolve(refusedWith('EIO', `${helper} gave no answer (exit ${code}): ${errText.trim().slice(0, 200)}`, 'Check `journalctl -t doorbell-helper` and reinstall Doorbell.'));
    });
    child.stdin.on('error', () => { /* the helper may exit before reading everything */ });
    child.stdin.end(body);
  });
}
