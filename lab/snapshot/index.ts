// SPDX-License-Identifier: MIT
import { LabFailure } from '../../common/errors.js';
import type { LabBackend } from '../backend.js';

export async function openSnapshotLab(opts: { file: string; reason: string }): Promise<LabBackend> {
  throw new LabFailure({ op: 'open snapshot', message: `snapshots are not supported yet (${opts.file})`, hint: 'Use --lab sim or --lab linux.' });
}
