// SPDX-License-Identifier: MIT
// The session's own records in the snapshot's slots: the checks' findings and the affinity
// journal, in the snapshot format's shapes (docs/snapshot-format.md).
import { parseCpuList } from '../../common/cpulist.js';
import type { Finding as CheckFinding } from '../../common/checks/types.js';
import type { JournalEntry as EditorEntry, VerdictKind } from '../../common/verdict.js';
import type { Finding, JournalEntry } from '../snapshot/format.js';

const VERDICTS: readonly string[] = ['verified', 'pending', 'refused', 'wrong', 'unconfirmed'];

export function findingsForSnapshot(findings: readonly CheckFinding[]): Finding[] {
  return findings.map((f) => {
    const out: Finding = {
      id: f.rule,
      severity: f.severity,
      title: f.title,
      detail: `${f.message} — ${f.hint}`,
      bdf: f.subject.bdf ?? null,
      vector: f.subject.index ?? null,
    };
    if (f.evidence.length) out.evidence = Object.fromEntries(f.evidence.map((e, i) => [`${i + 1}`, e]));
    return out;
  });
}

export function journalForSnapshot(entries: readonly EditorEntry[]): JournalEntry[] {
  const cpus = (s: string) => { const p = parseCpuList(s); return p.ok ? p.cpus : []; };
  return entries.map((e) => {
    const v = e.result?.verdict ?? null;
    const verdict: JournalEntry['verdict'] = e.closed?.how === 'reverted' ? 'reverted'
      : v && VERDICTS.includes(v) ? (v as VerdictKind) : 'unknown';
    return {
      at: e.at, irq: e.irq, bdf: e.bdf, index: e.index,
      before: cpus(e.old), requested: cpus(e.new), effective: null,
      verdict,
      detail: e.result?.headline ?? (e.closed ? `${e.closed.how}: ${e.closed.note}` : e.why),
    };
  });
}
