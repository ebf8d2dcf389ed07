// SPDX-License-Identifier: MIT
// What the CLI prints when something fails: the operation once, the errno with its name and number,
// and what to do — on the exact text.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errnoError } from '../../../common/errors.js';
import { explainErrno } from '../../../lab/bringup/text.js';
import { affinity } from '../../../lab/cli/commands/affinity.js';
import { bringup } from '../../../lab/cli/commands/bringup.js';
import { COMMANDS } from '../../../lab/cli/commands/index.js';
import { failureLine, formatFailure, type CliContext, type Command } from '../../../lab/cli/context.js';
import { main } from '../../../lab/cli/main.js';
import { createSimLab } from '../../../lab/sim/index.js';
import { scratchDirs } from '../../helpers/scratch.js';

const tmp = scratchDirs('doorbell-cli-msg-');
let stateDir: string | undefined;
beforeAll(() => { stateDir = process.env.DOORBELL_STATE_DIR; process.env.DOORBELL_STATE_DIR = tmp(); });
afterAll(() => { if (stateDir === undefined) delete process.env.DOORBELL_STATE_DIR; else process.env.DOORBELL_STATE_DIR = stateDir; });

function ctx(scenario: string, params: Record<string, string> = {}): CliContext & { out_: string[]; err_: string[] } {
  const out_: string[] = [], err_: string[] = [];
  return { labSpec: `sim:${scenario}`, openLab: async () => createSimLab({ scenario, params, reason: 'test' }), out: (s) => { out_.push(s); }, err: (s) => { err_.push(s); }, out_, err_ };
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('CLI failure text', () => {
  it('names the operation once and the errno once, always with its number', () => {
    // errnoError's own message starts with the operation and shows the errno: neither is repeated.
    const e = errnoError('VFIO_DEVICE_BIND_IOMMUFD', 'EPERM', 'Enable interrupt remapping.');
    expect(formatFailure(e)).toBe('VFIO_DEVICE_BIND_IOMMUFD failed: EPERM (1, Operation not permitted)\n  hint: Enable interrupt remapping.');
    // An errno name without its number gets the number.
    expect(failureLine({ op: 'open /dev/vfio/devices', errnoName: 'EBUSY', message: 'held by qemu (pid 7)', hint: 'h' })).toBe('open /dev/vfio/devices: held by qemu (pid 7) [EBUSY 16]');
    expect(failureLine({ op: '', message: 'x', hint: 'h' })).toBe('x');
  });

  it('an error that is not a LabFailure is not prefixed with the command twice', async () => {
    const boom: Command = { name: 'boom-test', summary: '', usage: '', run: () => Promise.reject(new Error('kaboom')) };
    COMMANDS.push(boom);
    try {
      const r = await run('boom-test');
      expect(r.code).toBe(2);
      expect(r.err).toBe('doorbell boom-test: kaboom\n  hint: This is a bug in Doorbell; please report it with the log.');
    } finally {
      COMMANDS.splice(COMMANDS.indexOf(boom), 1);
    }
  });

  it('snapshot -o under /proc: the directory, ENOENT (2) and what to do, at once', async () => {
    const r = await run('--lab', 'sim:x86-vtd-ir', 'snapshot', '-o', '/proc/nonexistent/x.dbsnap', '--interval', '0');
    expect(r.code).toBe(1);
    expect(r.err.split('\n').slice(-2).join('\n')).toBe('doorbell snapshot: write /proc/nonexistent/x.dbsnap: create a file in /proc/nonexistent: ENOENT (2, No such file or directory)\n' +
      '  hint: /proc/nonexistent is on procfs, the kernel\'s own filesystem, where no file can be created: write the output to a directory on a disk (e.g. ./out).');
  });

  it('--lab snapshot: of a FIFO is refused without reading it', async () => {
    const fifo = path.join(tmp(), 'pipe.dbsnap');
    execFileSync('mkfifo', [fifo]);
    const r = await run('--lab', `snapshot:${fifo}`, 'devices');
    expect(r.code).toBe(2);
    expect(r.err.split('\n').slice(-2).join('\n')).toBe(`doorbell devices: open snapshot: ${fifo} is a FIFO, not a snapshot file: Doorbell reads snapshots only from regular files\n` +
      '  hint: Open a file written by `doorbell snapshot` or by the bug-report action (usually *.dbsnap). To open a stream, save it to a file first.');
  });
});

describe('bringup text', () => {
  it('a failed step names the operation that failed and its errno, name and number', async () => {
    const c = ctx('arm64-its-smmuv3');
    expect(await bringup.run(['0000:01:00.0', '--run'], c)).toBe(1);
    expect(c.out_).toContain('✗ 3. iommufd opened — failed: open /dev/vfio/devices: 0000:01:00.0 is held by qemu-system-aarch64 (pid 4242) [EBUSY 16]');
  });

  it('the kernel line gives each refused operation its errno number', async () => {
    const c = ctx('x86-noir', { allow_unsafe_interrupts: '0' });
    expect(await bringup.run(['0000:af:00.0', '--run'], c)).toBe(1);
    expect(c.out_).toContain('     kernel: open /dev/iommu; open /dev/vfio/devices (0000:af:00.0); VFIO_DEVICE_BIND_IOMMUFD → EPERM (1)');
    expect(c.out_).toContain('✗ 3. iommufd opened — failed: VFIO_DEVICE_BIND_IOMMUFD failed: EPERM (1): the platform has no MSI isolation (IRQ_DOMAIN_FLAG_ISOLATED_MSI) and allow_unsafe_interrupts is off');
  });

  it('an errno with no explanation of its own still has its number', () => {
    expect(explainErrno('delivery', 'EIO', { passive: null }).explanation).toBe('The kernel answered EIO (5) at this step; the kernel log shows the operation and its arguments.');
  });
});

describe('affinity text', () => {
  it('a refused move gives the errno with its number on the verdict line', async () => {
    const c = ctx('x86-vtd-ir');
    expect(await affinity.run(['0000:5e:00.0', '0', '3'], c)).toBe(1);
    expect(c.out_[1]).toMatch(/^ {2}verdict: refused\b.* \[EPERM 1\]$/);
    expect(c.out_.join('\n')).not.toMatch(/wrote {2}to/);
  });
});
