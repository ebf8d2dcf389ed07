// SPDX-License-Identifier: MIT
// The simulated lab: scenario file + kernel profile + injected bugs → a LabBackend and KernelOps.
import type { LabBackend } from '../backend.js';
import { SimBackend } from './backend.js';
import { bootScenario } from './boot.js';
import { SimKernel } from './kernel.js';
import { parseSimParams } from './profiles.js';
import { loadScenario } from './scenario.js';

export { SimBackend, type SimBackendOptions } from './backend.js';
export { SimKernel } from './kernel.js';
export { SimOps, type ExperimentalOps } from './ops.js';
export { PROFILES, BUGS, type ProfileName, type BugName } from './profiles.js';
export { scenarioNames, loadScenario } from './scenario.js';

/** Build a simulated lab synchronously (tests and the contract suite use this). */
export function createSimLab(opts: { scenario: string; params?: Record<string, string>; reason?: string; clock?: () => number }): SimBackend {
  const sc = loadScenario(opts.scenario);
  const params = parseSimParams(opts.params ?? {}, sc);
  const k = new SimKernel(sc, params);
  bootScenario(k);
  const q = Object.entries(opts.params ?? {}).map(([a, b]) => `${a}=${encodeURIComponent(b)}`).join('&');
  return new SimBackend(k, `sim:${opts.scenario}${q ? `?${q}` : ''}`, opts.reason ?? 'asked for with --lab sim', opts.clock ? { clock: opts.clock } : {});
}

export async function openSimLab(opts: { scenario: string; params: Record<string, string>; reason: string }): Promise<LabBackend> {
  return createSimLab(opts);
}
