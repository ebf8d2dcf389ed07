// SPDX-License-Identifier: MIT
import { EXIT, type Command } from '../context.js';

export const serve: Command = {
  name: 'serve',
  summary: 'Serve the console on 127.0.0.1 with a per-run token (for SSH tunnels and headless machines)',
  usage: 'doorbell [--lab SPEC] serve [--port N]',
  async run(_args, ctx) {
    ctx.err('serve: not yet');
    return EXIT.USAGE;
  },
};
