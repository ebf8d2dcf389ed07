// SPDX-License-Identifier: MIT
// A LabSession with its journal in a temporary state directory (never the user's), installed as the
// renderer's LabClient with a chosen transport.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { LabSession } from '../../lab/session.js';
import type { LabBackend } from '../../lab/backend.js';
import { setLabClient, type LabClient, type Transport } from '../../renderer/src/api/lab.js';
import type { Result } from '../../common/errors.js';
import type { LabMethod } from '../../common/ipc/contract.js';

export interface EditLab { session: LabSession; backend: LabBackend; stateDir: string; calls: LabMethod[]; close(): Promise<void> }

export function installEdit(backend: LabBackend, opts: { transport?: Transport; stateDir?: string } = {}): EditLab {
  const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-renderer-'));
  const session = new LabSession(backend, { autoStart: false, stateDir });
  const calls: LabMethod[] = [];
  const client: LabClient = {
    transport: opts.transport ?? 'electron',
    call: (method, req) => { calls.push(method); return session.dispatch(method, req) as Promise<Result<never>>; },
    onEvent: (l) => session.onEvent(l),
    onConnection: (l) => { l(true); return () => {}; },
  };
  setLabClient(client);
  setActivePinia(createPinia());
  return {
    session, backend, stateDir, calls,
    async close() { setLabClient(null); await session.close(); if (!opts.stateDir) fs.rmSync(stateDir, { recursive: true, force: true }); },
  };
}
