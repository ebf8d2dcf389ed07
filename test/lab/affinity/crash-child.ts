// SPDX-License-Identifier: MIT
// A Doorbell edit that dies: records the intent (fsynced), optionally writes /proc, then tells the
// parent it is ready and waits to be killed with SIGKILL — no result record, no cleanup.
// argv: STATE_DIR PROC_ROOT LAB BOOT_ID BDF INDEX IRQ OLD NEW before|after
import { AffinityJournal } from '../../../lab/affinity/journal.js';
import { ProcAffinity } from '../../../lab/affinity/procfs.js';

const [dir, root, lab, bootId, bdf, index, irq, old, neu, when] = process.argv.slice(2) as string[];
const j = new AffinityJournal(dir!);
j.intent({ lab: lab!, bootId: bootId!, bdf: bdf!, index: Number(index), irq: Number(irq), old: old!, new: neu!, why: 'set' });
if (when === 'after') {
  const r = new ProcAffinity(root!).writeAffinity(Number(irq), neu!);
  if (!r.ok) { process.stdout.write(`WRITE-FAILED ${r.errno}\n`); }
}
process.stdout.write('READY\n');
setInterval(() => {}, 1000);
