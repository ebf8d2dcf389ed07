// SPDX-License-Identifier: MIT
// The serialiser in happy-dom (no canvas here; the PNG is proven in Chromium by
// test/e2e/edit-report.e2e.test.ts): the output must be well-formed XML an <img> can load, carry
// form values and SVG children, and fetch nothing.
import { describe, expect, it } from 'vitest';
import { serialisePage } from '../../renderer/src/capture/serialise.js';

function parse(svg: string): Document {
  const d = new DOMParser().parseFromString(svg, 'image/svg+xml');
  expect(d.getElementsByTagName('parsererror')).toHaveLength(0);
  return d;
}

describe('page serialiser', () => {
  it('writes well-formed SVG with the page inside a foreignObject, form values and SVG children kept', () => {
    document.body.innerHTML = `
      <div id="a" class="x">Text &amp; <b>bold</b> "quoted" < > \u0001</div>
      <input id="t" type="text" value="old"><input id="c" type="checkbox">
      <select id="s"><option value="1">one</option><option value="2">two</option></select>
      <textarea id="ta">x</textarea>
      <svg width="20" height="10"><rect x="1" y="2" width="3" height="4" class="cell0"></rect></svg>
      <img id="remote" src="http://example.invalid/x.png">
      <script>1</script>`;
    (document.getElementById('t') as HTMLInputElement).value = 'typed <value>';
    (document.getElementById('c') as HTMLInputElement).checked = true;
    (document.getElementById('s') as HTMLSelectElement).value = '2';
    (document.getElementById('ta') as HTMLTextAreaElement).value = 'a & b';
    const svg = serialisePage(document, { width: 300, height: 200, scale: 2 });
    const d = parse(svg);
    const root = d.documentElement;
    expect(root.getAttribute('width')).toBe('600');
    expect(root.getAttribute('viewBox')).toBe('0 0 300 200');
    const fo = root.getElementsByTagName('foreignObject')[0]!;
    expect(fo.textContent).toContain('Text & bold "quoted" < >');
    const inputs = Array.from(fo.getElementsByTagName('input'));
    expect(inputs.find((i) => i.getAttribute('id') === 't')!.getAttribute('value')).toBe('typed <value>');
    expect(inputs.find((i) => i.getAttribute('id') === 'c')!.getAttribute('checked')).toBe('checked');
    const opts = Array.from(fo.getElementsByTagName('option'));
    expect(opts.map((o) => o.hasAttribute('selected'))).toEqual([false, true]);
    expect(fo.getElementsByTagName('textarea')[0]!.textContent).toBe('a & b');
    const rect = fo.getElementsByTagNameNS('http://www.w3.org/2000/svg', 'rect')[0]!;
    expect(rect.getAttribute('width')).toBe('3');
    // An image fetches nothing: remote sources are dropped, scripts are not copied.
    expect(svg).not.toContain('example.invalid');
    expect(fo.getElementsByTagName('script')).toHaveLength(0);
    // The sandbox used for default styles is gone afterwards.
    expect(Array.from(document.body.children).filter((e) => e.shadowRoot)).toHaveLength(0);
  });
});
