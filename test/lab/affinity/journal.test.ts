// SPDX-License-Identifier: MIT
// The journal file as a file: a line torn by a crash does not take the next record with it, and a
// replay that reads only what was appended since its last call (by this process or another) sees
// exactly what a fresh read of the whole file sees.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AffinityJournal, type ChangeIntent } from '../../../lab/affinity/journal.js';
import { scratchDirs } from '../../helpers/scratch.js';

const BDF = '0000:01:00.0';
const stateDir = scratchDirs('doorbell-journal-');

const intent = (irq: number, why: ChangeIntent['why'] = 'set'): ChangeIntent => ({ lab: 'sim:x', bootId: 'b', bdf: BDF, index: irq % 64, irq, old: '0-1', new: '1', why });

/** What a reader that has never seen the file makes of it. */
function fresh(dir: string) {
  const j = new AffinityJournal(dir);
  return { changes: j.changes(), skipped: j.skipped };
}

describe('lab/affinity/journal', () => {
  it('a line torn by a crash is ended before the next record, which is kept', () => {
    const dir = stateDir();
    const j = new AffinityJournal(dir);
    const a = j.intent(intent(34));
    fs.appendFileSync(j.file, '{"t":"result","id":"torn-by-a-crash');
    const b = j.intent(intent(35));
    j.result(b, { ok: true, verdict: 'verified' });
    const cs = fresh(dir);
    // Without the newline the torn line and the intent of b were one unparseable line: b was lost,
    // and its result then named an unknown change.
    expect(cs.changes.map((c) => c.id)).toEqual([a, b]);
    expect(cs.changes[1]!.result?.verdict).toBe('verified');
    expect(cs.skipped).toEqual([{ line: 2, text: '{"t":"result","id":"torn-by-a-crash', reason: expect.stringMatching(/^not JSON \(/) }]);
    expect(fs.readFileSync(j.file, 'utf8').split('\n')).toHaveLength(5);
  });

  it('reads only what was appended since, by itself or another writer, and sees what a fresh read sees', () => {
    const dir = stateDir();
    const mine = new AffinityJournal(dir, { chunk: 7 });
    const other = new AffinityJournal(dir);
    let seed = 7;
    // The high bits of the LCG: its low bits repeat with a short period.
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 16) % n;
    const ids: string[] = [];
    let reads = 0;
    for (let i = 0; i < 300; i++) {
      const w = rnd(2) ? mine : other;
      const k = rnd(4);
      if (k === 0 || ids.length === 0) ids.push(w.intent({ ...intent(40 + (i % 50)), why: 'set' }));
      else if (k === 1) w.result(ids[rnd(ids.length)]!, { ok: rnd(3) !== 0, verdict: 'verified', headline: 'µ-moved ✓ (multi-byte text split across reads)' });
      else if (k === 2) w.close(ids[rnd(ids.length)]!, 'reverted', `undone at step ${i} — “quoted”`);
      else {
        reads++;
        const seen = mine.changes();
        expect(seen).toEqual(fresh(dir).changes);
        expect(mine.skipped).toEqual([]);
      }
    }
    expect(reads).toBeGreaterThan(40);
    expect(mine.changes()).toEqual(fresh(dir).changes);
    expect(mine.changes()).toHaveLength(ids.length);
  });

  it('what it returned does not change when later records arrive', () => {
    const dir = stateDir();
    const j = new AffinityJournal(dir);
    const id = j.intent(intent(36));
    const before = j.outstanding();
    j.result(id, { ok: true, verdict: 'verified' });
    j.close(id, 'reverted', 'undone');
    expect(before[0]!.result).toBeNull();
    expect(before[0]!.closed).toBeNull();
    expect(j.outstanding()).toEqual([]);
  });

  it('a last line without its newline is read each time, and kept once it is complete', () => {
    const dir = stateDir();
    const j = new AffinityJournal(dir, { chunk: 5 });
    const a = j.intent(intent(37));
    const line = JSON.stringify({ t: 'result', id: a, at: 1, ok: true, errno: null, verdict: 'verified', headline: null, effective: '1' });
    // Another writer's record, caught half written: its start is not a record yet.
    fs.appendFileSync(j.file, line.slice(0, 20));
    expect(j.changes()[0]!.result).toBeNull();
    expect(j.skipped).toEqual([{ line: 2, text: line.slice(0, 20), reason: 'no newline at its end: still being written, or cut short by a crash' }]);
    fs.appendFileSync(j.file, `${line.slice(20)}\n`);
    expect(j.changes()[0]!.result?.verdict).toBe('verified');
    expect(j.skipped).toEqual([]);
  });

  it('a file replaced (another inode) or cut shorter is read again from its start', () => {
    const dir = stateDir();
    const j = new AffinityJournal(dir);
    j.intent(intent(38));
    j.intent(intent(39));
    expect(j.changes()).toHaveLength(2);
    // Replaced, e.g. restored from a backup: rename() gives it another inode.
    const keep = fs.readFileSync(j.file, 'utf8').split('\n')[0]!;
    fs.writeFileSync(`${j.file}.new`, `${keep}\n`);
    fs.renameSync(`${j.file}.new`, j.file);
    expect(j.changes().map((c) => c.intent.irq)).toEqual([38]);
    j.intent(intent(41));
    expect(j.changes().map((c) => c.intent.irq)).toEqual([38, 41]);
    // Cut shorter in place (same inode).
    fs.truncateSync(j.file, 0);
    expect(j.changes()).toEqual([]);
    fs.rmSync(j.file);
    expect(j.changes()).toEqual([]);
  });
});

describe('lab/affinity/journal: lines it cannot read are said, not dropped', () => {
  it('bad lines in the middle: counted with line and reason, the readable changes kept', () => {
    const dir = stateDir();
    const j = new AffinityJournal(dir);
    const a = j.intent(intent(50));
    fs.appendFileSync(j.file, 'garbage from an editor\n{"t":"bogus"}\n');
    const noIrq = JSON.stringify({ t: 'intent', id: 'x1', at: 1, pid: 1, lab: 'sim:x', bootId: 'b', bdf: BDF, index: 1, old: '0', new: '1', why: 'set' });
    fs.appendFileSync(j.file, `${noIrq}\n${JSON.stringify({ t: 'close', id: 'nope', at: 1, how: 'reverted', note: '' })}\n`);
    const c = j.intent(intent(51));
    const r = new AffinityJournal(dir);
    expect(r.changes().map((x) => x.id)).toEqual([a, c]);
    expect(r.outstanding().map((x) => x.intent.irq)).toEqual([50, 51]);
    expect(r.skippedCount).toBe(4);
    expect(r.skipped.map((s) => [s.line, s.reason])).toEqual([
      [2, expect.stringMatching(/^not JSON \(.+\)$/)],
      [3, 'JSON, but not a journal record (no "t" of intent, result or close)'],
      [4, 'an intent record without a valid "irq"'],
      [5, 'a close record for change nope, which has no readable intent before it'],
    ]);
    const d = r.damage()!;
    expect(d).toMatchObject({ file: j.file, count: 4, notJournal: false });
    expect(d.message).toMatch(new RegExp(`^the journal at ${j.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has 4 unreadable lines \\(first at line 2: not JSON \\(.+\\)\\); Doorbell read the other 2 records$`));
    expect(d.hint).toContain(`sed -n '2p' ${j.file}`);
    expect(d.hint).toMatch(/can still be restored/);
    // Nothing is removed from the file.
    expect(fs.readFileSync(j.file, 'utf8')).toContain('garbage from an editor\n');
  });

  it('a file that is not a journal is said to be one, with its first line and what to do', () => {
    const dir = stateDir();
    const j = new AffinityJournal(dir);
    fs.writeFileSync(j.file, '# notes\nirq 34 -> cpu 1\n');
    expect(j.changes()).toEqual([]);
    const d = j.damage()!;
    expect(d.notJournal).toBe(true);
    expect(d.message).toMatch(/is not an affinity journal: none of its 2 lines is a Doorbell record \(first at line 1: not JSON/);
    expect(d.hint).toContain(`mv ${j.file} ${j.file}.not-a-journal`);
  });

  it('keeps the first 20 lines with their reasons and counts them all; a clean journal has no damage', () => {
    const dir = stateDir();
    const j = new AffinityJournal(dir);
    j.intent(intent(52));
    expect(j.changes()).toHaveLength(1);
    expect(j.damage()).toBeNull();
    fs.appendFileSync(j.file, Array.from({ length: 30 }, (_, i) => `bad ${i}\n`).join(''));
    expect(j.changes()).toHaveLength(1);
    const d = j.damage()!;
    expect(d.count).toBe(30);
    expect(d.lines).toHaveLength(20);
    expect(d.lines[0]!.line).toBe(2);
    expect(d.message).toMatch(/has 30 unreadable lines \(first at line 2: /);
  });
});
