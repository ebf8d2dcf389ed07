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
    expect(cs.skipped).toEqual([{ line: 2, text: '{"t":"result","id":"torn-by-a-crash' }]);
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
    expect(j.skipped).toEqual([{ line: 2, text: line.slice(0, 20) }]);
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
