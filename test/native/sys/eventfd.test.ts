// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { eventfdCreate, eventfdRead, eventfdReadable, eventfdWatch, eventfdWrite } from '../../../native/sys/eventfd.js';
import { closeFd } from '../../../native/sys/fd.js';

function make(): number {
  const r = eventfdCreate();
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('native/sys/eventfd', () => {
  it('write, poll, read round-trip; a second read finds nothing', () => {
    const fd = make();
    try {
      expect(eventfdReadable(fd)).toEqual({ ok: true, value: false });
      expect(eventfdRead(fd)).toEqual({ ok: true, value: 0n });
      expect(eventfdWrite(fd, 2n).ok).toBe(true);
      expect(eventfdWrite(fd, 5n).ok).toBe(true);
      expect(eventfdReadable(fd)).toEqual({ ok: true, value: true });
      expect(eventfdRead(fd)).toEqual({ ok: true, value: 7n });
      expect(eventfdReadable(fd)).toEqual({ ok: true, value: false });
    } finally {
      closeFd(fd);
    }
  });

  it('eventfdWatch delivers the counter on the Node event loop (koffi.node.poll)', async () => {
    const fd = make();
    try {
      const got = new Promise<bigint>((resolve) => {
        const stop = eventfdWatch(fd, (n) => {
          stop();
          resolve(n);
        });
      });
      expect(eventfdWrite(fd, 3n).ok).toBe(true);
      expect(await got).toBe(3n);
    } finally {
      closeFd(fd);
    }
  });

  it('reading a closed eventfd is EBADF as data', () => {
    const fd = make();
    closeFd(fd);
    const r = eventfdRead(fd);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.errno, r.errnoValue]).toEqual(['EBADF', 9]);
  });
});
