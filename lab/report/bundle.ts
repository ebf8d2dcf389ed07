// SPDX-License-Identifier: MIT
// The bug-report bundle: the text report, the snapshot beside it, and (when the caller has one)
// a PNG of the window. Collection is separate from writing so the Electron main process can add
// its `webContents.capturePage()` PNG, and serve mode its rasterised page, before anything is
// written: `writeBundle({ out, snapshot, text, png })`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LabFailure } from '../../common/errors.js';
import type { LabBackend } from '../backend.js';
import { captureSnapshot, type CaptureOptions } from '../snapshot/capture.js';
import {
  commitStaged, discardStaged, encodeSnapshot, ioError, mkdirp, stageFile, syncDir, trackPartial, untrackPartial, writeFileAtomic, type StagedFile,
} from '../snapshot/file.js';
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

/**
 * Write the bundle whole or not at all: every file is written and fsynced under a temporary name
 * first, and only then renamed into place — a new directory as one rename of the directory built
 * beside it. On a failure the temporaries (and any parent directories made for them) are removed,
 * and the LabFailure names the file that failed. Returns the paths written.
 */
export function writeBundle(b: { out: string; snapshot: Uint8Array; text: string; png?: Uint8Array }): { report: string; snapshot: string; png: string | null } {
  const p = bundlePaths(b.out);
  if (b.png && !PNG_SIGNATURE.every((x, i) => b.png![i] === x)) {
    throw new LabFailure({ op: 'write report', message: 'the window capture is not a PNG image (bad signature)', hint: 'This is a bug in the capture path; save the report without the image.' });
  }
  const files: [string, Uint8Array][] = [[p.snapshot, b.snapshot], ...(b.png ? [[p.png, b.png] as [string, Uint8Array]] : []), [p.report, Buffer.from(b.text, 'utf8')]];
  const written = { report: p.report, snapshot: p.snapshot, png: b.png ? p.png : null };
  if (p.dir && !fs.existsSync(p.dir)) {
    const parent = path.dirname(p.dir);
    const made = mkdirp(parent);
    const tmp = path.join(parent, `.${path.basename(p.dir)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
    try {
      try { fs.mkdirSync(tmp, 0o755); } catch (e) { throw new LabFailure(ioError(`mkdir ${p.dir}`, e, 'Choose a directory you can write to.', p.dir, { what: `create a directory in ${parent}`, where: parent })); }
      trackPartial(tmp);
      for (const [f, bytes] of files) writeFileAtomic(path.join(tmp, path.basename(f)), bytes);
      try { fs.renameSync(tmp, p.dir); } catch (e) { throw new LabFailure(ioError(`mkdir ${p.dir}`, e, 'Choose a new directory for the report.', p.dir, { what: `rename ${tmp} to it` })); }
      untrackPartial(tmp);
      syncDir(parent);
      return written;
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      untrackPartial(tmp);
      for (const d of made.reverse()) { try { fs.rmdirSync(d); } catch { /* not empty: someone else's now */ } }
      // Name the file the user asked for, not its temporary directory.
      if (e instanceof LabFailure) {
        const named = (x: string) => x.split(tmp).join(p.dir!);
        e.error.op = named(e.error.op);
        e.error.message = named(e.error.message);
        if (e.error.path !== undefined) e.error.path = named(e.error.path);
      }
      throw e;
    }
  }
  const staged: StagedFile[] = [];
  try {
    for (const [f, bytes] of files) staged.push(stageFile(f, bytes));
  } catch (e) {
    for (const s of staged) discardStaged(s);
    throw e;
  }
  // Renames within one directory do not fail for want of space; if one does, the rest are discarded.
  for (const [i, s] of staged.entries()) {
    try { commitStaged(s); } catch (e) {
      for (const r of staged.slice(i + 1)) discardStaged(r);
      if (e instanceof LabFailure && i > 0) e.error.message += ` (already replaced: ${staged.slice(0, i).map((x) => x.file).join(', ')})`;
      throw e;
    }
  }
  return written;
}
