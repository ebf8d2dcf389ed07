// SPDX-License-Identifier: MIT
// Serialise the live page into one self-contained SVG: the DOM as XHTML inside a <foreignObject>,
// every element's computed style written inline (only what differs from the UA default of its tag
// or from its parent, so inheritance still works), form controls with their current values,
// canvases as data: images, scrolled containers shifted by their scroll offsets. The result is an
// image, not a document: it loads as <img src="data:image/svg+xml,…"> under the page's strict CSP
// (img-src data:), runs no script and fetches nothing.

const XHTML_NS = 'http://www.w3.org/1999/xhtml';
const SVG_NS = 'http://www.w3.org/2000/svg';
const SKIP = new Set(['script', 'style', 'link', 'meta', 'template', 'noscript', 'title', 'head', 'base']);
const GENERIC_FONTS = /(^|,)\s*(serif|sans-serif|monospace|cursive|fantasy|system-ui|ui-monospace|ui-sans-serif|ui-serif|emoji|math)\s*(,|$)/i;
const XML_NAME = /^[A-Za-z_][-A-Za-z0-9_.:]*$/;
/** Properties that only matter for interaction or animation, never for a still image. */
const IGNORED = /^(--|transition|animation|cursor$|pointer-events$|user-select$|-webkit-user-select$|will-change$|caret-color$|scroll-|overscroll-|touch-action$|view-transition)/;

export interface SerialiseOptions {
  /** Viewport size in CSS pixels. */
  width: number;
  height: number;
  /** Output scale (devicePixelRatio): the SVG's intrinsic size is width × scale. */
  scale?: number;
}

type StyleMap = Map<string, string>;

function escAttr(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
function escText(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
/** Characters XML 1.0 forbids (C0 controls other than tab, LF, CR). */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

function readStyle(cs: CSSStyleDeclaration): StyleMap {
  const m: StyleMap = new Map();
  for (let i = 0; i < cs.length; i++) {
    const name = cs.item(i);
    if (IGNORED.test(name)) continue;
    m.set(name, cs.getPropertyValue(name));
  }
  return m;
}

export class PageSerialiser {
  private defaults = new Map<string, StyleMap>();
  private sandbox: ShadowRoot | null = null;
  private host: HTMLElement | null = null;

  constructor(private readonly doc: Document) {}

  /** The UA default style of a tag: an element of that tag in a shadow root the page's CSS cannot reach. */
  private defaultsFor(ns: string, tag: string): StyleMap {
    const key = `${ns}|${tag}`;
    let d = this.defaults.get(key);
    if (d) return d;
    if (!this.sandbox) {
      this.host = this.doc.createElement('div');
      // `all: initial`: the sandbox inherits nothing from the page, as the image's own document does.
      this.host.style.setProperty('all', 'initial');
      this.host.style.setProperty('position', 'absolute');
      this.host.style.setProperty('visibility', 'hidden');
      this.host.style.setProperty('pointer-events', 'none');
      this.doc.body.appendChild(this.host);
      this.sandbox = this.host.attachShadow({ mode: 'open' });
    }
    const el = ns === SVG_NS ? this.doc.createElementNS(SVG_NS, tag) : this.doc.createElement(tag);
    let parent: ShadowRoot | Element = this.sandbox;
    if (ns === SVG_NS && tag !== 'svg') { const svg = this.doc.createElementNS(SVG_NS, 'svg'); this.sandbox.appendChild(svg); parent = svg; }
    parent.appendChild(el);
    d = readStyle(this.doc.defaultView!.getComputedStyle(el));
    (parent instanceof Element ? parent : el).remove();
    this.defaults.set(key, d);
    return d;
  }

  dispose(): void { this.host?.remove(); this.host = null; this.sandbox = null; }

  /** Inline style text: what differs from the tag's default or from the parent. */
  private styleText(own: StyleMap, def: StyleMap, parent: StyleMap | null, extra: string[] = []): string {
    const out: string[] = [];
    for (const [k, v0] of own) {
      // A scroller clips; its offset is applied by hand, and the image has no scrollbars to draw.
      const v = (k === 'overflow-x' || k === 'overflow-y') && (v0 === 'auto' || v0 === 'scroll') ? 'hidden' : v0;
      if (v === def.get(k) && (!parent || v === parent.get(k))) continue;
      if (k === 'font-family' && !GENERIC_FONTS.test(v)) { out.push(`${k}:${v}, sans-serif`); continue; }
      out.push(`${k}:${v}`);
    }
    return [...out, ...extra].join(';');
  }

  private attrs(el: Element, skip: Set<string>): string {
    let s = '';
    for (const a of Array.from(el.attributes)) {
      const n = a.name.toLowerCase();
      if (n === 'style' || skip.has(n) || n.startsWith('on') || !XML_NAME.test(a.name)) continue;
      if ((n === 'href' || n === 'src' || n === 'xlink:href') && !/^(data:|#)/.test(a.value)) continue; // an image fetches nothing
      s += ` ${a.name}="${escAttr(a.value)}"`;
    }
    return s;
  }

  private pseudo(el: Element, which: '::before' | '::after', parent: StyleMap): string {
    const cs = this.doc.defaultView!.getComputedStyle(el, which);
    const content = cs.getPropertyValue('content');
    if (!content || content === 'none' || content === 'normal') return '';
    const text = /^"(.*)"$/.exec(content)?.[1] ?? '';
    const own = readStyle(cs);
    return `<span style="${escAttr(this.styleText(own, this.defaultsFor(XHTML_NS, 'span'), parent))}">${escText(text.replace(/\\"/g, '"'))}</span>`;
  }

  /**
   * One element. `as` renames it (body → div); `shift` is the scroll offset of the parent to
   * apply (a scrolled container's children are translated, the container clips).
   */
  private element(el: Element, parent: StyleMap | null, shift: [number, number] | null, as?: string): string {
    const win = this.doc.defaultView!;
    const isSvg = el.namespaceURI === SVG_NS;
    const tag = as ?? el.localName;
    if (SKIP.has(tag) && !isSvg) return '';
    const cs = win.getComputedStyle(el);
    if (cs.getPropertyValue('display') === 'none') return '';
    const own = readStyle(cs);
    const extra: string[] = [];
    if (own.get('position') === 'sticky' && el instanceof win.HTMLElement) {
      // A stuck element sits where its scroller's offset put it; the image has no scroller, so it
      // becomes relatively positioned by how far it is from where it would be without sticking.
      const stuck = el.getBoundingClientRect();
      const was = [el.style.getPropertyValue('position'), el.style.getPropertyPriority('position')] as const;
      el.style.setProperty('position', 'static', 'important');
      const flat = el.getBoundingClientRect();
      if (was[0]) el.style.setProperty('position', was[0], was[1]); else el.style.removeProperty('position');
      for (const k of ['top', 'left', 'bottom', 'right', 'inset-block-start', 'inset-block-end', 'inset-inline-start', 'inset-inline-end']) own.delete(k);
      own.set('position', 'relative');
      extra.push(`top:${stuck.top - flat.top}px`, `left:${stuck.left - flat.left}px`);
    }
    if (shift && (shift[0] || shift[1])) {
      const t = own.get('translate');
      extra.push(t && t !== 'none' ? `translate:calc(${t.split(' ')[0]} - ${shift[0]}px) calc(${t.split(' ')[1] ?? '0px'} - ${shift[1]}px)` : `translate:${-shift[0]}px ${-shift[1]}px`);
    }
    const style = this.styleText(own, this.defaultsFor(isSvg ? SVG_NS : XHTML_NS, tag), parent, extra);
    const skipAttrs = new Set<string>();
    let inner = '';
    let extraAttrs = '';
    if (el instanceof win.HTMLCanvasElement) {
      let src = '';
      try { src = el.toDataURL('image/png'); } catch { /* a tainted canvas stays blank */ }
      return `<img${this.attrs(el, new Set(['width', 'height']))} src="${escAttr(src)}" style="${escAttr(style)}"/>`;
    }
    if (el instanceof win.HTMLImageElement) {
      let src = /^data:/.test(el.currentSrc || el.src) ? el.currentSrc || el.src : '';
      if (!src && el.complete && el.naturalWidth > 0) {
        try {
          const c = this.doc.createElement('canvas');
          c.width = el.naturalWidth; c.height = el.naturalHeight;
          c.getContext('2d')?.drawImage(el, 0, 0);
          src = c.toDataURL('image/png');
        } catch { src = ''; }
      }
      return `<img${this.attrs(el, new Set(['src', 'srcset']))} src="${escAttr(src)}" style="${escAttr(style)}"/>`;
    }
    if (el instanceof win.HTMLInputElement) {
      skipAttrs.add('value'); skipAttrs.add('checked');
      if (el.type === 'checkbox' || el.type === 'radio') { if (el.checked) extraAttrs += ' checked="checked"'; }
      else if (el.type !== 'file' && el.type !== 'password') extraAttrs += ` value="${escAttr(el.value)}"`;
      return `<input${this.attrs(el, skipAttrs)}${extraAttrs} style="${escAttr(style)}"/>`;
    }
    if (el instanceof win.HTMLTextAreaElement) {
      return `<textarea${this.attrs(el, skipAttrs)} style="${escAttr(style)}">${escText(el.value)}</textarea>`;
    }
    if (el instanceof win.HTMLOptionElement) {
      skipAttrs.add('selected');
      if (el.selected) extraAttrs += ' selected="selected"';
    }
    // The element clips; its children move by its scroll offset.
    const scrolled: [number, number] | null = el.scrollTop || el.scrollLeft ? [el.scrollLeft, el.scrollTop] : null;
    if (!isSvg) inner += this.pseudo(el, '::before', own);
    for (const n of Array.from(el.childNodes)) {
      if (n.nodeType === 3) {
        const t = n.nodeValue ?? '';
        inner += scrolled && t.trim() ? `<span style="position:relative;left:${-scrolled[0]}px;top:${-scrolled[1]}px">${escText(t)}</span>` : escText(t);
      } else if (n.nodeType === 1) inner += this.element(n as Element, own, scrolled);
    }
    if (!isSvg) inner += this.pseudo(el, '::after', own);
    const ns = isSvg && el.localName === 'svg' && (!el.parentElement || el.parentElement.namespaceURI !== SVG_NS) ? ` xmlns="${SVG_NS}"` : '';
    return `<${tag}${ns}${this.attrs(el, skipAttrs)}${extraAttrs}${style ? ` style="${escAttr(style)}"` : ''}>${inner}</${tag}>`;
  }

  /** The whole page, at the current scroll position, as an SVG document string. */
  page(opts: SerialiseOptions): string {
    const win = this.doc.defaultView!;
    const root = this.doc.documentElement;
    const rootOwn = readStyle(win.getComputedStyle(root));
    const rootStyle = this.styleText(rootOwn, this.defaultsFor(XHTML_NS, 'div'), null, [`width:${opts.width}px`, `height:${opts.height}px`, 'overflow:hidden', 'margin:0']);
    const winShift: [number, number] | null = win.scrollX || win.scrollY ? [win.scrollX, win.scrollY] : null;
    const body = this.element(this.doc.body, rootOwn, winShift, 'div');
    const scale = opts.scale ?? 1;
    const w = Math.round(opts.width * scale), h = Math.round(opts.height * scale);
    return `<svg xmlns="${SVG_NS}" width="${w}" height="${h}" viewBox="0 0 ${opts.width} ${opts.height}">`
      + `<foreignObject x="0" y="0" width="${opts.width}" height="${opts.height}">`
      + `<div xmlns="${XHTML_NS}" style="${escAttr(rootStyle)}">${body}</div>`
      + '</foreignObject></svg>';
  }
}

export function serialisePage(doc: Document, opts: SerialiseOptions): string {
  const s = new PageSerialiser(doc);
  try { return s.page(opts); } finally { s.dispose(); }
}
