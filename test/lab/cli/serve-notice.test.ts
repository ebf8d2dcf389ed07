// SPDX-License-Identifier: MIT
// `doorbell serve` as root says what root means for the lab it serves (only the live machine is
// written), and a console that was never built is named with its errno before any lab is opened.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LabBackend } from '../../../lab/backend.js';
import { serve } from '../../../lab/cli/commands/serve.js';
import { type CliContext } from '../../../lab/cli/context.js';
import { main } from '../../../lab/cli/main.js';
import { openLab, parseLabSpec } from '../../../lab/select.js';
import { createSimLab } from '../../../lab/sim/index.js';
import { E1000E } from '../../fixtures/sysroots/paths.js';
import { scratchDirs } from '../../helpers/scratch.js';

const tmp = scratchDirs('doorbell-serve-notice-');
const saved = { state: process.env.DOORBELL_STATE_DIR, renderer: process.env.DOORBELL_RENDERER_DIR };
let stateDir = '';
beforeAll(() => {
  stateDir = tmp();
  process.env.DOORBELL_STATE_DIR = stateDir;
  const renderer = tmp();
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  process.env.DOORBELL_RENDERER_DIR = renderer;
});
afterAll(() => {
  for (const [k, v] of [['DOORBELL_STATE_DIR', saved.state], ['DOORBELL_RENDERER_DIR', saved.renderer]] as const) {
    if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
});
afterEach(() => { vi.restoreAllMocks(); });

/** Run `serve` on `lab` until it prints its URL, then stop it as SIGINT would; returns its stderr. */
async function serveOnce(lab: () => Promise<LabBackend>): Promise<string[]> {
  const err: string[] = [];
  let opened!: () => void;
  const open = new Promise<void>((r) => { opened = r; });
  const ctx: CliContext = { labSpec: 'test', openLab: lab, out: (s) => { if (s.startsWith('Open: ')) opened(); }, err: (s) => { err.push(s); } };
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const run = serve.run([], ctx);
  await Promise.race([open, run]);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    for (const l of process.listeners(sig).filter((x) => !before[sig].includes(x))) { process.removeListener(sig, l); if (sig === 'SIGINT') (l as () => void)(); }
  }
  expect(await run).toBe(0);
  return err;
}

describe('serve as root', () => {
  it('on the simulator: nothing is written to /proc or /dev (it said "writes go straight to /proc and /dev")', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(0);
    const err = await serveOnce(async () => createSimLab({ scenario: 'x86-vtd-ir', reason: 'test' }));
    expect(err[0]).toBe(`doorbell serve: running as root, but the lab is the simulator (sim:x86-vtd-ir): nothing is written to /proc or /dev, only reports and the affinity journal under ${stateDir}. Keep the URL private.`);
  });

  it('on a snapshot and on a captured tree: read-only, named', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(0);
    const file = path.join(tmp(), 'lab.dbsnap');
    expect(await main(['--lab', 'sim:x86-vtd-ir', 'snapshot', '-o', file, '--interval', '0'], { out: () => {}, err: () => {} })).toBe(0);
    expect((await serveOnce(() => openLab(parseLabSpec(`snapshot:${file}`))))[0])
      .toBe(`doorbell serve: running as root, but the lab is a read-only snapshot (snapshot:${file}): nothing is written to /proc or /dev, only reports and the affinity journal under ${stateDir}. Keep the URL private.`);
    const root = E1000E;
    expect((await serveOnce(() => openLab(parseLabSpec(`linux:${root}`))))[0])
      .toBe(`doorbell serve: running as root, but the lab is read-only (linux:${root}): nothing is written to /proc or /dev, only reports and the affinity journal under ${stateDir}. Keep the URL private.`);
  });

  it('on the live machine: writes go straight to /proc and /dev', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(0);
    const err = await serveOnce(async () => {
      const lab = createSimLab({ scenario: 'x86-vtd-ir', reason: 'test' });
      const info = await lab.info();
      // The same lab answering as `--lab linux` run by root does.
      vi.spyOn(lab, 'info').mockResolvedValue({ ...info, backend: 'linux', spec: 'linux', writable: { ok: true, why: 'this machine, running as root' } });
      return lab;
    });
    expect(err[0]).toBe('doorbell serve: running as root — writes go straight to /proc and /dev. The browser is not root; keep the URL private.');
  });

  it('not root: no notice', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    const err = await serveOnce(async () => createSimLab({ scenario: 'x86-vtd-ir', reason: 'test' }));
    expect(err.filter((l) => l.includes('root'))).toEqual([]);
  });
});

describe('serve without a built console', () => {
  it('names the file, ENOENT (2) and what to do, exit 2, before opening the lab (it was "a bug in Doorbell")', async () => {
    const dir = tmp();
    const renderer = process.env.DOORBELL_RENDERER_DIR;
    process.env.DOORBELL_RENDERER_DIR = dir;
    try {
      const err: string[] = [];
      const code = await main(['--lab', 'sim:x86-vtd-ir', 'serve'], { out: () => {}, err: (s) => err.push(s) });
      expect(code).toBe(2);
      expect(err.join('\n')).toBe(`doorbell serve: open ${dir}/index.html: the built console is missing: ENOENT (2, No such file or directory)\n` +
        `  hint: DOORBELL_RENDERER_DIR is ${dir}: point it at a built renderer (the directory holding index.html), or unset it to serve the one \`npm run build\` writes.`);
    } finally {
      process.env.DOORBELL_RENDERER_DIR = renderer;
    }
  });
});
