// SPDX-License-Identifier: MIT
// `doorbell report -o DIR|FILE [--device BDF]`: the bug-report bundle on a headless machine — a
// plain-text report for a mailing list and the snapshot beside it (the window PNG is added by the
// app, which has a window).
import { LabFailure } from '../../../common/errors.js';
import { collectReport, writeBundle } from '../../report/index.js';
import { EXIT, failureLine, formatFailure, notBdf, parseBdf, parseFlags, type Command } from '../context.js';
import { expandShort, parseInterval } from './snapshot.js';

export const report: Command = {
  name: 'report',
  summary: 'Write a bug report: plain-text report (kernel, platform, vectors, address map, findings) plus the snapshot',
  usage: 'doorbell [--lab SPEC] report -o DIR|FILE [--device BDF] [--redact] [--redact-cmdline] [--interval MS]',
  async run(args, ctx) {
    const { flags, positional, unknown } = parseFlags(expandShort(args), { values: ['out', 'device', 'interval'], bools: ['redact', 'redact-cmdline'] });
    if (unknown.length > 0 || positional.length > 0 || typeof flags.out !== 'string') {
      ctx.err(`doorbell report: ${typeof flags.out !== 'string' ? 'needs -o DIR or -o FILE' : `unexpected ${[...unknown, ...positional].join(' ')}`}\nusage: ${this.usage}`);
      return EXIT.USAGE;
    }
    const interval = parseInterval(flags.interval, ctx, 'report');
    if (interval === null) return EXIT.USAGE;
    const device = typeof flags.device === 'string' ? parseBdf(flags.device) : undefined;
    if (device === null) {
      ctx.err(`doorbell report: --device ${notBdf(flags.device as string)}\nusage: ${this.usage}`);
      return EXIT.USAGE;
    }
    const lab = await ctx.openLab();
    try {
      if (device && !(await lab.devices()).some((d) => d.bdf === device)) {
        ctx.err(`doorbell report: no PCI device ${device} in this lab; list them with \`doorbell devices\``);
        return EXIT.USAGE;
      }
      const c = await collectReport(lab, {
        intervalMs: interval,
        ...(device ? { device } : {}),
        redact: { hostname: flags.redact === true, serials: flags.redact === true, cmdline: flags['redact-cmdline'] === true },
        progress: (l) => ctx.err(`doorbell report: ${l}`),
      });
      ctx.err('doorbell report: writing the bundle');
      let w: ReturnType<typeof writeBundle>;
      try {
        w = writeBundle({ out: flags.out, snapshot: c.bytes, text: c.text });
      } catch (e) {
        // writeBundle writes the whole bundle or removes what it began.
        if (e instanceof LabFailure) { ctx.err(`doorbell report: ${failureLine(e.error)}\n  no file of the bundle was written\n  hint: ${e.error.hint}`); return EXIT.FAIL; }
        throw e;
      }
      ctx.err(`doorbell report: wrote ${w.report} (${Buffer.byteLength(c.text)} bytes) and ${w.snapshot} (${c.bytes.length} bytes)`);
      return EXIT.OK;
    } catch (e) {
      if (e instanceof LabFailure) { ctx.err(`doorbell report: ${formatFailure(e.error)}`); return EXIT.FAIL; }
      throw e;
    } finally {
      await lab.close();
    }
  },
};
