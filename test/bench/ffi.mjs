// SPDX-License-Identifier: MIT
// FFI cost of one harmless ioctl (FIONREAD on a pipe holding 3 bytes): Doorbell's wrapper
// (native/sys/ioctl.ts: trace record, errno, timing) against a raw koffi call and a C loop,
// and ffi-napi when it installs (on Node 20 it does not: the reason is recorded).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { OUT, ROOT, row, stats } from './lib.mjs';

const FIONREAD = 0x541b;
const require = createRequire(path.join(ROOT, 'package.json'));

function perCall(fn, n, reps = 5) {
  const xs = [];
  for (let i = 0; i < 2000; i++) fn();
  for (let r = 0; r < reps; r++) {
    const a = performance.now();
    for (let i = 0; i < n; i++) fn();
    xs.push(((performance.now() - a) * 1e6) / n);
  }
  return stats(xs);
}

const C_LOOP = `#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int fds[2], avail = 0; long n = atol(argv[1]);
  if (pipe(fds) || write(fds[1], "abc", 3) != 3) return 2;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) if (ioctl(fds[0], FIONREAD, &avail) < 0 || avail != 3) return 3;
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.1f\\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
  return 0;
}
`;

/** Try to install ffi-napi in a scratch dir; returns { ok, why }. */
function tryFfiNapi(tmp) {
  const dir = path.join(tmp, 'ffi-napi');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"ffi-try","version":"0.0.0","private":true}\n');
  const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', 'ffi-napi'], { cwd: dir, encoding: 'utf8', timeout: 180000 });
  if (r.status === 0) return { ok: true, dir };
  const log = `${r.stdout}\n${r.stderr}`;
  const lines = log.split('\n').filter((l) => /error|Error|ERR|gyp|not ok|failed/.test(l) && !/npm warn/.test(l));
  const pick0 = lines.find((l) => /error:|Error:/.test(l) && !/npm error (code|path|command|A complete log)/.test(l)) ?? lines[0] ?? (r.error ? String(r.error) : `exit ${r.status}`);
  const pick = pick0.replace(/^npm error /, '').replace(/\S*node_modules\//, '');
  return { ok: false, why: pick.trim().slice(0, 300), log: lines.slice(0, 40).join('\n') };
}

export async function benchFfi(ctx) {
  const rows = [];
  const facts = {};
  const koffi = require('koffi');
  const lib = koffi.load('libc.so.6');
  const pipe = lib.func('int pipe(_Out_ int *fds)');
  const write = lib.func('long write(int fd, const char *buf, unsigned long n)');
  const fds = [0, 0];
  if (pipe(fds) !== 0) throw new Error('pipe failed');
  write(fds[1], 'abc', 3);
  const rawIoctl = lib.func('ioctl', 'int', ['int', 'unsigned long', 'void *']);
  const buf = Buffer.alloc(4);
  const { ioctl } = await import(OUT('native/sys/ioctl.js'));
  const n = 100000;
  const raw = perCall(() => rawIoctl(fds[0], FIONREAD, buf), n);
  if (buf.readInt32LE(0) !== 3) throw new Error('FIONREAD did not return 3');
  const arg = { kind: 'buffer', buffer: buf };
  const wrapped = perCall(() => ioctl(fds[0], 'FIONREAD', FIONREAD, arg), n);
  rows.push(row('ffi', 'Doorbell ioctl() wrapper, FIONREAD on a pipe', wrapped.median, 'ns/call', { name: 'raw koffi call', value: raw.median }, { ratioMax: 1.5 }));
  if (spawnSync('gcc', ['--version']).status === 0) {
    const src = path.join(ctx.tmp, 'fionread.c'), exe = path.join(ctx.tmp, 'fionread');
    fs.writeFileSync(src, C_LOOP);
    execFileSync('gcc', ['-O2', '-o', exe, src]);
    const xs = [];
    for (let i = 0; i < 5; i++) xs.push(Number(execFileSync(exe, ['1000000'], { encoding: 'utf8' }).trim()));
    const cNs = stats(xs).median;
    rows.push(row('ffi', 'raw koffi call, FIONREAD on a pipe', raw.median, 'ns/call', { name: 'C loop (gcc -O2)', value: cNs }, null, 'the floor: syscall cost alone'));
  }
  const ff = ctx.skipFfiNapi ? { ok: false, why: 'skipped (--quick)' } : tryFfiNapi(ctx.tmp);
  facts.ffiNapi = { installed: ff.ok, why: ff.why ?? null, log: ff.log ?? null };
  if (ff.ok) {
    try {
      const ffi = createRequire(path.join(ff.dir, 'package.json'))('ffi-napi');
      const l = ffi.Library('libc.so.6', { ioctl: ['int', ['int', 'ulong', 'pointer']] });
      const fn = perCall(() => l.ioctl(fds[0], FIONREAD, buf), 20000, 3);
      rows.push(row('ffi', 'ffi-napi call, FIONREAD on a pipe', fn.median, 'ns/call', { name: 'raw koffi call', value: raw.median }, null));
    } catch (e) {
      facts.ffiNapi.loadError = String(e).slice(0, 300);
      rows.push(row('ffi', 'ffi-napi call, FIONREAD on a pipe', null, 'ns/call', null, null, `installed but failed to load: ${String(e).slice(0, 160)}`));
    }
  } else {
    rows.push(row('ffi', 'ffi-napi call, FIONREAD on a pipe', null, 'ns/call', null, null, `npm install ffi-napi failed on Node ${process.version}: ${ff.why}`));
  }
  const close = lib.func('int close(int fd)');
  close(fds[0]); close(fds[1]);
  return { rows, facts };
}
