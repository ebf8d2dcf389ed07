// SPDX-License-Identifier: MIT
// `doorbell --lab snapshot:SNAP snapshot -o OUT` and a SIGINT to itself. argv: SNAP OUT MODE
//   write: Ctrl-C while OUT is being written — after its bytes are fsynced under the temporary
//          name, before the rename;
//   wait:  Ctrl-C while the command waits between its two interrupt samples, with an unfinished
//          temporary file (PARTIAL = OUT + '.partial') registered as a write in progress would.
import fs from 'node:fs';
import { main } from '../../../lab/cli/main.js';
import { trackPartial } from '../../../lab/snapshot/file.js';
// (Static, so that transpileTree brings the backend `--lab snapshot:` imports lazily.)
export { openSnapshotLab } from '../../../lab/snapshot/index.js';

const [snap, out, mode] = process.argv.slice(2) as [string, string, 'write' | 'wait'];
let sent = false;
// kill(2) to ourselves: with the default disposition the process is gone before it returns.
const interrupt = () => { if (!sent) { sent = true; process.kill(process.pid, 'SIGINT'); } };
if (mode === 'write') {
  const fsync = fs.fsyncSync;
  fs.fsyncSync = (fd: number) => { fsync(fd); interrupt(); };
} else {
  fs.writeFileSync(`${out}.partial`, 'half');
  trackPartial(`${out}.partial`);
}
process.exitCode = await main(['--lab', `snapshot:${snap}`, 'snapshot', '-o', out, '--interval', mode === 'wait' ? '600000' : '0'], {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => {
    process.stderr.write(`${s}\n`);
    if (mode === 'wait' && s.endsWith('sampling interrupts (1 of 2)')) interrupt();
  },
});
