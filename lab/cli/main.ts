// SPDX-License-Identifier: MIT
// `doorbell [--lab SPEC] COMMAND …`
import { LabFailure, toLabError } from '../../common/errors.js';
import { openLab, parseLabSpec, specLabel } from '../select.js';
import { removePartials } from '../snapshot/file.js';
import { COMMANDS } from './commands/index.js';
import { EXIT, formatFailure, type CliContext } from './context.js';

const SIGNO = { SIGINT: 2, SIGTERM: 15 } as const;

/** The command main() is running, for the signal handler; null between runs and during `serve`. */
let running: { name: string; err: (s: string) => void } | null = null;
let installed = false;

/**
 * Ctrl-C or SIGTERM while a command writes: without a handler Node dies at once, mid-write, and a
 * temporary file or half-built tree stays beside the output. With one, the signal is taken between
 * two steps — a synchronous write finishes (renamed into place, or removed) — and whatever temporary
 * is still unfinished is removed before exiting 128+signo, as a shell expects. The handler stays for
 * the life of the process (removing it could drop a signal not yet read from libuv's pipe); outside a
 * command it steps aside: `serve` stops itself, and otherwise the signal is raised again with the
 * default action.
 */
function onSignal(sig: keyof typeof SIGNO): void {
  if (running) {
    const gone = removePartials();
    running.err(`doorbell ${running.name}: interrupted by ${sig}${gone.length ? `; removed the unfinished ${gone.join(', ')}` : ''}`);
    process.exit(128 + SIGNO[sig]);
  }
  if (process.listenerCount(sig) > 1) return;
  for (const s of Object.keys(SIGNO)) process.off(s, onSignal);
  installed = false;
  process.kill(process.pid, sig);
}

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
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return EXIT.OK;
  }
  // No command is a usage error: the usage goes where errors go, so `doorbell | less` shows nothing odd and scripts see it on stderr.
  if (!name) {
    io.err('doorbell: no command given\n');
    io.err(usage());
    return EXIT.USAGE;
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
      io.err(`doorbell: lab ${specLabel(spec)} — ${spec.reason}`);
      return openLab(spec);
    },
    out: io.out,
    err: io.err,
  };
  if (!installed) { for (const s of Object.keys(SIGNO)) process.on(s, onSignal); installed = true; }
  running = cmd.name === 'serve' ? null : { name, err: io.err };
  try {
    return await cmd.run(args, ctx);
  } catch (e) {
    // The prefix names the command; the error's own op (if any) names what failed.
    const err = e instanceof LabFailure ? e.error : toLabError('', e);
    io.err(`doorbell ${name}: ${formatFailure(err)}`);
    return EXIT.USAGE;
  } finally {
    running = null;
  }
}
