// SPDX-License-Identifier: MIT
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabInfo } from '../../../common/model/index.js';
import { defaultStateDir } from '../../affinity/journal.js';
import { LabSession } from '../../session.js';
import { startServer } from '../../server/serve.js';
import { decimal, EXIT, parseFlags, type Command } from '../context.js';
import { errnoText } from '../../../common/errno.js';
import { errnoError, LabFailure, toLabError } from '../../../common/errors.js';

/** out/renderer, from out/node/lab/cli/commands/serve.js. */
export function rendererDir(): string {
  return process.env.DOORBELL_RENDERER_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../renderer');
}

/**
 * What running as root means for the lab served: the page acts with this process's rights, but only
 * the live machine's lab writes /proc/irq and /dev/vfio; a simulator or a read-only lab writes
 * nothing of the machine's, only Doorbell's own reports and journal under its state directory.
 */
export function rootNotice(info: LabInfo): string {
  if (info.backend === 'linux' && info.writable.ok) return 'running as root — writes go straight to /proc and /dev. The browser is not root; keep the URL private.';
  const lab = info.backend === 'sim' ? `the lab is the simulator (${info.spec})`
    : info.backend === 'snapshot' ? `the lab is a read-only snapshot (${info.spec})` : `the lab is read-only (${info.spec})`;
  return `running as root, but ${lab}: nothing is written to /proc or /dev, only reports and the affinity journal under ${defaultStateDir()}. Keep the URL private.`;
}

/** The built console (index.html of the renderer), checked before the lab is opened. */
function checkRenderer(dir: string): void {
  const index = path.join(dir, 'index.html');
  try {
    const st = fs.statSync(index);
    if (st.isFile()) return;
    throw Object.assign(new Error('not a regular file'), st.isDirectory() ? { code: 'EISDIR' } : {});
  } catch (e) {
    const given = process.env.DOORBELL_RENDERER_DIR;
    const hint = given
      ? `DOORBELL_RENDERER_DIR is ${given}: point it at a built renderer (the directory holding index.html), or unset it to serve the one \`npm run build\` writes.`
      : `Build the console with \`npm run build\` in ${path.resolve(dir, '..', '..')}, then run serve again.`;
    const err = toLabError(`open ${index}`, e, hint);
    const text = err.errno === undefined ? '' : errnoText(err.errno);
    const errno = err.errno === undefined ? '' : `: ${err.errnoName} (${err.errno}${text.startsWith('errno') ? '' : `, ${text}`})`;
    throw new LabFailure({ ...err, message: `the built console is missing${errno}`, path: index });
  }
}

export const serve: Command = {
  name: 'serve',
  summary: 'Serve the console on 127.0.0.1 with a per-run token (headless lab machines, SSH tunnels)',
  usage: 'doorbell [--lab SPEC] serve [--port N]',
  async run(args, ctx) {
    const { flags, positional, unknown } = parseFlags(args, { values: ['port'] });
    if (unknown.length || positional.length) {
      ctx.err(`doorbell serve: unexpected ${[...unknown, ...positional].join(' ')}\nusage: ${this.usage}`);
      return EXIT.USAGE;
    }
    const port = flags.port === undefined ? 0 : decimal(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      ctx.err(`doorbell serve: --port must be a TCP port number (0-65535), got ${String(flags.port)}`);
      return EXIT.USAGE;
    }
    const staticDir = rendererDir();
    checkRenderer(staticDir);
    const backend = await ctx.openLab();
    const info = await backend.info().catch(async (e: unknown) => { await backend.close(); throw e; });
    if (process.getuid?.() === 0) ctx.err(`doorbell serve: ${rootNotice(info)}`);
    const session = new LabSession(backend);
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer({ session, staticDir, port, log: (l) => ctx.err(`doorbell serve: ${l}`) });
    } catch (e) {
      await session.close();
      if ((e as { code?: string }).code === 'EADDRINUSE') {
        throw new LabFailure(errnoError(`listen on 127.0.0.1:${port}`, 'EADDRINUSE', `Another process listens on port ${port} (\`ss -ltnp 'sport = :${port}'\` names it): stop it, or pick another --port.`, { message: `port ${port} is in use` }));
      }
      throw e;
    }
    ctx.out(`Doorbell is serving ${info.title} on 127.0.0.1:${server.port} (loopback only).`);
    ctx.out(`Open: ${server.url}`);
    ctx.out(`From another machine: ssh -N -L ${server.port}:127.0.0.1:${server.port} <this-host>, then open the same URL there.`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    ctx.err('doorbell serve: stopping');
    await server.close();
    await session.close();
    return EXIT.OK;
  },
};
