// SPDX-License-Identifier: MIT
// A small request-schema language. Every LabApi request is checked against one of these before it
// reaches the lab core, in the Electron main process and in serve mode alike: the renderer is not
// trusted, and a malformed request must come back as a clear error, never as an exception.

export type Check<T> = {
  readonly kind: string;
  /** Returns the accepted value, or the reason it was refused (with the JSON path of the field). */
  parse(x: unknown, path: string): { ok: true; value: T } | { ok: false; path: string; expected: string; got: string };
  /**
   * For scalar checks: true exactly when parse(x) accepts x and returns x itself. arrayOf then
   * checks each item without allocating a result or a JSON path per item (a snapshot's count
   * arrays are millions of numbers); the path is built only for the item that fails.
   */
  readonly accepts?: (x: unknown) => boolean;
};

export type Infer<C> = C extends Check<infer T> ? T : never;

/** How a refused value is named in an error: its type, and a short excerpt of strings. */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `array(${x.length})`;
  if (typeof x === 'string') return x.length > 40 ? `string "${x.slice(0, 40)}…"` : `string "${x}"`;
  if (typeof x === 'number') return `number ${x}`;
  return typeof x;
}

function bad(path: string, expected: string, x: unknown) {
  return { ok: false as const, path, expected, got: describeValue(x) };
}

export function str(opts: { max?: number; pattern?: RegExp; what?: string } = {}): Check<string> {
  const max = opts.max ?? 4096;
  const what = opts.what ?? `a string of at most ${max} characters${opts.pattern ? ` matching ${opts.pattern}` : ''}`;
  return {
    kind: 'string',
    parse(x, path) {
      if (typeof x !== 'string' || x.length > max || (opts.pattern && !opts.pattern.test(x))) return bad(path, what, x);
      return { ok: true, value: x };
    },
  };
}

export function int(opts: { min?: number; max?: number } = {}): Check<number> {
  const min = opts.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const accepts = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
  return {
    kind: 'integer',
    accepts,
    parse(x, path) {
      if (!accepts(x)) return bad(path, `an integer in [${min}, ${max}]`, x);
      return { ok: true, value: x as number };
    },
  };
}

export function bool(): Check<boolean> {
  return {
    kind: 'boolean',
    parse(x, path) {
      return typeof x === 'boolean' ? { ok: true, value: x } : bad(path, 'true or false', x);
    },
  };
}

export function oneOf<const T extends readonly string[]>(values: T): Check<T[number]> {
  return {
    kind: 'enum',
    parse(x, path) {
      return typeof x === 'string' && (values as readonly string[]).includes(x)
        ? { ok: true, value: x as T[number] }
        : bad(path, `one of ${values.join(', ')}`, x);
    },
  };
}

export function arrayOf<T>(item: Check<T>, opts: { max?: number } = {}): Check<T[]> {
  const max = opts.max ?? 65536;
  return {
    kind: 'array',
    parse(x, path) {
      if (!Array.isArray(x) || x.length > max) return bad(path, `an array of at most ${max} items`, x);
      const accepts = item.accepts;
      if (accepts !== undefined) {
        for (let i = 0; i < x.length; i++) if (!accepts(x[i])) return item.parse(x[i], `${path}[${i}]`) as { ok: false; path: string; expected: string; got: string };
        return { ok: true, value: (x as T[]).slice() };
      }
      const out: T[] = [];
      for (let i = 0; i < x.length; i++) {
        const r = item.parse(x[i], `${path}[${i}]`);
        if (!r.ok) return r;
        out.push(r.value);
      }
      return { ok: true, value: out };
    },
  };
}

export type Optional<T> = Check<T | undefined> & { readonly optional: true };

export function optional<T>(inner: Check<T>): Optional<T> {
  return {
    kind: `optional ${inner.kind}`,
    optional: true,
    parse(x, path) {
      return x === undefined ? { ok: true, value: undefined } : inner.parse(x, path);
    },
  };
}

type Shape = Record<string, Check<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> };

/** A plain object with exactly these keys: unknown keys are refused, so typos do not pass silently. */
export function obj<S extends Shape>(shape: S): Check<ObjectOf<S>> {
  return {
    kind: 'object',
    parse(x, path) {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) return bad(path, 'an object', x);
      const proto = Object.getPrototypeOf(x) as unknown;
      if (proto !== Object.prototype && proto !== null) return bad(path, 'a plain object', x);
      const rec = x as Record<string, unknown>;
      for (const key of Object.keys(rec)) {
        if (!Object.prototype.hasOwnProperty.call(shape, key)) {
          return { ok: false, path: `${path}.${key}`, expected: `no such field (allowed: ${Object.keys(shape).join(', ') || 'none'})`, got: describeValue(rec[key]) };
        }
      }
      const out: Record<string, unknown> = {};
      for (const [key, check] of Object.entries(shape)) {
        const r = check.parse(rec[key], `${path}.${key}`);
        if (!r.ok) return r;
        if (r.value !== undefined) out[key] = r.value;
      }
      return { ok: true, value: out as ObjectOf<S> };
    },
  };
}

/** PCI address in the kernel's sysfs form, `dddd:bb:dd.f`. */
export const BDF_RE = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;
export function bdf(): Check<string> {
  return str({ max: 12, pattern: BDF_RE, what: 'a PCI address like 0000:00:02.0' });
}
