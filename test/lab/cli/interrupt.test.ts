// SPDX-License-Identifier: MIT
// Ctrl-C (SIGINT) or SIGTERM while the CLI writes its output: no temporary file is left beside it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openLinuxLab } from '../../../lab/linux/index.js';
import { captureSnapshot, encodeSnapshot, readSnapshotFile } from '../../../lab/snapshot/index.js';
import { E1000E } from '../../fixtures/sysroots/paths.js';
import { scratchDirs } from '../../helpers/scratch.js';
import { transpileTree } from '../affinity/transpile.js';

const tmp = scratchDirs('doorbell-cli-int-');
const ROOT = path.resolve(import.meta.dirname, '../../..');
let js: string;
let snap: string;

beforeAll(async () => {
  const dir = tmp();
  js = transpileTree('test/lab/cli/interrupt-child.ts', path.join(dir, 'js'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'js', 'node_modules'));
  snap = path.join(dir, 'in.dbsnap');
  fs.writeFileSync(snap, encodeSnapshot(await captureSnapshot(await openLinuxLab({ root: E1000E, reason: 'test' }), { intervalMs: 0 })).bytes);
}, 60_000);

async function interrupted(mode: 'write' | 'wait'): Promise<{ outDir: string; out: string; code: number | null; signal: NodeJS.Signals | null; err: string }> {
  const outDir = tmp();
  const out = path.join(outDir, 'x.dbsnap');
  const p = spawn(process.execPath, [js, snap, out, mode], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DOORBELL_STATE_DIR: tmp() } });
  let err = '';
  p.stderr.on('data', (d) => { err += String(d); });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => p.once('exit', (c, s) => r([c, s])));
  return { outDir, out, code, signal, err };
}

describe('doorbell snapshot interrupted', () => {
  it('SIGINT during the atomic write: no temporary file is left; the output is whole or absent', async () => {
    const r = await interrupted('write');
    expect(fs.readdirSync(r.outDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // The write finishes before the signal is taken: the process then ends by it (130 with the
    // message, or the signal itself once the command has returned), or, taken after the last step,
    // with the command's own status and the file in place.
    if (r.code === 130) expect(r.err).toContain('doorbell snapshot: interrupted by SIGINT');
    else if (r.signal === null) expect(r.code).toBe(0);
    else expect(r.signal).toBe('SIGINT');
    if (r.code === 0 || fs.existsSync(r.out)) expect(readSnapshotFile(r.out).ok).toBe(true);
  }, 60_000);

  it('SIGINT while a command waits: the unfinished temporary is removed, exit 130 with the reason', async () => {
    const r = await interrupted('wait');
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 130, signal: null });
    expect(r.err).toContain(`doorbell snapshot: interrupted by SIGINT; removed the unfinished ${r.out}.partial\n`);
    expect(fs.readdirSync(r.outDir)).toEqual([]);
  }, 60_000);
});
