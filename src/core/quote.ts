// A short rendering of an untrusted value for an error message. Files, links and LLM replies can hold values
// nested 100,000 deep or megabytes long: JSON.stringify of those throws (call stack) or stalls, and a message
// quoting them whole is unreadable. This walks at most a few levels and entries and stops at `max` characters.
const LEVELS = 4, ENTRIES = 16;

export function quote(v: unknown, max = 80): string {
  let s = '';
  const put = (t: string) => { s += t; return s.length < max; };
  const walk = (x: unknown, depth: number): boolean => {
    if (typeof x === 'string') return put(JSON.stringify(x.length > max ? x.slice(0, max) : x));
    if (x === null || typeof x === 'number' || typeof x === 'boolean') return put(String(x));
    if (typeof x === 'bigint') return put(`${x}n`);
    if (typeof x !== 'object') return put(String(typeof x));
    const list = Array.isArray(x);
    if (depth >= LEVELS) return put(list ? '[…]' : '{…}');
    if (!put(list ? '[' : '{')) return false;
    const keys = list ? null : Object.keys(x as object);
    const n = list ? (x as unknown[]).length : keys!.length;
    for (let i = 0; i < n; i++) {
      if (i > 0 && !put(',')) return false;
      if (i === ENTRIES) { if (!put('…')) return false; break; }
      const k = list ? i : keys![i];
      if (!list && !put(`${JSON.stringify(String(k).slice(0, max))}:`)) return false;
      if (!walk((x as Record<string | number, unknown>)[k], depth + 1)) return false;
    }
    return put(list ? ']' : '}');
  };
  walk(v, 0);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Names (files, keys) for a message as `a, b, c`, cut at `max` characters with the count of those left out. */
export function quoteList(items: readonly string[], max = 400): string {
  let s = '';
  for (let i = 0; i < items.length; i++) {
    const item = clip(items[i], max);
    const next = i === 0 ? item : `${s}, ${item}`;
    if (next.length > max) return `${s}${s ? ', ' : ''}… (${items.length - i} more)`;
    s = next;
  }
  return s;
}

/** A string cut to `max` characters (an ellipsis marks the cut), for messages that put their own quotes around it. */
export function clip(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
