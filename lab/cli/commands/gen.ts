// SPDX-License-Identifier: MIT
// `doorbell gen-sysroot DIR --cpus N --irqs M --devices D --vectors V [--seed S] [--arch A]`:
// write a synthetic machine (for load testing) that `--lab linux:DIR` opens like a captured one.
// DIR is replaced whole if gen-sysroot wrote it; any other non-empty directory is refused, or with
// --force renamed to DIR.old-N first (never deleted).
import { LabFailure } from '../../../common/errors.js';
import { checkOptions, writeSysroot, type GenArch, type GenOptions } from '../../gen/index.js';
import { EXIT, formatFailure, parseFlags, type Command } from '../context.js';

export const genSysroot: Command = {
  name: 'gen-sysroot',
  summary: 'Write a synthetic machine (N CPUs, M IRQs, D devices × V MSI-X vectors) to open with --lab linux:DIR',
  usage: 'doorbell gen-sysroot DIR --cpus N --devices D --vectors V [--irqs M] [--seed S] [--arch x86_64|arm64] [--force]',
  async run(args, ctx) {
    const { flags, positional, unknown } = parseFlags(args, { values: ['cpus', 'irqs', 'devices', 'vectors', 'seed', 'arch'], bools: ['force'] });
    const usage = (why: string) => { ctx.err(`doorbell gen-sysroot: ${why}\nusage: ${this.usage}`); return EXIT.USAGE; };
    if (unknown.length > 0 || positional.length !== 1) return usage(positional.length !== 1 ? 'needs exactly one DIR' : `unexpected ${unknown.join(' ')}`);
    // Each number is named when it is missing or not decimal (checkOptions then sees real values).
    const missing = ['cpus', 'devices', 'vectors'].filter((n) => flags[n] === undefined);
    if (missing.length > 0) return usage(`needs ${missing.map((n) => `--${n} N`).join(', ')}`);
    const notNumber = ['cpus', 'devices', 'vectors', 'irqs', 'seed'].find((n) => flags[n] !== undefined && !/^\d+$/.test(String(flags[n])));
    if (notNumber) return usage(`--${notNumber} takes a decimal integer, got "${String(flags[notNumber])}"`);
    const num = (name: string, dflt?: number): number => {
      const v = flags[name];
      if (v === undefined && dflt !== undefined) return dflt;
      return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    };
    const arch = flags.arch ?? 'x86_64';
    if (arch !== 'x86_64' && arch !== 'arm64') return usage(`--arch must be x86_64 or arm64, got ${String(arch)}`);
    const devices = num('devices'), vectors = num('vectors');
    const opts: GenOptions = {
      cpus: num('cpus'), devices, vectors,
      irqs: num('irqs', Number.isNaN(devices * vectors) ? NaN : devices * vectors + 32),
      seed: num('seed', 1), arch: arch as GenArch,
    };
    const bad = checkOptions(opts) ?? (Number.isNaN(opts.seed) ? '--seed must be a non-negative integer' : null);
    if (bad) return usage(bad);
    const dir = positional[0]!;
    const t0 = performance.now();
    let t: ReturnType<typeof writeSysroot>;
    try {
      t = writeSysroot(dir, opts, { aside: flags.force === true });
    } catch (e) {
      if (e instanceof LabFailure) { ctx.err(`doorbell gen-sysroot: ${formatFailure(e.error)}`); return EXIT.FAIL; }
      throw e;
    }
    const m = t.machine;
    if (t.replaced.kind === 'generated') ctx.out(`replaced the tree gen-sysroot had written at ${t.dir}`);
    if (t.replaced.kind === 'moved') ctx.out(`moved what was at ${t.dir} to ${t.replaced.to} (nothing in it was changed)`);
    ctx.out(`wrote ${t.dir}: ${m.cpus.length} CPUs, ${m.irqs.length} IRQs, ${m.devices.length} devices × ${opts.vectors} vectors, ` +
      `/proc/interrupts ${(t.interruptsBytes / 1e6).toFixed(1)} MB, ${t.files} files in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    ctx.out(`open it with: doorbell --lab linux:${t.dir} devices`);
    return EXIT.OK;
  },
};
