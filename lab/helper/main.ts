// SPDX-License-Identifier: MIT
// doorbell-helper: the narrow privileged program. pkexec (polkit action org.doorbell.helper) or
// sudo runs it as root; it reads ONE JSON batch {"requests":[...]} on stdin, validates every item
// (protocol.ts), runs them (exec.ts), logs one journal line, and prints one JSON answer with an
// errno per item. It takes no arguments: pkexec passes the caller's arguments through, so nothing
// that changes behaviour may come from argv. Exit status: 0 all ok, 1 some item failed, 2 refused.
//
// Test mode (bind-vfio against a copied tree): DOORBELL_HELPER_TEST=1 and
// DOORBELL_HELPER_TEST_ROOT=/abs/dir, honoured only when run directly by root: pkexec clears the
// environment and sets PKEXEC_UID, and a set PKEXEC_UID or SUDO_UID refuses test mode outright.
import fs from 'node:fs';
import path from 'node:path';
import { executeBatch, liveFacts, type ExecOptions } from './exec.js';
import { journal, logLine, summarize } from './journal.js';
import { HELPER_PROTOCOL, itemError, MAX_INPUT_BYTES, validateBatch, type HelperResponse } from './protocol.js';

export interface HelperIo {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  stdin: AsyncIterable<Uint8Array | string>;
  write(text: string): void;
  uid: number;
  /** Replaces journal() (tests). */
  log?: (line: string) => string;
}

async function readLimited(stdin: AsyncIterable<Uint8Array | string>, limit: number): Promise<{ data: Buffer; over: boolean }> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stdin) {
    const b = typeof c === 'string' ? Buffer.from(c) : Buffer.from(c);
    n += b.length;
    if (n > limit) return { data: Buffer.alloc(0), over: true };
    chunks.push(b);
  }
  return { data: Buffer.concat(chunks), over: false };
}

function refused(error: ReturnType<typeof itemError>): HelperResponse {
  return { v: HELPER_PROTOCOL, ok: false, refused: true, error, results: [] };
}

export function testModeOptions(env: HelperIo['env'], uid: number): ExecOptions | { error: string } {
  if (env.DOORBELL_HELPER_TEST !== '1') return {};
  if (uid !== 0 || env.PKEXEC_UID !== undefined || env.SUDO_UID !== undefined) {
    return { error: 'test mode is only available to root running the helper directly (not through pkexec or sudo)' };
  }
  const root = env.DOORBELL_HELPER_TEST_ROOT;
  if (!root || !path.isAbsolute(root) || path.resolve(root) === '/' || !fs.existsSync(path.join(root, 'sys/bus/pci/devices'))) {
    return { error: 'DOORBELL_HELPER_TEST_ROOT must be an absolute directory holding a copied sys/bus/pci/devices tree' };
  }
  return { bindRoot: path.resolve(root) };
}

export async function helperMain(io: HelperIo): Promise<number> {
  const log = io.log ?? journal;
  const caller = io.env.PKEXEC_UID !== undefined ? `pkexec:${io.env.PKEXEC_UID}` : io.env.SUDO_UID !== undefined ? `sudo:${io.env.SUDO_UID}` : `uid:${io.uid}`;
  const finish = (res: HelperResponse, summary: string): number => {
    res.logged = log(logLine(caller, summary, res));
    io.write(`${JSON.stringify(res)}\n`);
    return res.refused ? 2 : res.ok ? 0 : 1;
  };
  if (io.argv.length > 0) {
    return finish(refused(itemError('EINVAL', `doorbell-helper takes no arguments (got ${io.argv.length})`, 'Send the request as JSON on stdin.')), '');
  }
  const mode = testModeOptions(io.env, io.uid);
  if ('error' in mode) return finish(refused(itemError('EPERM', mode.error, 'Unset DOORBELL_HELPER_TEST.')), '');
  if (io.uid !== 0) {
    return finish(refused(itemError('EPERM', `doorbell-helper must run as root (uid ${io.uid})`, 'Run it through pkexec (the GUI does) or sudo.')), '');
  }
  const { data, over } = await readLimited(io.stdin, MAX_INPUT_BYTES);
  if (over) return finish(refused(itemError('E2BIG', `request is over ${MAX_INPUT_BYTES} bytes`, 'Split the work into several batches.')), '');
  const facts = liveFacts();
  const checked = validateBatch(data, facts);
  const summary = checked.ok ? summarize(checked.requests) : '';
  return finish(executeBatch(data, facts, mode), summary);
}
