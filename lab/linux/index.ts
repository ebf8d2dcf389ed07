// SPDX-License-Identifier: MIT
import { LabFailure } from '../../common/errors.js';
import type { LabBackend } from '../backend.js';

export async function openLinuxLab(opts: { root: string; reason: string }): Promise<LabBackend> {
  throw new LabFailure({ op: 'open lab linux', message: `the linux backend is not built yet (root ${opts.root})`, hint: 'Use --lab sim.' });
}
