// SPDX-License-Identifier: MIT
// What the CLI makes of what a user types or where its output goes: numbers are decimal or
// refused, a busy port is named with its errno, and a reader that leaves (`| head`) is no error.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { decimal, EXIT, type CliContext } from '../../../lab/cli/context.js';
import { serve } from '../../../lab/cli/commands/serve.js';
import { createSimLab } from '../../../lab/sim/index.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const built = fs.existsSync(path.join(ROOT, 'out/node/lab/cli/main.js')) && fs.existsSync(path.join(ROOT, 'out/renderer/index.html'));

function ctx(): CliContext & { out_: string[]; err_: string[] } {
  const out_: string[] = [], err_: string[] = [];
  return { labSpec: 'sim:x86-vtd-ir', openLab: async () => createSimLab({ scenario: 'x86-vtd-ir', params: {}, reason: 'test' }), out: (s) => { out_.push(s); }, err: (s) => { err_.push(s); }, out_, err_ };
}

describe('lab/cli input', () => {
  it('decimal() takes what a user means by a number, and nothing Number() would also take', () => {
    expect(['0', '7', '2047', '65535'].map(decimal)).toEqual([0, 7, 2047, 65535]);
    for (const v of ['', ' 1', '0x2', '1e3', '-1', '1.0', '+1', '9007199254740993', undefined, true]) expect(decimal(v), String(v)).toBeNaN();
  });

  it('serve: an empty or hex --port is a usage error', async () => {
    for (const port of ['', '0x50']) {
      const c = ctx();
      expect(await serve.run(['--port', port], c)).toBe(EXIT.USAGE);
      expect(c.err_.join('\n')).toContain('--port must be a TCP port number');
      // Named like every other command's messages (it said "serve: …").
      expect(c.err_[0]).toMatch(/^doorbell serve: --port /);
    }
  });

  it.skipIf(!built)('serve: a busy port names EADDRINUSE and what to do, exit 2 (it was "a bug in Doorbell")', async () => {
    const busy = http.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as AddressInfo).port;
    try {
      const p = spawn(process.execPath, [path.join(ROOT, 'bin/doorbell.mjs'), '--lab', 'sim:x86-vtd-ir', 'serve', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DOORBELL_STATE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-cli-')) } });
      let err = '';
      p.stderr.on('data', (d) => { err += String(d); });
      const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
      expect(code).toBe(EXIT.USAGE);
      expect(err).toContain(`doorbell serve: listen on 127.0.0.1:${port}: port ${port} is in use [EADDRINUSE 98]`);
      expect(err).toMatch(/hint: Another process listens on port \d+ .*pick another --port/);
      expect(err).not.toContain('bug in Doorbell');
    } finally {
      busy.close();
    }
  }, 60_000);

  it.skipIf(!built)('output into a reader that leaves (`| head -c 10`) ends quietly, exit 0', async () => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin/doorbell.mjs'), '--lab', `sim:${path.join(ROOT, 'test/fixtures/scenarios/arm64-2048x512.json')}`, 'vectors', '01:00.0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += String(d); });
    // Read the first bytes, then close the pipe as head does.
    const first = await new Promise<string>((r) => p.stdout.once('data', (d) => { r(String(d).slice(0, 10)); p.stdout.destroy(); }));
    const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    expect(first.startsWith('{')).toBe(true);
    expect(err).not.toMatch(/EPIPE|Unhandled|at /);
    expect(code).toBe(0);
  }, 60_000);
});
