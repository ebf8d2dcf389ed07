// SPDX-License-Identifier: MIT
// `doorbell [--lab SPEC] COMMAND …`
import { formatError, LabFailure, toLabError } from '../../common/errors.js';
import { openLab, parseLabSpec } from '../select.js';
import { COMMANDS } from './commands/index.js';
import { EXIT, type CliContext } from './context.js';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: doorbell [--lab SPEC] COMMAND [ARGS]',
    '',
    'Lab console for MSI/MSI-X interrupt bring-up with VFIO and IOMMUFD.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'lab specs (--lab, default auto):',
    '  auto                 the real kernel when this machine has an IOMMU or VFIO devices, else the simulator',
    '  linux                this machine\'s /proc and /sys',
    '  linux:ROOT           a captured /proc and /sys tree under ROOT (read-only)',
    '  sim:SCENARIO[?profile=P&bug=B]   the simulator',
    '  snapshot:FILE        a saved snapshot (read-only)',
    '',
    'Run `doorbell COMMAND --help` for a command\'s options.',
  ].join('\n');
}

export async function main(argv: string[], io: { out(s: string): void; err(s: string): void } = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
}): Promise<number> {
  // --lab may come before or after the command.
  let labSpec = process.env.DOORBELL_LAB ?? 'auto';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--lab') {
      const v = argv[++i];
      if (v === undefined) { io.err('doorbell: --lab needs a value\n'); io.err(usage()); return EXIT.USAGE; }
      labSpec = v;
    } else if (a.startsWith('--lab=')) labSpec = a.slice('--lab='.length);
    else rest.push(a);
  }
  const [name, ...args] = rest;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? EXIT.OK : EXIT.USAGE;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`doorbell: unknown command "${name}"\n`);
    io.err(usage());
    return EXIT.USAGE;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`usage: ${cmd.usage}\n\n${cmd.summary}`);
    return EXIT.OK;
  }
  const ctx: CliContext = {
    labSpec,
    async openLab() {
      const spec = parseLabSpec(labSpec);
      io.err(`doorbell: lab ${spec.kind}${spec.kind === 'sim' ? `:${spec.scenario}` : ''} — ${spec.reason}`);
      return openLab(spec);
    },
    out: io.out,
    err: io.err,
  };
  try {
    return await cmd.run(args, ctx);
  } catch (e) {
    const err = e instanceof LabFailure ? e.error : toLabError(`doorbell ${name}`, e);
    io.err(`doorbell ${name}: ${formatError(err)}`);
    return EXIT.USAGE;
  }
}
