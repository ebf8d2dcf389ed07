// SPDX-License-Identifier: MIT
// Renderer tests run the real backends in process: a LabSession over the simulator or a linux
// tree, behind the renderer's own client and the IPC binding's wire encoding, so stores and
// components see exactly what the core would send over IPC.
import { createPinia, setActivePinia } from 'pinia';
import { LabSession } from '../../lab/session.js';
import type { LabBackend } from '../../lab/backend.js';
import { createSimLab } from '../../lab/sim/index.js';
import { openLinuxLab } from '../../lab/linux/index.js';
import { electronClient, setLabClient } from '../../renderer/src/api/lab.js';
import { LAB_METHODS, type DoorbellBridge } from '../../common/ipc/contract.js';
import { encodeEvent, encodeReply } from '../../common/ipc/wire.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const VTD_TREE = path.join(ROOT, 'test/fixtures/sysroots/x86-vtd-vfio-e1000e');
export const SCALE_SCENARIO = path.join(ROOT, 'test/fixtures/scenarios/arm64-2048x512.json');

export interface Installed { session: LabSession; backend: LabBackend; close(): Promise<void> }

export function install(backend: LabBackend): Installed {
  // Edits (bring-up, affinity) journal into a temporary state directory, never the user's.
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-renderer-'));
  const session = new LabSession(backend, { autoStart: false, stateDir });
  // The page's real client over a bridge that does what the Electron binding does: replies in
  // their wire form, structured-cloned across the process boundary.
  const bridge = Object.fromEntries(LAB_METHODS.map((m) => [m, async (req: unknown) => structuredClone(encodeReply(m, await session.dispatch(m, req)))]));
  setLabClient(electronClient({ ...bridge, onEvent: (l) => session.onEvent((e) => l(structuredClone(encodeEvent(e)))) } as DoorbellBridge));
  setActivePinia(createPinia());
  return { session, backend, async close() { setLabClient(null); await session.close(); fs.rmSync(stateDir, { recursive: true, force: true }); } };
}

export function sim(scenario = 'arm64-its-smmuv3', params: Record<string, string> = {}) {
  return createSimLab({ scenario, params, reason: 'renderer test' });
}

export async function linuxTree(root: string): Promise<LabBackend> {
  return openLinuxLab({ root, reason: 'renderer test' });
}

/** Let pending promises (LabSession dispatch, store actions) settle. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}
