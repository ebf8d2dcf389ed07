// SPDX-License-Identifier: MIT
// `doorbell affinity BDF VECTOR CPULIST`: move one vector, verify, print the verdict.
// Also: `--spread CPULIST` / `--pin CPULIST` for every vector of BDF, `--undo`, `--restore-all`,
// `--journal` (outstanding changes and what a restore would do).
import { ERRNO } from '../../../common/errno.js';
import { LabFailure } from '../../../common/errors.js';
import { AffinityEditor, type EditResult, type RestoreOutcome } from '../../affinity/editor.js';
import { AffinityJournal } from '../../affinity/journal.js';
import { decimal, EXIT, formatFailure, notBdf, optionErrors, parseBdf, parseFlags, type CliContext, type Command } from '../context.js';

const USAGE = [
  'doorbell [--lab SPEC] affinity BDF VECTOR CPULIST [--json]',
  '       doorbell [--lab SPEC] affinity BDF --spread CPULIST | --pin CPULIST [--json]',
  '       doorbell [--lab SPEC] affinity --undo [BDF [VECTOR]] | --restore-all | --journal [--json]',
  '',
  'CPULIST is the kernel list syntax (0-3,8). Exit status: 0 every move verified, 1 a move was refused,',
  'is wrong, pending or unconfirmed, 2 usage error. Changes are journaled in',
  '${XDG_STATE_HOME:-~/.local/state}/doorbell/affinity-journal.jsonl (DOORBELL_STATE_DIR overrides).',
].join('\n');

function printEdit(ctx: CliContext, r: EditResult): void {
  ctx.out(`${r.bdf} vector ${r.index} (IRQ ${r.irq ?? '-'}): ${r.before.affinity ?? '?'} → ${r.requested}`);
  const errno = r.verdict.errno;
  ctx.out(`  verdict: ${r.verdict.headline}${errno ? ` [${errno}${errno in ERRNO ? ` ${ERRNO[errno as keyof typeof ERRNO]}` : ''}]` : ''}`);
  ctx.out(`  ${r.verdict.explanation}`);
  for (const e of r.verdict.evidence) ctx.out(`    - ${e}`);
  if (r.verdict.kind !== 'verified') ctx.out(`  hint: ${r.verdict.hint}`);
  for (const w of r.warnings) ctx.out(`  warning: ${w}`);
}

function printRestore(ctx: CliContext, o: RestoreOutcome): void {
  ctx.out(`IRQ ${o.irq} (${o.bdf} vector ${o.index}): ${o.action} — ${o.why}`);
  if (o.result) ctx.out(`  verdict: ${o.result.verdict.headline}`);
}

async function offerRecovery(ctx: CliContext, ed: AffinityEditor): Promise<void> {
  try {
    // Changes of a Doorbell that still runs (the console, another command) are its own to undo.
    const items = (await ed.recovery()).filter((i) => i.action === 'restore' && i.run !== 'other');
    if (items.length === 0) return;
    const crashed = items.filter((i) => i.interrupted).length;
    ctx.err(`doorbell: ${items.length} affinity change(s) Doorbell made are still in force${crashed ? ` (${crashed} from an interrupted session)` : ''}: ${items.map((i) => `IRQ ${i.irq} ${i.current} (was ${i.original})`).join(', ')}. Run \`doorbell affinity --restore-all\` to restore them.`);
  } catch { /* the offer is advisory */ }
}

export const affinity: Command = {
  name: 'affinity',
  summary: 'Move a vector\'s IRQ affinity, verify the move against the controller\'s rule, journal it (undo, restore-all)',
  usage: USAGE,
  async run(args, ctx) {
    const { flags, positional, unknown } = parseFlags(args, { values: ['spread', 'pin'], bools: ['json', 'undo', 'restore-all', 'journal'] });
    const bad = (m: string) => { ctx.err(`doorbell affinity: ${m}\nusage: ${USAGE}`); return EXIT.USAGE; };
    if (unknown.length > 0) return bad(optionErrors(unknown));
    const modes = ['spread', 'pin', 'undo', 'restore-all', 'journal'].filter((m) => flags[m] !== undefined);
    if (modes.length > 1) return bad(`--${modes.join(' and --')} cannot be combined`);
    const mode = modes[0] ?? 'set';
    if (mode === 'set' && positional.length !== 3) return bad('needs BDF VECTOR CPULIST');
    if ((mode === 'spread' || mode === 'pin') && positional.length !== 1) return bad(`--${mode} needs exactly one BDF`);
    if ((mode === 'restore-all' || mode === 'journal') && positional.length !== 0) return bad(`--${mode} takes no BDF`);
    if (mode === 'undo' && positional.length > 2) return bad('--undo takes at most BDF VECTOR');
    const index = positional[1] === undefined ? undefined : decimal(positional[1]);
    if (index !== undefined && (!Number.isInteger(index) || index < 0)) return bad(`VECTOR must be a vector index (0, 1, …), got "${positional[1]}"`);
    const bdf = positional[0] === undefined ? undefined : parseBdf(positional[0]);
    if (bdf === null) return bad(notBdf(positional[0]!));

    const lab = await ctx.openLab();
    const ed = new AffinityEditor({ backend: lab, journal: new AffinityJournal() });
    const json = flags.json === true;
    try {
      if (mode !== 'restore-all' && mode !== 'journal') await offerRecovery(ctx, ed);
      let edits: EditResult[] = [];
      switch (mode) {
        case 'set': edits = [await ed.setAffinity(bdf!, index!, positional[2]!)]; break;
        case 'spread': edits = await ed.spread(bdf!, flags.spread as string); break;
        case 'pin': edits = await ed.pinAll(bdf!, flags.pin as string); break;
        case 'undo': {
          const o = await ed.undo({ ...(bdf ? { bdf } : {}), ...(index !== undefined ? { index } : {}) });
          if (json) ctx.out(JSON.stringify(o, null, 2));
          else if (!o) ctx.out('nothing to undo: no outstanding change on this lab');
          else printRestore(ctx, o);
          return !o || o.action !== 'restore' || o.result?.verdict.kind === 'verified' || o.result?.verdict.kind === 'unconfirmed' ? EXIT.OK : EXIT.FAIL;
        }
        case 'restore-all': {
          const items = await ed.recovery();
          const running = items.filter((i) => i.run === 'other' && i.action === 'restore');
          const all = await ed.restoreAll({ running: false, items });
          if (json) ctx.out(JSON.stringify({ restored: all, leftToRunning: running }, null, 2));
          else {
            if (all.length === 0) ctx.out(`nothing to restore: no outstanding change on this lab${running.length ? ' but those of a Doorbell still running' : ''}`);
            for (const o of all) printRestore(ctx, o);
            // Not taken from under a console that still shows (and may undo) them; --undo takes one anyway.
            for (const i of running) ctx.out(`IRQ ${i.irq} (${i.bdf} vector ${i.index}): left alone — changed by a Doorbell that is still running (${i.original} → ${i.lastWritten}); undo it there, or stop it and run --restore-all again, or \`doorbell affinity --undo ${i.bdf} ${i.index}\` restores it now`);
          }
          return all.some((o) => o.result?.verdict.kind === 'refused') ? EXIT.FAIL : EXIT.OK;
        }
        case 'journal': {
          const items = await ed.recovery();
          const changes = ed.journal.changes().length;
          const damage = ed.journal.damage();
          if (json) ctx.out(JSON.stringify({ file: ed.journal.file, outstanding: items, changes, damage }, null, 2));
          else {
            ctx.out(`journal: ${ed.journal.file} (${changes} changes)`);
            if (damage) ctx.err(`doorbell affinity: warning: ${damage.message}\n  hint: ${damage.hint}`);
            if (items.length === 0) ctx.out('no outstanding change on this lab');
            const whose = { this: '', other: ' [by a Doorbell still running]', ended: ' [by a Doorbell that ended]' } as const;
            for (const i of items) ctx.out(`IRQ ${i.irq} (${i.bdf} vector ${i.index}): ${i.original} → ${i.lastWritten}, now ${i.current ?? '?'}: ${i.action}${whose[i.run]} — ${i.why}`);
          }
          // A journal with unreadable lines is not a clean answer: changes recorded only there are unknown.
          return damage ? EXIT.FAIL : EXIT.OK;
        }
      }
      if (json) ctx.out(JSON.stringify(edits.length === 1 ? edits[0] : edits, null, 2));
      else for (const r of edits) printEdit(ctx, r);
      return edits.length > 0 && edits.every((r) => r.verdict.kind === 'verified') ? EXIT.OK : EXIT.FAIL;
    } catch (e) {
      // A CPU list the kernel would refuse (EINVAL, ERANGE or EOVERFLOW) is the user's to fix: a usage error.
      if (e instanceof LabFailure && e.error.op === 'affinity') {
        ctx.err(`doorbell affinity: ${e.error.message}\n  hint: ${e.error.hint}`);
        return EXIT.USAGE;
      }
      if (e instanceof LabFailure) { ctx.err(`doorbell affinity: ${formatFailure(e.error)}`); return e.error.errnoName === 'ENOENT' || e.error.errnoName === 'ENODEV' ? EXIT.USAGE : EXIT.FAIL; }
      throw e;
    } finally {
      await lab.close();
    }
  },
};
