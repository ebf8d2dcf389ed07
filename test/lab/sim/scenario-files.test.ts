// SPDX-License-Identifier: MIT
// `--lab sim:FILE` when FILE is not a scenario: the CLI names the operation, the errno with its
// name and number, the path and what to do — on the exact text, exit 2 — and never reads a FIFO.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../lab/cli/main.js';
import { scratchDirs } from '../../helpers/scratch.js';

const tmp = scratchDirs('doorbell-sim-files-');
const BUILT_INS = 'the built-in scenarios are sim:NAME with NAME one of arm64-its-smmuv3, riscv-aia-imsic, x86-amdvi-ir, x86-noir, x86-vtd-ir';
const SCENARIO = path.join(import.meta.dirname, '../../../assets/scenarios/x86-noir.json');
let stateDir: string | undefined;
beforeAll(() => { stateDir = process.env.DOORBELL_STATE_DIR; process.env.DOORBELL_STATE_DIR = tmp(); });
afterAll(() => { if (stateDir === undefined) delete process.env.DOORBELL_STATE_DIR; else process.env.DOORBELL_STATE_DIR = stateDir; });

/** `doorbell --lab sim:SCENARIO devices`: the exit code and the failure's two lines (after the lab line). */
async function devices(scenario: string): Promise<{ code: number; failure: string }> {
  const err: string[] = [];
  const code = await main(['--lab', `sim:${scenario}`, 'devices'], { out: () => {}, err: (s) => err.push(s) });
  return { code, failure: err.join('\n').split('\n').slice(-2).join('\n') };
}

describe('--lab sim:FILE that cannot be read', () => {
  it('a missing file: ENOENT with its number, the path, and the built-in names', async () => {
    const file = path.join(tmp(), 'nonexistent.json');
    expect(await devices(file)).toEqual({
      code: 2,
      failure: `doorbell devices: open lab sim: cannot open scenario file ${file}: ENOENT (2, No such file or directory)\n` +
        `  hint: Check the path (relative paths are read from ${process.cwd()}); ${BUILT_INS}.`,
    });
  });

  it('a path ending in a built-in name says how to open the built-in one', async () => {
    const file = path.join(tmp(), 'arm64-its-smmuv3.json');
    expect(await devices(file)).toEqual({
      code: 2,
      failure: `doorbell devices: open lab sim: cannot open scenario file ${file}: ENOENT (2, No such file or directory)\n` +
        `  hint: sim:arm64-its-smmuv3 (no directory, no .json) opens the built-in scenario arm64-its-smmuv3; a path is read as given, relative to the current directory ${process.cwd()}.`,
    });
  });

  it('a path through a file: ENOTDIR (20)', async () => {
    const file = path.join(tmp(), 'plain');
    fs.writeFileSync(file, '{}');
    expect((await devices(`${file}/x.json`)).failure.split('\n')[0]).toBe(`doorbell devices: open lab sim: cannot open scenario file ${file}/x.json: ENOTDIR (20, Not a directory)`);
  });

  it('a directory: EISDIR (21) and the scenario files in it', async () => {
    const dir = tmp();
    fs.copyFileSync(SCENARIO, path.join(dir, 'mine.json'));
    expect(await devices(dir)).toEqual({
      code: 2,
      failure: `doorbell devices: open lab sim: ${dir} is a directory, not a scenario file: EISDIR (21, Is a directory)\n` +
        `  hint: Name a scenario JSON file (this directory holds mine.json: e.g. sim:${dir}/mine.json); ${BUILT_INS}.`,
    });
  });

  it('a FIFO is refused without being opened (opening it would wait for a writer)', async () => {
    const fifo = path.join(tmp(), 'scenario.json');
    execFileSync('mkfifo', [fifo]);
    // A writer that waits for a reader: if Doorbell opened the FIFO it would read nothing, not hang.
    const writer = spawn('sh', ['-c', `: > "${fifo}"`], { stdio: 'ignore' });
    try {
      expect(await devices(fifo)).toEqual({
        code: 2,
        failure: `doorbell devices: open lab sim: ${fifo} is a FIFO, not a scenario file: Doorbell reads scenarios only from regular files (nothing was read)\n` +
          `  hint: Save the scenario to a file and give its path; ${BUILT_INS}.`,
      });
    } finally {
      writer.kill();
    }
  });
});

describe('--lab sim:FILE that is not a scenario', () => {
  it('bad JSON: where, as a line and column', async () => {
    const file = path.join(tmp(), 'typo.json');
    fs.writeFileSync(file, '{\n  "name": "x",\n  "arch": "arm64"\n  "kernel": {}\n}\n');
    expect(await devices(file)).toEqual({
      code: 2,
      failure: `doorbell devices: parse scenario: ${file} is not valid JSON: Expected ',' or '}' after property value at line 4, column 3\n` +
        '  hint: Fix the JSON syntax (a copy of assets/scenarios/*.json is a good start).',
    });
  });

  it('an empty file says so', async () => {
    const file = path.join(tmp(), 'empty.json');
    fs.writeFileSync(file, '\n');
    expect((await devices(file)).failure.split('\n')[0]).toBe(`doorbell devices: parse scenario: ${file} is empty`);
  });

  it('JSON of something else: not a scenario, not "fix field name"', async () => {
    const file = path.join(tmp(), 'package.json');
    fs.writeFileSync(file, '{"version": "1.0.0"}');
    expect(await devices(file)).toEqual({
      code: 2,
      failure: `doorbell devices: parse scenario: ${file} is JSON but not a Doorbell scenario: its top level is an object with none of the fields name, arch, kernel, cpus, iommu, irqchip, devices\n` +
        '  hint: Give a scenario file: an object with name, arch, kernel, cpus, iommu, irqchip and devices (copy one of assets/scenarios/*.json; docs/sim-profiles.md describes the format).',
    });
    fs.writeFileSync(file, '[1, 2]');
    expect((await devices(file)).failure.split('\n')[0]).toBe(`doorbell devices: parse scenario: ${file} is JSON but not a Doorbell scenario: its top level is an array`);
  });

  it('a snapshot given as a scenario points to --lab snapshot:', async () => {
    const file = path.join(tmp(), 'lab.dbsnap');
    fs.writeFileSync(file, zlib.gzipSync('{}'));
    expect(await devices(file)).toEqual({
      code: 2,
      failure: `doorbell devices: parse scenario: ${file} is gzip-compressed, not a scenario JSON file\n` +
        `  hint: A Doorbell snapshot (*.dbsnap) opens with --lab snapshot:${file}; a scenario is plain JSON (copy one of assets/scenarios/*.json).`,
    });
  });

  it('a file saved with a byte-order mark opens', async () => {
    const file = path.join(tmp(), 'bom.json');
    fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fs.readFileSync(SCENARIO)]));
    expect((await devices(file)).code).toBe(0);
  });
});

describe('--lab sim:NAME mistyped', () => {
  it('names the built-in scenario it most likely meant', async () => {
    expect((await devices('x86_vtd_ir')).failure.split('\n')[0]).toBe('doorbell devices: open lab sim: unknown scenario "x86_vtd_ir" (did you mean x86-vtd-ir?); the scenarios are: arm64-its-smmuv3, riscv-aia-imsic, x86-amdvi-ir, x86-noir, x86-vtd-ir');
    expect((await devices('x86-vtd')).failure).toContain('(did you mean x86-vtd-ir?)');
    // `x86` could be any of three: no guess.
    expect((await devices('x86')).failure.split('\n')[0]).toBe('doorbell devices: open lab sim: unknown scenario "x86"; the scenarios are: arm64-its-smmuv3, riscv-aia-imsic, x86-amdvi-ir, x86-noir, x86-vtd-ir');
  });
});
