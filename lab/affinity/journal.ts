// SPDX-License-Identifier: MIT
// The affinity journal: every change Doorbell makes to /proc/irq/N/smp_affinity_list, recorded so
// that no affinity is ever left changed without a record. Append-only JSON lines; each record is
// written with one write() and fsynced before the caller goes on, and the intent is on disk before
// /proc is written. A line torn by a crash is skipped on replay. IRQ numbers are reused after a
// rebind or a reboot, so each change also names the device (BDF, vector index) and the boot
// (/proc/sys/kernel/random/boot_id): a change from another boot is gone, not restorable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { LabFailure, toLabError } from '../../common/errors.js';
import type { JournalEntry } from '../../common/verdict.js';

export const JOURNAL_FILE = 'affinity-journal.jsonl';

/** What is fsynced before /proc is written: the listed fields of a journal entry, plus the boot. */
export interface ChangeIntent extends Pick<JournalEntry, 'lab' | 'bdf' | 'index' | 'irq' | 'old' | 'new' | 'why'> {
  bootId: string;
  /** For undo/restore: the changes this one reverts. */
  reverts?: string[];
}

export type JournalRecord =
  | ({ t: 'intent'; id: string; at: number; pid: number } & ChangeIntent)
  | { t: 'result'; id: string; at: number; ok: boolean; errno: string | null; verdict: string | null; headline: string | null; effective: string | null }
  /** A change no longer needs restoring: reverted, found already back, changed by someone else, or gone. */
  | { t: 'close'; id: string; at: number; how: 'reverted' | 'not-applied' | 'changed-elsewhere' | 'gone' | 'dismissed'; note: string };

export interface ChangeState {
  id: string;
  intent: ChangeIntent & { at: number; pid: number };
  result: Extract<JournalRecord, { t: 'result' }> | null;
  closed: Extract<JournalRecord, { t: 'close' }> | null;
}

/** ${XDG_STATE_HOME:-~/.local/state}/doorbell, or DOORBELL_STATE_DIR. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOORBELL_STATE_DIR) return env.DOORBELL_STATE_DIR;
  const base = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'doorbell');
}

function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch { /* some filesystems refuse fsync on a directory; the file itself is synced */ } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/**
 * What changes() has read of the file: the complete lines up to `offset`, replayed. The file only
 * grows (by this process or another), so each call reads what was appended since; a file replaced
 * (another inode) or shorter than what was read is read again from the start.
 */
interface Replay {
  dev: number;
  ino: number;
  offset: number;
  /** Lines replayed so far (for the line numbers of skipped ones). */
  lines: number;
  /** Text after the last newline read (a line still being written, or torn by a crash). */
  carry: string;
  decoder: StringDecoder;
  byId: Map<string, ChangeState>;
  skipped: { line: number; text: string }[];
}

/**
 * Apply one journal line. A change is copied before a record updates it: what changes() returned
 * before never changes under its caller.
 */
function replayLine(byId: Map<string, ChangeState>, skipped: { line: number; text: string }[], l: string, line: number): void {
  if (l.trim() === '') return;
  let rec: JournalRecord;
  try { rec = JSON.parse(l) as JournalRecord; } catch { skipped.push({ line, text: l.slice(0, 120) }); return; }
  if (rec?.t === 'intent') {
    const { t: _t, id, ...intent } = rec;
    byId.set(id, { id, intent, result: null, closed: null });
  } else if (rec?.t === 'result' || rec?.t === 'close') {
    let c = byId.get(rec.id);
    if (!c) { skipped.push({ line, text: `${rec.t} for unknown change ${rec.id}` }); return; }
    byId.set(rec.id, (c = { ...c }));
    if (rec.t === 'result') c.result = rec;
    else c.closed = rec;
  } else {
    skipped.push({ line, text: l.slice(0, 120) });
  }
}

export class AffinityJournal {
  readonly file: string;
  /** Lines that could not be parsed on the last replay (a torn final line after a crash). */
  skipped: { line: number; text: string }[] = [];
  private replay: Replay | null = null;
  private readonly chunk: number;

  /** `chunk`: bytes per read while replaying (tests make it small to split lines and characters). */
  constructor(readonly dir: string = defaultStateDir(), opts: { chunk?: number } = {}) {
    this.file = path.join(dir, JOURNAL_FILE);
    this.chunk = opts.chunk ?? 1 << 20;
  }

  private append(rec: JournalRecord): void {
    const op = `append ${this.file}`;
    try {
      const fresh = !fs.existsSync(this.file);
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const fd = fs.openSync(this.file, 'a+', 0o600);
      try {
        // A line torn by a crash has no newline: end it first, or this record would join it and
        // be lost with it.
        const size = fs.fstatSync(fd).size;
        const last = Buffer.alloc(1);
        const torn = size > 0 && fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
        // One write() of one line: O_APPEND keeps concurrent writers' lines whole.
        fs.writeSync(fd, `${torn ? '\n' : ''}${JSON.stringify(rec)}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      if (fresh) fsyncDir(this.dir);
    } catch (e) {
      const err = toLabError(op, e);
      throw new LabFailure({
        ...err,
        op,
        message: `cannot record the change in the affinity journal, so nothing was written: ${err.message}`,
        hint: `Doorbell will not change an affinity it cannot record: make ${this.dir} writable (or set DOORBELL_STATE_DIR).`,
      });
    }
  }

  /** Record the intent (fsynced) — call before writing /proc. Returns the change id. */
  intent(c: ChangeIntent): string {
    const id = randomUUID();
    this.append({ t: 'intent', id, at: Date.now(), pid: process.pid, ...c });
    return id;
  }

  result(id: string, r: { ok: boolean; errno?: string | null; verdict?: string | null; headline?: string | null; effective?: string | null }): void {
    this.append({ t: 'result', id, at: Date.now(), ok: r.ok, errno: r.errno ?? null, verdict: r.verdict ?? null, headline: r.headline ?? null, effective: r.effective ?? null });
  }

  close(id: string, how: Extract<JournalRecord, { t: 'close' }>['how'], note: string): void {
    this.append({ t: 'close', id, at: Date.now(), how, note });
  }

  /** Every change, oldest first, with its result and close records. */
  changes(): ChangeState[] {
    let fd: number;
    try { fd = fs.openSync(this.file, 'r'); } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') { this.replay = null; this.skipped = []; return []; }
      throw new LabFailure({ ...toLabError(`read ${this.file}`, e), hint: `Check the permissions of ${this.dir}.` });
    }
    try {
      const st = fs.fstatSync(fd);
      let r = this.replay;
      if (!r || r.dev !== st.dev || r.ino !== st.ino || st.size < r.offset) {
        r = this.replay = { dev: st.dev, ino: st.ino, offset: 0, lines: 0, carry: '', decoder: new StringDecoder('utf8'), byId: new Map(), skipped: [] };
      }
      const buf = Buffer.allocUnsafe(Math.min(this.chunk, Math.max(1, st.size - r.offset)));
      while (r.offset < st.size) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, st.size - r.offset), r.offset);
        if (n <= 0) break;
        r.offset += n;
        const lines = (r.carry + r.decoder.write(buf.subarray(0, n))).split('\n');
        r.carry = lines.pop()!;
        for (const l of lines) replayLine(r.byId, r.skipped, l, ++r.lines);
      }
      // A last line without its newline is replayed on a copy, not kept: it may yet be completed.
      let byId = r.byId;
      this.skipped = r.skipped;
      if (r.carry.trim() !== '') {
        byId = new Map(byId);
        this.skipped = [...r.skipped];
        replayLine(byId, this.skipped, r.carry, r.lines + 1);
      }
      return [...byId.values()];
    } catch (e) {
      this.replay = null;
      throw new LabFailure({ ...toLabError(`read ${this.file}`, e), hint: `Check the permissions of ${this.dir}.` });
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Changes that may still be in force: not closed, and either applied (result ok) or interrupted
   * (an intent with no result: the process died between the intent and the result — the /proc write
   * may or may not have happened). Refused writes changed nothing.
   */
  outstanding(lab?: string): ChangeState[] {
    return this.changes().filter((c) => c.closed === null && (c.result === null || c.result.ok) && (lab === undefined || c.intent.lab === lab));
  }

  /** The latest `limit` changes, newest first, as the UI lists them. */
  entries(limit = 500): JournalEntry[] {
    return this.changes().slice(-limit).reverse().map((c) => ({
      id: c.id, at: c.intent.at, lab: c.intent.lab, bdf: c.intent.bdf, index: c.intent.index, irq: c.intent.irq,
      old: c.intent.old, new: c.intent.new, why: c.intent.why,
      result: c.result ? { ok: c.result.ok, errno: c.result.errno, verdict: c.result.verdict, headline: c.result.headline } : null,
      closed: c.closed ? { how: c.closed.how, note: c.closed.note } : null,
    }));
  }
}
