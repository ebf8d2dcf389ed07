// SPDX-License-Identifier: MIT
// `doorbell snapshot -o FILE [--redact] [--redact-cmdline] [--interval MS]`: save everything the
// views show to one file that `--lab snapshot:FILE` opens read-only anywhere.
import { LabFailure } from '../../../common/errors.js';
import { captureSnapshot, encodeSnapshot, redactPayload, writeFileAtomic } from '../../snapshot/index.js';
import { decimal, EXIT, formatFailure, parseFlags, type CliContext, type Command } from '../context.js';

/** `-o X`, `-oX` and `-o=X` are `--out X`. */
export function expandShort(args: string[]): string[] {
  return args.map((a) => (a === '-o' ? '--out' : a.startsWith('-o') && !a.startsWith('--') ? `--out=${a.slice(a.startsWith('-o=') ? 3 : 2)}` : a));
}

export function parseInterval(v: string | boolean | undefined, ctx: CliContext, cmd: string): number | null {
  if (v === undefined) return 1000;
  const n = decimal(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 0 || n > 600000) {
    ctx.err(`doorbell ${cmd}: --interval takes milliseconds between the two interrupt samples (0–600000), got ${String(v)}`);
    return null;
  }
  return n;
}

export const snapshot: Command = {
  name: 'snapshot',
  summary: 'Save everything the views show (and two interrupt samples) to a file others can open read-only',
  usage: 'doorbell [--lab SPEC] snapshot -o FILE [--redact] [--redact-cmdline] [--interval MS]',
  async run(args, ctx) {
    const { flags, positional, unknown } = parseFlags(expandShort(args), { values: ['out', 'interval'], bools: ['redact', 'redact-cmdline'] });
    if (unknown.length > 0 || positional.length > 0 || typeof flags.out !== 'string') {
      ctx.err(`doorbell snapshot: ${typeof flags.out !== 'string' ? 'needs -o FILE' : `unexpected ${[...unknown, ...positional].join(' ')}`}\nusage: ${this.usage}`);
      return EXIT.USAGE;
    }
    const interval = parseInterval(flags.interval, ctx, 'snapshot');
    if (interval === null) return EXIT.USAGE;
    const lab = await ctx.openLab();
    try {
      const live = await captureSnapshot(lab, { intervalMs: interval, progress: (l) => ctx.err(`doorbell snapshot: ${l}`) });
      const { payload, redacted } = redactPayload(live, { hostname: flags.redact === true, serials: flags.redact === true, cmdline: flags['redact-cmdline'] === true });
      const { bytes, header } = encodeSnapshot(payload, { redacted });
      writeFileAtomic(flags.out, bytes);
      ctx.err(`doorbell snapshot: wrote ${flags.out} (${bytes.length} bytes, ${header.payloadBytes} uncompressed, sha256 ${header.sha256.slice(0, 16)}…${redacted.length ? `, redacted ${redacted.join(', ')}` : ''})`);
      return EXIT.OK;
    } catch (e) {
      if (e instanceof LabFailure) { ctx.err(`doorbell snapshot: ${formatFailure(e.error)}`); return EXIT.FAIL; }
      throw e;
    } finally {
      await lab.close();
    }
  },
};
