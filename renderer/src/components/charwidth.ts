// SPDX-License-Identifier: MIT
// The widths of a monospace character and of a tabular digit in this page: the vector table cuts
// its cells to their columns in text (format.ts fit), and fonts differ between machines.

export interface CharWidths { mono: number; digit: number }

/** DejaVu Sans Mono at 12 px and a 13 px body digit, used where nothing can be measured. */
const FALLBACK: CharWidths = { mono: 7.3, digit: 7.6 };
let measured: CharWidths | null = null;

function probe(cls: string): number | null {
  const s = document.createElement('span');
  s.className = cls;
  s.style.cssText = 'position:absolute;visibility:hidden;white-space:pre;font-variant-numeric:tabular-nums';
  s.textContent = '0123456789abcdef';
  document.body.appendChild(s);
  const w = s.getBoundingClientRect().width / 16;
  s.remove();
  return w > 3 && w < 20 ? w : null;
}

/**
 * Measured once per page. main.ts asks before the app mounts, while the page is still empty: the
 * layout this forces is the page's first (~20 ms on the bench VM, mostly resolving the stylesheet
 * and fonts); measured later, after the table's first render, the widths would re-render every
 * row and lay the page out twice on the way to the first rows.
 */
export function charWidths(): CharWidths {
  if (measured) return measured;
  if (typeof document === 'undefined' || !document.body) return FALLBACK;
  measured = { mono: probe('mono') ?? FALLBACK.mono, digit: probe('') ?? FALLBACK.digit };
  return measured;
}
