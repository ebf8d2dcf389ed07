// SPDX-License-Identifier: MIT
// The checks engine: pure rules over the lab's model, run on every refresh and after every edit.
import { RULES } from './rules.js';
import type { CheckInput, CheckReport, CheckRule, Finding, RuleStatus } from './types.js';

export * from './types.js';
export { RULES } from './rules.js';
export { predictMap, predictAttach, type Prediction } from './predict.js';

const ORDER = { error: 0, warning: 1, info: 2 } as const;

export function runChecks(input: CheckInput, rules: readonly CheckRule[] = RULES): CheckReport {
  const findings: Finding[] = [];
  const statuses: RuleStatus[] = [];
  for (const r of rules) {
    const base = { rule: r.id, title: r.title, severity: r.severity };
    let a;
    try { a = r.applies(input); } catch (e) { a = { ok: false as const, why: `the rule failed on this input: ${e instanceof Error ? e.message : String(e)}` }; }
    if (!a.ok) { statuses.push({ ...base, state: 'not-evaluable', why: a.why, findings: 0 }); continue; }
    let f: Finding[];
    try { f = r.run(input); } catch (e) {
      statuses.push({ ...base, state: 'not-evaluable', why: `the rule failed on this input: ${e instanceof Error ? e.message : String(e)}`, findings: 0 });
      continue;
    }
    findings.push(...f);
    statuses.push({ ...base, state: f.length > 0 ? 'findings' : 'pass', why: null, findings: f.length });
  }
  findings.sort((x, y) => ORDER[x.severity] - ORDER[y.severity]);
  return {
    findings, rules: statuses,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
  };
}
