// SPDX-License-Identifier: MIT
// The page draws itself: serialise (serialise.ts), load the SVG as an image from a data: URL
// (allowed by img-src data:), draw it on a canvas at devicePixelRatio and encode a PNG. No
// permission prompt, no extension, no eval — the only way a page under `script-src 'self'` can
// capture itself. In the Electron window the main process captures the window instead.
import { serialisePage } from './serialise.js';

export interface Raster { dataUrl: string; width: number; height: number; svgBytes: number }

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the browser could not render the page image (SVG foreignObject)'));
    img.src = url;
  });
}

export async function rasterisePage(doc: Document = document): Promise<Raster> {
  const win = doc.defaultView!;
  await doc.fonts?.ready;
  const width = win.innerWidth, height = win.innerHeight;
  const scale = win.devicePixelRatio || 1;
  const svg = serialisePage(doc, { width, height, scale });
  const img = await loadImage(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
  const canvas = doc.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas in this browser');
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return { dataUrl: canvas.toDataURL('image/png'), width: canvas.width, height: canvas.height, svgBytes: svg.length };
}
