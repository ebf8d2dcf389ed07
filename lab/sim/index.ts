// SPDX-License-Identifier: MIT
import { LabFailure } from '../../common/errors.js';
import type { LabBackend } from '../backend.js';

export async function openSimLab(opts: { scenario: string; params: Record<string, string>; reason: string }): Promise<LabBackend> {
  throw new LabFailure({ op: 'open lab sim', message: `the simulator is not built yet (${opts.scenario})`, hint: 'Use --lab linux.' });
}
