// SPDX-License-Identifier: MIT
// `doorbell bringup BDF [--run [--up-to STEP]] [--json]`: the guided bring-up checklist of one
// device. Without --run it lists the steps (and whether the device is held by another process);
// with --run it runs them in order, stops at the first failure, and always rolls back.
import { LabFailure } from '../../../common/errors.js';
import { BRINGUP_STEPS, type BringupChecklist, type BringupStepId } from '../../../common/model/index.js';
import { AffinityEditor } from '../../affinity/editor.js';
import { AffinityJournal } from '../../affinity/journal.js';
import { BringupRunner } from '../../bringup/runner.js';
import { EXIT, failureLine, formatFailure, notBdf, optionErrors, parseBdf, parseFlags, type CliContext, type Command } from '../context.js';

const USAGE = [
  'doorbell [--lab SPEC] bringup BDF [--run [--up-to STEP]] [--json]',
  '',
  `STEP is one of ${BRINGUP_STEPS.join(', ')}. --run runs the checklist, stops at the first failure and`,
  'then rolls back (with --up-to the run stops after STEP and still rolls back on exit). Exit status: 0 no',
  'step failed, 1 a step failed, 2 usage error or the lab could not be opened.',
].join('\n');

const MARK: Record<string, string> = { pending: '·', running: '…', passed: '✓', failed: '✗', skipped: '–' };

function print(ctx: CliContext, c: BringupChecklist): void {
  ctx.out(`bring-up of ${c.bdf} on ${c.lab}`);
  if (c.passive) ctx.out(`passive: ${c.passive.why}`);
  c.steps.forEach((s, i) => {
    // A failure names the operation that failed and the kernel's errno, name and number.
    const outcome = s.error && (s.state === 'failed' || s.state === 'skipped') ? failureLine(s.error) : s.summary;
    ctx.out(`${MARK[s.state]} ${i + 1}. ${s.title} — ${s.state}${outcome ? `: ${outcome}` : ''}`);
    if (s.state === 'pending') ctx.out(`     ${s.does}`);
    for (const e of s.evidence) ctx.out(`     - ${e}`);
    if (s.ops.length) ctx.out(`     kernel: ${s.ops.map((o) => `${o.op}${o.ok ? '' : ` → ${o.errnoName ?? 'error'}${o.errno !== null ? ` (${o.errno})` : ''}`}`).join('; ')}`);
    if (s.state === 'failed' || s.state === 'skipped') {
      if (s.explanation) ctx.out(`     why: ${s.explanation}`);
      if (s.error) ctx.out(`     what to do: ${s.error.hint}`);
    }
  });
  if (c.holding.length) ctx.out(`holding: ${c.holding.join('; ')}`);
}

export const bringup: Command = {
  name: 'bringup',
  summary: 'Guided bring-up of a device: IOMMU, vfio-pci, iommufd, IOAS, vectors, doorbells, delivery, an affinity move, rollback',
  usage: USAGE,
  async run(args, ctx) {
    const { flags, positional, unknown } = parseFlags(args, { values: ['up-to'], bools: ['run', 'json'] });
    const bad = (m: string) => { ctx.err(`doorbell bringup: ${m}\nusage: ${USAGE}`); return EXIT.USAGE; };
    if (unknown.length > 0) return bad(optionErrors(unknown));
    if (positional.length !== 1) return bad('needs exactly one BDF');
    const bdf = parseBdf(positional[0]!);
    if (!bdf) return bad(notBdf(positional[0]!));
    const upTo = flags['up-to'] as string | undefined;
    if (upTo !== undefined && !(BRINGUP_STEPS as readonly string[]).includes(upTo)) return bad(`unknown step "${upTo}"`);
    if (upTo !== undefined && !flags.run) return bad('--up-to needs --run');
    let lab;
    try { lab = await ctx.openLab(); } catch (e) {
      ctx.err(`doorbell bringup: ${e instanceof LabFailure ? formatFailure(e.error) : String(e)}`);
      return EXIT.USAGE;
    }
    try {
      const editor = new AffinityEditor({ backend: lab, journal: new AffinityJournal() });
      const runner = new BringupRunner({ backend: lab, bdf, editor });
      let c: BringupChecklist;
      try {
        c = flags.run ? await runner.runAll(upTo as BringupStepId | undefined) : await runner.checklist();
        // A partial run (--up-to) must not leave anything open when the CLI exits.
        if (flags.run && c.holding.length > 0) c = await runner.runStep('rollback');
      } catch (e) {
        ctx.err(`doorbell bringup: ${e instanceof LabFailure ? formatFailure(e.error) : String(e)}`);
        return EXIT.USAGE;
      }
      if (flags.json) ctx.out(JSON.stringify(c, null, 2));
      else print(ctx, c);
      return c.steps.some((s) => s.state === 'failed') ? EXIT.FAIL : EXIT.OK;
    } finally {
      await lab.close();
    }
  },
};
