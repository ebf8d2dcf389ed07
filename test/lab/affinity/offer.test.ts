// SPDX-License-Identifier: MIT
// Whose changes are offered for restore at start: only those of Doorbell processes that are no
// longer running. A process is named by pid, start time and boot (a pid alone is reused).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AffinityEditor } from '../../../lab/affinity/editor.js';
import { AffinityJournal, processStart, runState, thisRun, type ChangeState, type RunStamp } from '../../../lab/affinity/journal.js';
import { scratchDirs } from '../../helpers/scratch.js';
import { fakeProc } from './fake-proc.js';
import { transpileTree } from './transpile.js';

const BDF = '0000:00:05.0';
const scratch = scratchDirs('doorbell-offer-');
/** Above PID_MAX_LIMIT (2^22): no process ever has it. */
const DEAD_PID = 4194305;

function change(pid: number, run?: { start: number | null; boot: string | null }): ChangeState {
  return { id: 'c', intent: { lab: 'linux', bootId: 'b', bdf: BDF, index: 0, irq: 33, old: '0', new: '1', why: 'set', at: 0, pid, ...(run ? { run } : {}) }, result: null, closed: null };
}

describe('runState', () => {
  it('this process, another that runs (pid and start time match), one that ended (gone, pid reused, rebooted, unstamped)', () => {
    const proc = scratch();
    fs.mkdirSync(path.join(proc, '1234'));
    // comm may hold spaces and parentheses; starttime is field 22.
    const stat = (state: string) => {
      const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
      fields[0] = state;
      fields[22 - 3] = '5555';
      return `1234 (doorbell (x) y) ${fields.join(' ')}\n`;
    };
    fs.writeFileSync(path.join(proc, '1234/stat'), stat('S'));
    expect(processStart(1234, proc)).toBe(5555);
    const self: RunStamp = { pid: 77, start: 42, boot: 'B' };
    expect(runState(change(77, { start: 42, boot: 'B' }), self, proc)).toBe('this');
    expect(runState(change(1234, { start: 5555, boot: 'B' }), self, proc)).toBe('other');
    expect(runState(change(1234, { start: 5556, boot: 'B' }), self, proc)).toBe('ended');
    expect(runState(change(1235, { start: 5555, boot: 'B' }), self, proc)).toBe('ended');
    expect(runState(change(1234, { start: 5555, boot: 'A' }), self, proc)).toBe('ended');
    expect(runState(change(77, { start: 41, boot: 'B' }), self, proc)).toBe('ended');
    expect(runState(change(1234), self, proc)).toBe('ended');
    // Exited, not yet reaped by its parent: it runs no more.
    fs.writeFileSync(path.join(proc, '1234/stat'), stat('Z'));
    expect(runState(change(1234, { start: 5555, boot: 'B' }), self, proc)).toBe('ended');
  });

  it('on this machine: records are stamped with this process; its parent, still running, is another run', () => {
    const me = thisRun();
    expect(me.pid).toBe(process.pid);
    expect(me.start).toBe(processStart(process.pid));
    expect(me.boot).toBe(fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    const j = new AffinityJournal(scratch());
    j.intent({ lab: 'linux', bootId: 'b', bdf: BDF, index: 0, irq: 33, old: '0', new: '1', why: 'set' });
    const [c] = j.changes();
    expect(c!.intent.run).toEqual({ start: me.start, boot: me.boot });
    expect(j.runStates()(c!)).toBe('this');
    expect(runState(change(process.ppid, { start: processStart(process.ppid), boot: me.boot }), me)).toBe('other');
    expect(runState(change(DEAD_PID, { start: 1, boot: me.boot }), me)).toBe('ended');
  });
});

describe('recovery and the offer', () => {
  it('marks each IRQ with whose changes it holds; restoreAll({ ended }) restores only those of runs that ended', async () => {
    const f = fakeProc([{ bdf: BDF, index: 0, irq: 33, mask: '0-1' }, { bdf: BDF, index: 1, irq: 34, mask: '0-1' }]);
    const dir = scratch();
    // An earlier Doorbell moved IRQ 33 and then died.
    const earlier = new AffinityJournal(dir, { run: { pid: DEAD_PID, start: 1, boot: thisRun().boot } });
    const id = earlier.intent({ lab: 'linux:fake', bootId: 'boot-1', bdf: BDF, index: 0, irq: 33, old: '0-1', new: '1', why: 'set' });
    f.write(33, '1');
    earlier.result(id, { ok: true, verdict: 'verified' });
    // This core moves IRQ 34: a page reload must not offer it back.
    const ed = new AffinityEditor({ backend: f.backend, journal: new AffinityJournal(dir), observeMs: 0 });
    await ed.setAffinity(BDF, 1, '1');
    const items = await ed.recovery();
    expect(items.map((i) => [i.irq, i.action, i.run])).toEqual([[33, 'restore', 'ended'], [34, 'restore', 'this']]);
    const done = await ed.restoreAll({ ended: true });
    expect(done.map((o) => o.irq)).toEqual([33]);
    expect([f.read(33), f.read(34)]).toEqual(['0-1', '1']);
    expect((await ed.recovery()).map((i) => [i.irq, i.run])).toEqual([[34, 'this']]);
  });
});

describe('a Doorbell process that edits, then is killed (kill -9)', () => {
  it('its change is another run\'s while it runs, and one that ended once it is killed', async () => {
    const f = fakeProc([{ bdf: BDF, index: 1, irq: 34, mask: '0-1' }]);
    const dir = scratch();
    const childJs = transpileTree('test/lab/affinity/crash-child.ts', path.join(scratch(), 'js'));
    const child = spawn(process.execPath, [childJs, dir, f.root, 'linux:fake', 'boot-1', BDF, '1', '34', '0-1', '1', 'after'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('READY')) resolve(); });
      child.on('exit', (code) => reject(new Error(`child exited ${code} before READY`)));
    });
    const ed = new AffinityEditor({ backend: f.backend, journal: new AffinityJournal(dir), observeMs: 0 });
    try {
      expect((await ed.recovery()).map((i) => [i.irq, i.action, i.run])).toEqual([[34, 'restore', 'other']]);
      expect(await ed.restoreAll({ ended: true })).toEqual([]);
      expect(f.read(34)).toBe('1');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect((await ed.recovery()).map((i) => [i.irq, i.action, i.run])).toEqual([[34, 'restore', 'ended']]);
    await ed.restoreAll({ ended: true });
    expect(f.read(34)).toBe('0-1');
  });
});
