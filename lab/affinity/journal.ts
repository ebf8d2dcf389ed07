// SPDX-License-Identifier: MIT
// The affinity journal: every change Doorbell makes to /proc/irq/N/smp_affinity_list, recorded so
// that no affinity is ever left changed without a record. Append-only JSON lines; each record is
// written with one write() and fsynced before the caller goes on, and the intent is on disk before
// /proc is written. A line torn by a crash, or otherwise unreadable, is skipped on replay and
// reported (damage()), never dropped from the file; the rest stays restorable. IRQ numbers are
// reused after a rebind or a reboot, so each change also names the device (BDF, vector index) and
// the boot (/proc/sys/kernel/random/boot_id): a change from another boot is gone, not restorable.
// Each intent also names the core process that wrote it (pid, its start time, this machine's
// boot): a pid alone is reused, pid + start time on one boot is not. Changes of a process that is
// still running are its own to undo; only those of a process that ended are offered for restore.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { LabFailure, toLabError } from '../../common/errors.js';
import type { JournalDamage, JournalEntry } from '../../common/verdict.js';

export const JOURNAL_FILE = 'affinity-journal.jsonl';

/** What is fsynced before /proc is written: the listed fields of a journal entry, plus the boot. */
export interface ChangeIntent extends Pick<JournalEntry, 'lab' | 'bdf' | 'index' | 'irq' | 'old' | 'new' | 'why'> {
  bootId: string;
  /** For undo/restore: the changes this one reverts. */
  reverts?: string[];
}

/**
 * The core process that wrote a record: its pid, its start time (clock ticks after boot, field 22
 * of /proc/PID/stat) and the machine's boot_id. null where /proc could not be read.
 */
export interface RunStamp { pid: number; start: number | null; boot: string | null }

/** Whose changes: this process's, another Doorbell process's that still runs, or one that ended. */
export type RunState = 'this' | 'other' | 'ended';

export type JournalRecord =
  /** `run` is absent in records of Doorbell before it was added: they count as runs that ended. */
  | ({ t: 'intent'; id: string; at: number; pid: number; run?: { start: number | null; boot: string | null } } & ChangeIntent)
  | { t: 'result'; id: string; at: number; ok: boolean; errno: string | null; verdict: string | null; headline: string | null; effective: string | null }
  /** A change no longer needs restoring: reverted, found already back, changed by someone else, or gone. */
  | { t: 'close'; id: string; at: number; how: 'reverted' | 'not-applied' | 'changed-elsewhere' | 'gone' | 'dismissed'; note: string };

export interface ChangeState {
  id: string;
  intent: ChangeIntent & { at: number; pid: number; run?: { start: number | null; boot: string | null } };
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
 * starttime (field 22) of /proc/PID/stat under `proc`, or null: no such process, unreadable, or a
 * process that has exited and waits to be reaped (state Z or X: it runs no more).
 */
export function processStart(pid: number | 'self', proc = '/proc'): number | null {
  let stat: string;
  try { stat = fs.readFileSync(path.join(proc, String(pid), 'stat'), 'utf8'); } catch { return null; }
  // comm (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (f[0] === 'Z' || f[0] === 'X') return null;
  const v = Number(f[22 - 3]);
  return Number.isInteger(v) ? v : null;
}

function hostBoot(proc: string): string | null {
  try { return fs.readFileSync(path.join(proc, 'sys/kernel/random/boot_id'), 'utf8').trim() || null; } catch { return null; }
}

let selfStamp: RunStamp | null = null;
/** This process, as its records name it. */
export function thisRun(): RunStamp {
  selfStamp ??= { pid: process.pid, start: processStart('self'), boot: hostBoot('/proc') };
  return selfStamp;
}

/**
 * Whether the process that wrote `c` is this one, another that still runs, or one that ended,
 * looking processes up under `proc`. A record of a Doorbell that did not stamp its run is taken as
 * ended, and so is one whose start time was unreadable unless it names this very process: a live
 * pid alone may have been reused.
 */
export function runState(c: ChangeState, self: RunStamp, proc = '/proc'): RunState {
  const { pid, run } = c.intent;
  if (!run) return 'ended';
  if (run.boot !== null && self.boot !== null && run.boot !== self.boot) return 'ended';
  if (pid === self.pid && run.start === self.start && run.boot === self.boot) return 'this';
  if (run.start === null) return 'ended';
  return processStart(pid, proc) === run.start ? 'other' : 'ended';
}

/** A line replay could not use, and why. */
export interface SkippedLine { line: number; text: string; reason: string }

/** Lines kept with their reason; beyond these only the count grows (a file that is not a journal has many). */
const SKIPPED_KEPT = 20;

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
  skipped: Skipped;
}

interface Skipped { count: number; first: SkippedLine[]; /** Records replayed. */ records: number }

function skip(s: Skipped, line: number, text: string, reason: string): void {
  s.count++;
  if (s.first.length < SKIPPED_KEPT) s.first.push({ line, text: text.slice(0, 120), reason });
}

/** Why an intent record cannot be replayed (a field missing or of the wrong type), or null. */
function badIntent(r: Record<string, unknown>): string | null {
  for (const k of ['id', 'lab', 'bootId', 'bdf', 'old', 'new', 'why'] as const) if (typeof r[k] !== 'string') return `an intent record without a valid "${k}"`;
  for (const k of ['at', 'pid', 'index', 'irq'] as const) if (!Number.isInteger(r[k])) return `an intent record without a valid "${k}"`;
  return null;
}

/**
 * Apply one journal line. A change is copied before a record updates it: what changes() returned
 * before never changes under its caller. A line that is not a usable record is counted with why.
 */
function replayLine(byId: Map<string, ChangeState>, skipped: Skipped, l: string, line: number, last = false): void {
  if (l.trim() === '') return;
  let rec: JournalRecord;
  try { rec = JSON.parse(l) as JournalRecord; } catch (e) {
    const why = last ? 'no newline at its end: still being written, or cut short by a crash' : `not JSON (${(e as Error).message})`;
    skip(skipped, line, l, why);
    return;
  }
  if (rec === null || typeof rec !== 'object' || !['intent', 'result', 'close'].includes((rec as { t?: unknown }).t as string)) {
    skip(skipped, line, l, 'JSON, but not a journal record (no "t" of intent, result or close)');
    return;
  }
  if (rec.t === 'intent') {
    const bad = badIntent(rec as unknown as Record<string, unknown>);
    if (bad) { skip(skipped, line, l, bad); return; }
    const { t: _t, id, ...intent } = rec;
    byId.set(id, { id, intent, result: null, closed: null });
    skipped.records++;
  } else {
    let c = typeof rec.id === 'string' ? byId.get(rec.id) : undefined;
    if (!c) { skip(skipped, line, l, `a ${rec.t} record for change ${String(rec.id)}, which has no readable intent before it`); return; }
    byId.set(rec.id, (c = { ...c }));
    if (rec.t === 'result') c.result = rec;
    else c.closed = rec;
    skipped.records++;
  }
}

export class AffinityJournal {
  readonly file: string;
  /** Lines the last replay could not use, with why (the first 20 of them; `skippedCount` counts all). */
  skipped: SkippedLine[] = [];
  skippedCount = 0;
  /** Lines of the last replay that were journal records. */
  private records = 0;
  private replay: Replay | null = null;
  private readonly chunk: number;
  /** The process this journal's records name as their writer. */
  readonly run: RunStamp;
  private readonly proc: string;

  /**
   * `chunk`: bytes per read while replaying (tests make it small to split lines and characters).
   * `run`: the writer its records name (default this process; tests stand in for another run).
   * `proc`: where other runs' processes are looked up (default /proc).
   */
  constructor(readonly dir: string = defaultStateDir(), opts: { chunk?: number; run?: RunStamp; proc?: string } = {}) {
    this.file = path.join(dir, JOURNAL_FILE);
    this.chunk = opts.chunk ?? 1 << 20;
    this.run = opts.run ?? thisRun();
    this.proc = opts.proc ?? '/proc';
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
    this.append({ t: 'intent', id, at: Date.now(), pid: this.run.pid, run: { start: this.run.start, boot: this.run.boot }, ...c });
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
      if ((e as { code?: string }).code === 'ENOENT') { this.replay = null; this.skipped = []; this.skippedCount = 0; this.records = 0; return []; }
      throw new LabFailure({ ...toLabError(`read ${this.file}`, e), hint: `Check the permissions of ${this.dir}.` });
    }
    try {
      const st = fs.fstatSync(fd);
      let r = this.replay;
      if (!r || r.dev !== st.dev || r.ino !== st.ino || st.size < r.offset) {
        r = this.replay = { dev: st.dev, ino: st.ino, offset: 0, lines: 0, carry: '', decoder: new StringDecoder('utf8'), byId: new Map(), skipped: { count: 0, first: [], records: 0 } };
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
      let skipped = r.skipped;
      if (r.carry.trim() !== '') {
        byId = new Map(byId);
        skipped = { ...skipped, first: [...skipped.first] };
        replayLine(byId, skipped, r.carry, r.lines + 1, true);
      }
      this.skipped = skipped.first;
      this.skippedCount = skipped.count;
      this.records = skipped.records;
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

  /** Whose each change is (this process, another running one, one that ended); one lookup per process. */
  runStates(): (c: ChangeState) => RunState {
    const seen = new Map<string, RunState>();
    return (c) => {
      const k = `${c.intent.pid}/${c.intent.run?.start}/${c.intent.run?.boot}`;
      let s = seen.get(k);
      if (s === undefined) seen.set(k, (s = runState(c, this.run, this.proc)));
      return s;
    };
  }

  /**
   * What the last replay could not read, said for the user, or null. The readable records stay
   * usable; the unreadable lines are left in the file, never dropped from it.
   */
  damage(): JournalDamage | null {
    const n = this.skippedCount;
    const first = this.skipped[0];
    if (n === 0 || !first) return null;
    const lines = `${n} unreadable line${n > 1 ? 's' : ''}`;
    const notJournal = this.records === 0;
    const message = notJournal
      ? `the journal at ${this.file} is not an affinity journal: none of its ${n} line${n > 1 ? 's' : ''} is a Doorbell record (first at line ${first.line}: ${first.reason})`
      : `the journal at ${this.file} has ${lines} (first at line ${first.line}: ${first.reason}); Doorbell read the other ${this.records} record${this.records === 1 ? '' : 's'}`;
    const look = `sed -n '${first.line}p' ${this.file}`;
    const hint = notJournal
      ? `Nothing in it can be restored. Look at it (${look}); if it is not yours to keep here, move it aside (mv ${this.file} ${this.file}.not-a-journal) and Doorbell starts a new journal, or set DOORBELL_STATE_DIR to another directory.`
      : `The changes it could read are listed and can still be restored; the unreadable lines stay in the file, ignored. Look at them (${look}); a change recorded only on them is not known to Doorbell: check that IRQ's /proc/irq/N/smp_affinity_list by hand.`;
    return { file: this.file, count: n, lines: this.skipped.map(({ line, reason }) => ({ line, reason })), notJournal, message, hint };
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
