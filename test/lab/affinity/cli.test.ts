// SPDX-License-Identifier: MIT
// `doorbell affinity` and `doorbell check`: exit codes and output.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabBackend } from '../../../lab/backend.js';
import { main } from '../../../lab/cli/main.js';
import { affinity } from '../../../lab/cli/commands/affinity.js';
import { EXIT, type CliContext } from '../../../lab/cli/context.js';
import { fakeProc } from './fake-proc.js';
import { AffinityEditor } from '../../../lab/affinity/editor.js';
import { AffinityJournal, processStart, thisRun } from '../../../lab/affinity/journal.js';

function io() {
  const out: string[] = [], err: string[] = [];
  return { out, err, io: { out: (s: string) => { out.push(s); }, err: (s: string) => { err.push(s); } } };
}

function ctxFor(backend: LabBackend): CliContext & { out_: string[]; err_: string[] } {
  const out_: string[] = [], err_: string[] = [];
  return { labSpec: 'test', openLab: async () => backend, out: (s) => { out_.push(s); }, err: (s) => { err_.push(s); }, out_, err_ };
}

let prevState: string | undefined;
beforeEach(() => {
  prevState = process.env.DOORBELL_STATE_DIR;
  process.env.DOORBELL_STATE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-cli-'));
});
afterEach(() => {
  if (prevState === undefined) delete process.env.DOORBELL_STATE_DIR; else process.env.DOORBELL_STATE_DIR = prevState;
});

describe('doorbell affinity', () => {
  it('usage errors exit 2 and write nothing', async () => {
    const f = fakeProc([{ bdf: '0000:00:05.0', index: 1, irq: 34, mask: '0-1' }]);
    // "", 0x1 and 1e0 were Number()s: "" moved vector 0, 0x1 vector 1.
    for (const args of [[], ['0000:00:05.0', '1'], ['0000:00:05.0', 'x', '1'], ['0000:00:05.0', '', '1'], ['0000:00:05.0', '0x1', '1'], ['0000:00:05.0', '1e0', '1'], ['0000:00:05.0', '--spread'], ['--undo', '--restore-all']]) {
      const c = ctxFor(f.backend);
      expect(await affinity.run(args, c)).toBe(EXIT.USAGE);
      expect(c.err_.join('\n')).toMatch(/usage|needs|must|cannot/);
    }
    const c = ctxFor(f.backend);
    expect(await affinity.run(['00:05.0', '1', '0-'], c)).toBe(EXIT.USAGE);
    expect(c.err_.join('\n')).toMatch(/bad CPU list "0-".*nothing was written/s);
    expect(f.read(34)).toBe('0-1');
  });

  it('an unconfirmed move exits 1 with the verdict; --journal and --restore-all put it back', async () => {
    const f = fakeProc([{ bdf: '0000:00:05.0', index: 1, irq: 34, mask: '0-1' }]);
    const c = ctxFor(f.backend);
    expect(await affinity.run(['00:05.0', '1', '1'], c)).toBe(EXIT.FAIL);
    expect(c.out_.join('\n')).toMatch(/verdict: moved, unconfirmed/);
    expect(f.read(34)).toBe('1');
    const j = ctxFor(f.backend);
    expect(await affinity.run(['--journal', '--json'], j)).toBe(EXIT.OK);
    const doc = JSON.parse(j.out_.join('\n')) as { outstanding: { irq: number; action: string }[] };
    expect(doc.outstanding).toMatchObject([{ irq: 34, action: 'restore' }]);
    const r = ctxFor(f.backend);
    expect(await affinity.run(['--restore-all'], r)).toBe(EXIT.OK);
    expect(r.out_.join('\n')).toMatch(/IRQ 34 .*restore/);
    expect(f.read(34)).toBe('0-1');
  });

  it('--restore-all restores what an ended Doorbell left and leaves a running one\'s changes to it', async () => {
    const f = fakeProc([{ bdf: '0000:00:05.0', index: 1, irq: 34, mask: '0-1' }, { bdf: '0000:00:05.0', index: 2, irq: 35, mask: '0-1' }]);
    const self = thisRun();
    // This test's parent (vitest's main process) stands in for a console that still runs.
    const running = { pid: process.ppid, start: processStart(process.ppid), boot: self.boot };
    const ended = { pid: 2 ** 22 + 1, start: 1, boot: self.boot };
    const as = (run: typeof self) => new AffinityEditor({ backend: f.backend, journal: new AffinityJournal(process.env.DOORBELL_STATE_DIR!, { run }) });
    await as(running).setAffinity('0000:00:05.0', 1, '1');
    await as(ended).setAffinity('0000:00:05.0', 2, '1');
    // Each affinity command's start names only the ended run's change.
    const warn = ctxFor(f.backend);
    await affinity.run(['--journal'], warn);
    expect(warn.out_.join('\n')).toMatch(/IRQ 34 .*restore \[by a Doorbell still running\]/);
    expect(warn.out_.join('\n')).toMatch(/IRQ 35 .*restore \[by a Doorbell that ended\]/);
    const r = ctxFor(f.backend);
    expect(await affinity.run(['--restore-all'], r)).toBe(EXIT.OK);
    expect(f.read(35)).toBe('0-1');
    expect(f.read(34)).toBe('1');
    expect(r.out_.join('\n')).toMatch(/IRQ 34 \(0000:00:05.0 vector 1\): left alone — changed by a Doorbell that is still running .*--undo 0000:00:05.0 1/);
    // --undo takes it anyway, when asked for by name.
    expect(await affinity.run(['--undo', '0000:00:05.0', '1'], ctxFor(f.backend))).toBe(EXIT.OK);
    expect(f.read(34)).toBe('0-1');
  });

  it('--journal warns of unreadable lines and exits 1', async () => {
    const f = fakeProc([{ bdf: '0000:00:05.0', index: 1, irq: 34, mask: '0-1' }]);
    expect(await affinity.run(['00:05.0', '1', '1'], ctxFor(f.backend))).toBe(EXIT.FAIL);
    const file = path.join(process.env.DOORBELL_STATE_DIR!, 'affinity-journal.jsonl');
    fs.appendFileSync(file, '{"t":"intent",\n');
    const j = ctxFor(f.backend);
    expect(await affinity.run(['--journal'], j)).toBe(EXIT.FAIL);
    expect(j.err_.join('\n')).toMatch(/warning: the journal at .* has 1 unreadable line \(first at line 3: not JSON/);
    expect(j.out_.join('\n')).toMatch(/IRQ 34 .*restore/);
    const k = ctxFor(f.backend);
    expect(await affinity.run(['--journal', '--json'], k)).toBe(EXIT.FAIL);
    expect(JSON.parse(k.out_.join('\n'))).toMatchObject({ damage: { count: 1 } });
  });
});

describe('doorbell check', () => {
  it('on the captured VT-d + vfio e1000e tree: JSON, no errors, exit 0', async () => {
    const o = io();
    const code = await main(['--lab', 'linux:test/fixtures/sysroots/x86-vtd-vfio-e1000e', 'check', '--json'], o.io);
    expect(code).toBe(EXIT.OK);
    const doc = JSON.parse(o.out.join('\n')) as { errors: number; rules: { rule: string; state: string }[] };
    expect(doc.errors).toBe(0);
    expect(doc.rules.find((r) => r.rule === 'vector-outside-doorbell')!.state).toBe('pass');
  });

  it('prints the rules that cannot run and why', async () => {
    const o = io();
    expect(await main(['--lab', 'linux:test/fixtures/sysroots/x86-virtio-noiommu', 'check'], o.io)).toBe(EXIT.OK);
    expect(o.out.join('\n')).toMatch(/group-not-viable\s+error\s+not-evaluable\s+no IOMMU groups/);
  });

  it('exits 2 when it cannot run', async () => {
    const o = io();
    expect(await main(['--lab', 'linux:/nonexistent-doorbell-tree', 'check'], o.io)).toBe(EXIT.USAGE);
    expect(await main(['check', '--sample', 'x'], o.io)).toBe(EXIT.USAGE);
  });
});
