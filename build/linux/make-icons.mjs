#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Renders assets/icons/NxN.png (the hicolor sizes electron-builder installs) from the same shapes
// as assets/icons/doorbell.svg: a bell on a rounded square, with 4x4 supersampling. No ImageMagick
// needed: PNG is IHDR + zlib-compressed scanlines + IEND, each chunk with its CRC-32.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', 'icons');
const SIZES = [16, 32, 48, 64, 128, 256, 512];

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
export function png(w, h, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0; // 8-bit RGBA
  const raw = Buffer.alloc((w * 4 + 1) * h);
  for (let y = 0; y < h; y++) rgba.copy(raw, y * (w * 4 + 1) + 1, y * w * 4, (y + 1) * w * 4);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

// Shapes in a 0..1 square (same as the SVG's 0..512 viewBox / 512).
const BG = [0x1f, 0x3a, 0x5f], BELL = [0xf2, 0xb1, 0x34], WAVE = [0x9f, 0xd3, 0xff];
function colourAt(x, y) {
  const r = 0.18, inset = 0.03; // rounded square
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - inset - r), 0), qy = Math.max(Math.abs(y - 0.5) - (0.5 - inset - r), 0);
  if (Math.hypot(qx, qy) > r) return null;
  // bell: dome (circle) + flared body + rim + clapper
  const dome = Math.hypot(x - 0.5, y - 0.42) < 0.2 && y < 0.42;
  const t = (y - 0.42) / 0.24; // 0 at dome base, 1 at rim
  const body = t >= 0 && t <= 1 && Math.abs(x - 0.5) < 0.2 + 0.08 * t * t;
  const rim = y > 0.655 && y < 0.71 && Math.abs(x - 0.5) < 0.3;
  const clapper = Math.hypot(x - 0.5, y - 0.76) < 0.06;
  const knob = Math.hypot(x - 0.5, y - 0.2) < 0.045;
  if (dome || body || rim || clapper || knob) return BELL;
  // two "ringing" arcs on each side
  for (const cx of [0.5]) {
    const d = Math.hypot(x - cx, y - 0.45);
    const side = Math.abs(x - cx) > 0.3 && Math.abs(y - 0.45) < 0.18;
    if (side && ((d > 0.33 && d < 0.36) || (d > 0.39 && d < 0.42))) return WAVE;
  }
  return BG;
}
export function render(size) {
  const ss = 4, buf = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) for (let px = 0; px < size; px++) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let sy = 0; sy < ss; sy++) for (let sx = 0; sx < ss; sx++) {
      const c = colourAt((px + (sx + 0.5) / ss) / size, (py + (sy + 0.5) / ss) / size);
      if (c) { r += c[0]; g += c[1]; b += c[2]; a++; }
    }
    const o = (py * size + px) * 4;
    if (a) { buf[o] = Math.round(r / a); buf[o + 1] = Math.round(g / a); buf[o + 2] = Math.round(b / a); }
    buf[o + 3] = Math.round((255 * a) / (ss * ss));
  }
  return png(size, size, buf);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const s of SIZES) writeFileSync(path.join(OUT, `${s}x${s}.png`), render(s));
  console.log(`wrote ${SIZES.map((s) => `${s}x${s}.png`).join(' ')} to ${OUT}`);
}
