// SPDX-License-Identifier: MIT
// The layer rules of DESIGN.md are enforced three ways: the lint rule, per-layer globals, and
// per-layer tsconfigs. These tests feed each a violation and require it to be caught.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function lint(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (r?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layer rules (lint)', () => {
  it.each([
    ['lab/ importing electron', 'lab/x.ts', "import { app } from 'electron';\nexport const a = app;\n", /doorbell\/layers.*may not import the package 'electron'/],
    ['renderer/ importing node:fs', 'renderer/src/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n", /doorbell\/layers.*'node:fs'/],
    ['renderer/ importing lab/', 'renderer/src/x.ts', "import { LabSession } from '../../lab/session.js';\nexport const a = LabSession;\n", /may not import from 'lab'/],
    ['common/ importing native/', 'common/x.ts', "import { x } from '../native/y.js';\nexport const a = x;\n", /may not import from 'native'/],
    ['common/ using a DOM global', 'common/x.ts', 'export const a = document.title;\n', /no-restricted-globals.*document/],
    ['common/ using process', 'common/x.ts', 'export const a = process.pid;\n', /no-restricted-globals.*process/],
    ['native/ importing lab/', 'native/x.ts', "import { KernelLog } from '../lab/kernel-log.js';\nexport const a = KernelLog;\n", /may not import from 'lab'/],
    ['a view touching window.doorbell', 'renderer/src/views/x.ts', 'export const a = window.doorbell;\n', /no-restricted-properties/],
    ['ipcMain outside electron/main/ipc', 'electron/main/x.ts', "import { ipcMain } from 'electron';\nexport const a = ipcMain;\n", /no-restricted-syntax.*handle\.ts/],
  ])('catches %s', async (_what, file, code, expected) => {
    const msgs = await lint(file, code);
    expect(msgs.join('\n')).toMatch(expected);
  });

  it('allows what the rules allow', async () => {
    expect(await lint('lab/x.ts', "import fs from 'node:fs';\nimport { ok } from '../common/errors.js';\nexport const a = [fs, ok];\n")).toEqual([]);
    expect(await lint('renderer/src/api/x.ts', 'export const a = window.doorbell;\n')).toEqual([]);
  });
});

function tscProbe(config: string, code: string): string {
  // The probe lives outside the tree (other work may be compiling it) and extends the layer config.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-layer-'));
  fs.writeFileSync(path.join(dir, 'probe.ts'), code);
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: path.join(root, config), include: ['probe.ts'], compilerOptions: { noEmit: true, rootDir: dir, typeRoots: [path.join(root, 'node_modules/@types')] } }));
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('layer rules (per-layer tsconfig)', () => {
  it('common/ does not compile against DOM or Node types', () => {
    const out = tscProbe('tsconfig.common.json', 'export const t: string = document.title + process.pid;\n');
    expect(out).toMatch(/Cannot find name 'document'/);
    expect(out).toMatch(/Cannot find name 'process'/);
  });

  it('renderer/ does not compile against Node modules', () => {
    const out = tscProbe('tsconfig.renderer.json', "import fs from 'node:fs';\nexport const t = fs;\n");
    expect(out).toMatch(/Cannot find module 'node:fs'/);
  });

  it('lab/ does not compile against DOM types', () => {
    const out = tscProbe('tsconfig.node.json', 'export const t = window.location;\n');
    expect(out).toMatch(/Cannot find name 'window'/);
  });
});
