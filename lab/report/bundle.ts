// SPDX-License-Identifier: MIT
// The bug-report bundle: the text report, the snapshot beside it, and (when the caller has one)
// a PNG of the window. Collection is separate from writing so the Electron main process can add
// its `webContents.capturePage()` PNG, and serve mode its rasterised page, before anything is
// written: `writeBundle({ out, snapshot, text, png })`.
import fs from 'node:fs';
import path from 'node:path';
import { LabFailure, toLabError } from '../../common/errors.js';
import type { LabBackend } from '../backend.js';
import { captureSnapshot, type CaptureOptions } from '../snapshot/capture.js';
import { encodeSnapshot, writeFileAtomic } from '../snapshot/file.js';
import { SNAPSHOT_EXT, type Snapshot } from '../snapshot/format.js';
import { redactPayload, type RedactOptions } from '../snapshot/redact.js';
import { renderReport, type ReportOptions } from './text.js';

export interface CollectOptions extends CaptureOptions, ReportOptions {
  redact?: RedactOptions;
}

export interface Collected {
  snapshot: Snapshot;
  /** The encoded snapshot file. */
  bytes: Uint8Array;
  text: string;
}

/** Capture a snapshot of `lab`, redact it on request, encode it and render the text report. */
export async function collectReport(lab: LabBackend, opts: CollectOptions = {}): Promise<Collected> {
  const live = await captureSnapshot(lab, opts);
  const { payload, redacted } = redactPayload(live, opts.redact ?? {});
  const { bytes, header } = encodeSnapshot(payload, { redacted });
  const snapshot = { header, payload };
  const ro: ReportOptions = {};
  if (opts.device !== undefined) ro.device = opts.device;
  if (opts.maxVectors !== undefined) ro.maxVectors = opts.maxVectors;
  return { snapshot, bytes, text: renderReport(snapshot, ro) };
}

export interface BundlePaths { report: string; snapshot: string; png: string }

/**
 * Where a bundle goes. `out` names a directory (it exists as one, or ends with '/'): report.txt,
 * snapshot.dbsnap and window.png inside it. Otherwise `out` is the text report, and the snapshot
 * and PNG sit next to it with the same base name.
 */
export function bundlePaths(out: string): BundlePaths & { dir: string | null } {
  let isDir = out.endsWith('/') || out.endsWith(path.sep);
  try { isDir ||= fs.statSync(out).isDirectory(); } catch { /* does not exist yet: a file */ }
  if (isDir) {
    const dir = path.resolve(out);
    return { dir, report: path.join(dir, 'report.txt'), snapshot: path.join(dir, `snapshot${SNAPSHOT_EXT}`), png: path.join(dir, 'window.png') };
  }
  const file = path.resolve(out);
  const base = file.replace(/\.(txt|text|report)$/i, '');
  return { dir: null, report: file, snapshot: `${base}${SNAPSHOT_EXT}`, png: `${base}.png` };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Write the bundle; each file atomically. Returns the paths written. Throws LabFailure. */
export function writeBundle(b: { out: string; snapshot: Uint8Array; text: string; png?: Uint8Array }): { report: string; snapshot: string; png: string | null } {
  const p = bundlePaths(b.out);
  if (b.png && !PNG_SIGNATURE.every((x, i) => b.png![i] === x)) {
    throw new LabFailure({ op: 'write report', message: 'the window capture is not a PNG image (bad signature)', hint: 'This is a bug in the capture path; save the report without the image.' });
  }
  if (p.dir) {
    try { fs.mkdirSync(p.dir, { recursive: true }); } catch (e) {
      throw new LabFailure({ ...toLabError(`mkdir ${p.dir}`, e, 'Choose a directory you can write to.'), path: p.dir });
    }
  }
  writeFileAtomic(p.snapshot, b.snapshot);
  if (b.png) writeFileAtomic(p.png, b.png);
  writeFileAtomic(p.report, Buffer.from(b.text, 'utf8'));
  return { report: p.report, snapshot: p.snapshot, png: b.png ? p.png : null };
}
