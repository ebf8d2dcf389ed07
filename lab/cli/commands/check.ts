// SPDX-License-Identifier: MIT
// `doorbell check [--json] [--sample MS]`: run every check rule on the lab. Exit 0 when no finding
// is at error level, 1 when errors were found, 2 when the checks could not run.
import { checkLab } from '../../affinity/check-input.js';
import { decimal, EXIT, parseFlags, type Command } from '../context.js';
import { table } from './devices.js';

export const check: Command = {
  name: 'check',
  summary: 'Run the checks (doorbells, targets, counts, groups, reserved regions, eventfds) and print the findings',
  usage: 'doorbell [--lab SPEC] check [--json] [--sample MS]   (exit 0: no errors, 1: errors found, 2: could not run)',
  async run(args, ctx) {
    const { flags, positional, unknown } = parseFlags(args, { values: ['sample'], bools: ['json'] });
    if (unknown.length > 0 || positional.length > 0) {
      ctx.err(`doorbell check: unexpected ${[...unknown, ...positional].join(' ')}\nusage: ${this.usage}`);
      return EXIT.USAGE;
    }
    const sample = flags.sample === undefined ? null : decimal(flags.sample);
    if (sample !== null && (!Number.isInteger(sample) || sample < 0 || sample > 60000)) {
      ctx.err(`doorbell check: --sample takes milliseconds (0–60000), got "${String(flags.sample)}"`);
      return EXIT.USAGE;
    }
    const lab = await ctx.openLab();
    try {
      const info = await lab.info();
      // Two samples of the counters are only meaningful on a live lab.
      const sampleMs = sample ?? (info.writable.ok ? 1000 : 0);
      const r = await checkLab(lab, { sampleMs });
      if (flags.json) {
        ctx.out(JSON.stringify({ lab: info.spec, errors: r.errors, warnings: r.warnings, findings: r.findings, rules: r.rules, notes: r.notes }, null, 2));
      } else {
        if (r.findings.length === 0) ctx.out('no findings');
        for (const f of r.findings) {
          const where = [f.subject.bdf, f.subject.index !== undefined ? `vector ${f.subject.index}` : null, f.subject.irq != null ? `IRQ ${f.subject.irq}` : null, f.subject.group !== undefined ? `group ${f.subject.group}` : null, f.subject.space].filter(Boolean).join(' ');
          ctx.out(`${f.severity.toUpperCase()} ${f.rule}${where ? ` (${where})` : ''}: ${f.message}`);
          ctx.out(`  why: ${f.explanation}`);
          ctx.out(`  fix: ${f.hint}`);
        }
        ctx.out('');
        ctx.out(table(['RULE', 'SEVERITY', 'STATE', 'NOTE'], r.rules.map((s) => [s.rule, s.severity, s.state === 'findings' ? `${s.findings} finding(s)` : s.state, s.why ?? ''])));
        for (const n of r.notes) ctx.out(`note: ${n}`);
      }
      return r.errors > 0 ? EXIT.FAIL : EXIT.OK;
    } finally {
      await lab.close();
    }
  },
};
