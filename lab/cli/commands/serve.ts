// SPDX-License-Identifier: MIT
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabSession } from '../../session.js';
import { startServer } from '../../server/serve.js';
import { decimal, EXIT, parseFlags, type Command } from '../context.js';
import { errnoError, LabFailure } from '../../../common/errors.js';

/** out/renderer, from out/node/lab/cli/commands/serve.js. */
export function rendererDir(): string {
  return process.env.DOORBELL_RENDERER_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../renderer');
}

export const serve: Command = {
  name: 'serve',
  summary: 'Serve the console on 127.0.0.1 with a per-run token (headless lab machines, SSH tunnels)',
  usage: 'doorbell [--lab SPEC] serve [--port N]',
  async run(args, ctx) {
    const { flags, positional, unknown } = parseFlags(args, { values: ['port'] });
    if (unknown.length || positional.length) {
      ctx.err(`serve: unexpected ${[...unknown, ...positional].join(' ')}\nusage: ${this.usage}`);
      return EXIT.USAGE;
    }
    const port = flags.port === undefined ? 0 : decimal(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      ctx.err(`serve: --port must be a TCP port number (0-65535), got ${String(flags.port)}`);
      return EXIT.USAGE;
    }
    if (process.getuid?.() === 0) {
      ctx.err('serve: running as root — writes go straight to /proc and /dev. The browser is not root; keep the URL private.');
    }
    const backend = await ctx.openLab();
    const session = new LabSession(backend);
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer({ session, staticDir: rendererDir(), port, log: (l) => ctx.err(`serve: ${l}`) });
    } catch (e) {
      await session.close();
      if ((e as { code?: string }).code === 'EADDRINUSE') {
        throw new LabFailure(errnoError(`listen on 127.0.0.1:${port}`, 'EADDRINUSE', `Another process listens on port ${port} (\`ss -ltnp 'sport = :${port}'\` names it): stop it, or pick another --port.`, { message: `port ${port} is in use` }));
      }
      throw e;
    }
    const info = await backend.info();
    ctx.out(`Doorbell is serving ${info.title} on 127.0.0.1:${server.port} (loopback only).`);
    ctx.out(`Open: ${server.url}`);
    ctx.out(`From another machine: ssh -N -L ${server.port}:127.0.0.1:${server.port} <this-host>, then open the same URL there.`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    ctx.err('serve: stopping');
    await server.close();
    await session.close();
    return EXIT.OK;
  },
};
