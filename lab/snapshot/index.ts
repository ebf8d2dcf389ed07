// SPDX-License-Identifier: MIT
// Snapshots: capture any lab to one file, open it again read-only (`--lab snapshot:FILE`).
import { LabFailure } from '../../common/errors.js';
import type { LabBackend } from '../backend.js';
import { SnapshotLab } from './backend.js';
import { readSnapshotFile } from './file.js';

export { SnapshotLab, snapshotProvenance } from './backend.js';
export { captureSnapshot, type CaptureOptions } from './capture.js';
export { decodeSnapshot, encodeSnapshot, readSnapshotFile, writeFileAtomic } from './file.js';
export * from './format.js';
export { redactPayload, type RedactOptions } from './redact.js';

/** Open a snapshot file; the whole file is validated before the backend exists. */
export async function openSnapshotLab(opts: { file: string; reason: string }): Promise<SnapshotLab & LabBackend> {
  const r = readSnapshotFile(opts.file);
  if (!r.ok) throw new LabFailure(r.error);
  return new SnapshotLab(r.value, opts.file, opts.reason);
}
