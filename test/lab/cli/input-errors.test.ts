// SPDX-License-Identifier: MIT
// What the CLI says about input it cannot take, on the exact text and exit code: a lab spec's
// query, a BDF that is not one, `-o=FILE`, gen-sysroot's numbers.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../lab/cli/main.js';
import { E1000E } from '../../fixtures/sysroots/paths.js';
import { scratchDirs } from '../../helpers/scratch.js';

const tmp = scratchDirs('doorbell-cli-input-');
let stateDir: string | undefined;
beforeAll(() => { stateDir = process.env.DOORBELL_STATE_DIR; process.env.DOORBELL_STATE_DIR = tmp(); });
afterAll(() => { if (stateDir === undefined) delete process.env.DOORBELL_STATE_DIR; else process.env.DOORBELL_STATE_DIR = stateDir; });

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const SPEC_HINT = '  hint: Use auto, linux, linux:ROOT, sim:SCENARIO[?profile=P&bug=B] or snapshot:FILE.';

describe('--lab sim:…?query', () => {
  it('a bad %-escape is a usage error naming it (it was "URI malformed … a bug in Doorbell")', async () => {
    expect(await run('--lab', 'sim:x86-vtd-ir?profile=%zz', 'devices')).toEqual({
      code: 2, out: '',
      err: 'doorbell devices: parse --lab: bad lab spec "sim:x86-vtd-ir?profile=%zz": "profile=%zz" is not valid percent-encoding: each % starts a UTF-8 byte in hex, like %2C for ","; write % itself as %25\n' + SPEC_HINT,
    });
  });

  it('a key given twice is refused, not silently the last one', async () => {
    expect(await run('--lab', 'sim:x86-vtd-ir?profile=upstream&profile=rfc-v1', 'devices')).toEqual({
      code: 2, out: '',
      err: 'doorbell devices: parse --lab: bad lab spec "sim:x86-vtd-ir?profile=upstream&profile=rfc-v1": profile is given twice (profile=upstream and profile=rfc-v1); give it once\n' + SPEC_HINT,
    });
    expect((await run('--lab', 'sim:arm64-its-smmuv3?bug=lost-movi&bug=stale-irte', 'devices')).err)
      .toContain(': bug is given twice (bug=lost-movi and bug=stale-irte); name several bugs in one, bug=A,B\n');
  });

  it('seed is decimal: 0x10, 1e3 and an empty seed are refused (they were Number()s)', async () => {
    for (const seed of ['0x10', '1e3', '', ' 7']) {
      const r = await run('--lab', `sim:x86-vtd-ir?seed=${seed}`, 'devices');
      expect(r.code, seed).toBe(2);
      expect(r.err, seed).toContain(`seed must be a non-negative decimal integer, got "${seed}"`);
    }
    expect((await run('--lab', 'sim:x86-vtd-ir?seed=16', 'devices')).code).toBe(0);
  });
});

describe('a BDF that is not one never reaches the lab', () => {
  const NOT = (v: string) => `"${v}" is not a PCI address such as 0000:03:00.0 (or 03:00.0 as lspci prints it); \`doorbell devices\` lists them`;

  it('vectors ..: a usage error, not a read of /sys/bus/pci/vendor', async () => {
    const r = await run('--lab', `linux:${E1000E}`, 'vectors', '..');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`doorbell vectors: ${NOT('..')}\nusage: doorbell [--lab SPEC] vectors BDF [--json]`);
  });

  it('affinity, --undo, report --device and bringup say the same', async () => {
    const cases: [string[], string][] = [[['affinity', 'zz', '0', '1'], 'zz'], [['affinity', '--undo', '0000:00:02.0/..'], '0000:00:02.0/..'], [['bringup', '5e:00'], '5e:00']];
    for (const [argv, typed] of cases) {
      const r = await run('--lab', 'sim:x86-vtd-ir', ...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.split('\n')[0], argv.join(' ')).toBe(`doorbell ${argv[0]}: ${NOT(typed)}`);
    }
    const r = await run('--lab', 'sim:x86-vtd-ir', 'report', '-o', path.join(tmp(), 'r.txt'), '--device', 'nvme0');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe(`doorbell report: --device ${NOT('nvme0')}`);
  });

  it('lspci\'s form and upper case still name the device', async () => {
    expect((await run('--lab', 'sim:x86-vtd-ir', 'vectors', '5E:00.0', '--json')).code).toBe(0);
  });
});

describe('a CPU list the kernel would refuse', () => {
  it('is a usage error whatever the errno, with the op, the list and the errno each once', async () => {
    const HINT = '  hint: Use the kernel\'s list syntax, e.g. 0-3,8 or 0-7:2/4 (the first 2 of every 4), with CPUs 0–15; nothing was written.';
    const cases: [string, string][] = [
      ['999', 'CPU 999 is past the last CPU of this machine (15) (the kernel would answer ERANGE (34))'],
      ['99999999999', '99999999999 does not fit the kernel\'s 32-bit CPU number (the kernel would answer EOVERFLOW (75))'],
      ['5-1', 'the range runs backwards (5 > 1) (the kernel would answer EINVAL (22))'],
      // A region of a longer list is still named: it is not the whole list.
      ['0,999', '"999": CPU 999 is past the last CPU of this machine (15) (the kernel would answer ERANGE (34))'],
    ];
    for (const [list, why] of cases) {
      const r = await run('--lab', 'sim:x86-vtd-ir', 'affinity', '0000:3b:00.0', '0', list);
      expect(r.code, list).toBe(2);
      expect(r.err.split('\n').filter((l) => !l.startsWith('doorbell: lab ')), list).toEqual([`doorbell affinity: bad CPU list "${list}": ${why}`, HINT]);
    }
  });
});

describe('no command, and an option without its value', () => {
  it('no command is a usage error on stderr, exit 2; --help is the usage on stdout, exit 0', async () => {
    const none = await run();
    expect(none.code).toBe(2);
    expect(none.out).toBe('');
    expect(none.err).toMatch(/^doorbell: no command given\n\nusage: doorbell \[--lab SPEC\] COMMAND/);
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.err).toBe('');
    expect(help.out).toMatch(/^usage: doorbell \[--lab SPEC\] COMMAND/);
  });

  it('an option given without its value says so (it said "unknown option --spread (needs a value)")', async () => {
    const r = await run('--lab', 'sim:x86-vtd-ir', 'affinity', '0000:3b:00.0', '--spread');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('doorbell affinity: --spread needs a value');
    const b = await run('--lab', 'sim:x86-vtd-ir', 'bringup', '0000:3b:00.0', '--bogus', '--up-to');
    expect(b.code).toBe(2);
    expect(b.err.split('\n')[0]).toBe('doorbell bringup: unknown option --bogus; --up-to needs a value');
  });
});

describe('-o=FILE', () => {
  it('writes FILE, not a file named "=FILE"', async () => {
    const file = path.join(tmp(), 'lab.dbsnap');
    const r = await run('--lab', 'sim:x86-vtd-ir', 'snapshot', `-o=${file}`, '--interval', '0');
    expect(r.code, r.err).toBe(0);
    expect(r.err.split('\n').at(-1)).toMatch(new RegExp(`^doorbell snapshot: wrote ${file} \\(`));
    expect(fs.existsSync(file)).toBe(true);
  });
});

describe('gen-sysroot numbers', () => {
  it('a missing number is named (it was "--cpus must be an integer from 1 to 8192 (got NaN)")', async () => {
    const r = await run('gen-sysroot', path.join(tmp(), 'm'), '--devices', '1');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('doorbell gen-sysroot: needs --cpus N, --vectors N');
  });

  it('a number that is not decimal is quoted', async () => {
    const r = await run('gen-sysroot', path.join(tmp(), 'm'), '--cpus', '0x10', '--devices', '1', '--vectors', '2');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('doorbell gen-sysroot: --cpus takes a decimal integer, got "0x10"');
  });
});
