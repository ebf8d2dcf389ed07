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

export class AffinityJournal {
  readonly file: string;
  /** Lines that could not be parsed on the last replay (a torn final line after a crash). */
  skipped: { line: number; text: string }[] = [];

  constructor(readonly dir: string = defaultStateDir()) {
    this.file = path.join(dir, JOURNAL_FILE);
  }

  private append(rec: JournalRecord): void {
    const op = `append ${this.file}`;
    try {
      const fresh = !fs.existsSync(this.file);
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const fd = fs.openSync(this.file, 'a', 0o600);
      try {
        // One write() of one line: O_APPEND keeps concurrent writers' lines whole.
        fs.writeSync(fd, `${JSON.stringify(rec)}\n`);
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
    let text: string;
    try { text = fs.readFileSync(this.file, 'utf8'); } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return [];
      throw new LabFailure({ ...toLabError(`read ${this.file}`, e), hint: `Check the permissions of ${this.dir}.` });
    }
    this.skipped = [];
    const byId = new Map<string, ChangeState>();
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.trim() === '') continue;
      let rec: JournalRecord;
      try { rec = JSON.parse(l) as JournalRecord; } catch { this.skipped.push({ line: i + 1, text: l.slice(0, 120) }); continue; }
      if (rec.t === 'intent') {
        const { t: _t, id, ...intent } = rec;
        byId.set(id, { id, intent, result: null, closed: null });
      } else if (rec.t === 'result' || rec.t === 'close') {
        const c = byId.get(rec.id);
        if (!c) { this.skipped.push({ line: i + 1, text: `${rec.t} for unknown change ${rec.id}` }); continue; }
        if (rec.t === 'result') c.result = rec;
        else c.closed = rec;
      } else {
        this.skipped.push({ line: i + 1, text: l.slice(0, 120) });
      }
    }
    return [...byId.values()];
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
