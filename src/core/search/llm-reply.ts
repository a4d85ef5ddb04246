// Strict parsing of the optimizer LLM's replies, which are untrusted input. JSON is taken from the whole reply, a
// fenced code block or the first balanced {...} / [...] in prose; zod checks the shape and every number. Errors
// are plain sentences because the optimizer sends them back to the LLM in its one retry.
import { z } from 'zod';
import { jsonDepthExceeded, MAX_JSON_DEPTH } from '../formats/bounded-json.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** The exact reply formats, as quoted in the prompts and the retry message. */
export const REPLY_SCHEMAS = {
  init: '{"vectors": [[r_1, ..., r_L], ...]}',
  select: '{"pairs": [[i, j], ...], "mutate": [k, ...]}',
  rates: '{"rates": [r_1, ..., r_L]}',
} as const;

const NON_FINITE = /\b(NaN|Infinity)\b/;

function tryParse(text: string): { value: unknown } | { error: string } {
  // Deeper values are refused unbuilt: zod and the retry message walk them recursively.
  if (jsonDepthExceeded(text) >= 0) return { error: `the JSON nests deeper than ${MAX_JSON_DEPTH} levels` };
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    const m = NON_FINITE.exec(text);
    if (m) return { error: `the JSON contains ${m[1]}, which is not a number: every entry must be a finite number in [0, 1)` };
    return { error: `malformed JSON (${e instanceof Error ? e.message.slice(0, 120) : String(e)})` };
  }
}

/** Replies longer than this are refused (the largest real answer, 30 vectors of 100 layers, is ~20 KB). */
export const MAX_REPLY_CHARS = 200_000;

/** The JSON value in a reply: whole text, then fenced blocks, then the first balanced span that parses. */
export function extractJson(reply: string): Parsed<unknown> {
  if (reply.length > MAX_REPLY_CHARS) {
    return { ok: false, error: `the reply is ${reply.length} characters long, over the ${MAX_REPLY_CHARS} this optimizer reads` };
  }
  const text = reply.trim();
  if (text === '') return { ok: false, error: 'the reply is empty' };
  const whole = tryParse(text);
  if ('value' in whole) return { ok: true, value: whole.value };
  // A reply that starts like JSON was meant as JSON: its own parse error is the one worth reporting.
  let firstError = /^[{[]/.test(text) ? whole.error : undefined;

  for (const m of text.matchAll(/```[A-Za-z]*[ \t]*\r?\n?([\s\S]*?)```/g)) {
    const r = tryParse(m[1].trim());
    if ('value' in r) return { ok: true, value: r.value };
    firstError ??= r.error;
  }
  return fromSpans(text, firstError);
}

/**
 * The first bracketed span of the prose that parses, objects before arrays: prose often quotes a lone vector before
 * giving the full answer. A balanced span that fails to parse is skipped whole, so a fragment of a broken answer is
 * never taken for the answer. A span that cannot balance (a mismatched closer, or the reply ends first) gives way to
 * the largest spans that did balance inside it, in order, and the scan resumes after the mismatch.
 *
 * One pass with a stack, string literals skipped from each span's opening bracket on: the same spans as trying every
 * bracket as a start (as this did before, which rescanned the rest of the reply from each unbalanced bracket: 40,000
 * '{' took 83 s), except that a bracket inside a string literal of an unbalanced span is not tried as a start.
 */
function fromSpans(text: string, firstError: string | undefined): Parsed<unknown> {
  let answer: unknown;
  let firstArray: unknown;
  let error = firstError;
  /** Parses text[a, b): true when it is the answer (an object). */
  const take = (a: number, b: number): boolean => {
    const r = tryParse(text.slice(a, b));
    if (!('value' in r)) { error ??= r.error; return false; }
    if (!Array.isArray(r.value)) { answer = r.value; return true; }
    firstArray ??= r.value;
    return false;
  };
  // Per open bracket: the closer it needs, where it opened, and the maximal balanced spans inside it so far.
  const closers: string[] = [];
  const opens: number[] = [];
  const inner: Array<Array<[number, number]>> = [];
  /** The open spans cannot balance: try the balanced spans inside them, in text order. */
  const giveUp = (): boolean => {
    const found = inner.some((spans) => spans.some(([a, b]) => take(a, b)));
    closers.length = opens.length = inner.length = 0;
    return found;
  };
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (closers.length === 0) {
      if (ch === '{' || ch === '[') { closers.push(ch === '{' ? '}' : ']'); opens.push(i); inner.push([]); inString = false; }
      continue;
    }
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') { closers.push(ch === '{' ? '}' : ']'); opens.push(i); inner.push([]); }
    else if (ch === '}' || ch === ']') {
      if (ch !== closers[closers.length - 1]) {
        if (giveUp()) return { ok: true, value: answer };
        continue;
      }
      closers.pop();
      inner.pop(); // spans inside this one are part of it
      const start = opens.pop()!;
      if (closers.length === 0) {
        if (take(start, i + 1)) return { ok: true, value: answer };
      } else inner[inner.length - 1].push([start, i + 1]);
    }
  }
  if (closers.length && giveUp()) return { ok: true, value: answer };
  if (firstArray !== undefined) return { ok: true, value: firstArray };
  return { ok: false, error: error ?? 'the reply contains no JSON object' };
}

// ---- schemas ----

const kind = (v: unknown) => (v === undefined ? 'missing' : v === null ? 'null' : Array.isArray(v) ? 'a list'
  : typeof v === 'string' ? `the string ${JSON.stringify(v.slice(0, 20))}` : `${typeof v === 'object' ? 'an' : 'a'} ${typeof v}`);
const typeError = (expected: string) => ({ error: (iss: { input?: unknown }) => `is ${kind(iss.input)}, expected ${expected}` });

const rate = z.number(typeError('a finite number'))
  .min(0, { error: (iss) => `is ${iss.input}, below 0 (every entry must be in [0, 1))` })
  .lt(1, { error: (iss) => `is ${iss.input}, not below 1 (every entry must be in [0, 1))` });

/** A vector of `L` rates; the length message names the vector ("vector 3 has 4 entries, expected 5"). */
const vector = (L: number, name: string) => z.array(rate, typeError(`a list of ${L} numbers`)).superRefine((v, c) => {
  if (v.length !== L) c.addIssue({ code: 'custom', message: `${name} has ${v.length} entries, expected ${L}` });
});

const index = (n: number) => z.number(typeError('an integer index'))
  .int({ error: (iss) => `is ${iss.input}, expected an integer index` })
  .min(0, { error: (iss) => `is ${iss.input}, expected an index in [0, ${n - 1}]` })
  .max(n - 1, { error: (iss) => `is ${iss.input}, expected an index in [0, ${n - 1}]` });

function pathText(path: PropertyKey[]): string {
  return path.map((p, k) => (typeof p === 'number' ? `[${p}]` : `${k ? '.' : ''}${String(p)}`)).join('');
}

/** Custom issues carry their full sentence; the others are prefixed by where they are ("rates[2] is 1.5, ..."). */
const sentence = (i: z.core.$ZodIssue, path: PropertyKey[]) =>
  (i.code === 'custom' ? i.message : `${path.length ? pathText(path) : 'the JSON'} ${i.message}`);

/** Up to three problems as one line. */
function describe(error: z.ZodError): string {
  const lines = error.issues.map((i) => sentence(i, i.path));
  const more = lines.length > 3 ? ` (and ${lines.length - 3} more problems)` : '';
  return lines.slice(0, 3).join('; ') + more;
}

const sizeText = (n: number) => (n === 0 ? 'is empty' : `has ${n} ${n === 1 ? 'entry' : 'entries'}`);

/**
 * A list of at least `min` items of which the first `max` are kept and judged one by one (the rest are cut). The
 * count is checked here rather than in the schema so that a reply short of items still gets its items judged.
 */
function checkList<T>(items: unknown[], min: number, max: number, at: string, item: (k: number) => z.ZodType<T>,
  c: z.RefinementCtx): T[] {
  if (items.length < min) c.addIssue({ code: 'custom', message: `${at} ${sizeText(items.length)}, expected at least ${min}` });
  return items.slice(0, max).map((x, k) => {
    const r = item(k).safeParse(x);
    if (!r.success) for (const i of r.error.issues) c.addIssue({ code: 'custom', message: sentence(i, [at, k, ...i.path]) });
    return r.data as T;
  });
}

/** A bare list is accepted for single-key replies ({"rates": ...} given as just the list). */
function validate<T>(reply: string, schema: z.ZodType<T>, wrapKey?: string): Parsed<T> {
  const json = extractJson(reply);
  if (!json.ok) return json;
  const value = wrapKey && Array.isArray(json.value) ? { [wrapKey]: json.value } : json.value;
  const r = schema.safeParse(value);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: describe(r.error) };
}

/** A list of anything (items are judged by checkList); an absent key counts as empty when none are needed. */
const listOf = (what: string, need: number) => {
  const a = z.array(z.unknown(), typeError(`a list of ${what}`));
  return need === 0 ? a.optional().transform((x) => x ?? []) : a;
};

const objectOf = <S extends z.ZodRawShape>(shape: S, example: string) => z.object(shape, typeError(`a JSON object ${example}`));

/** Initial vectors: at least one, each of `numLayers` rates; more than `count` are cut to `count`. */
export function parseInitReply(reply: string, numLayers: number, count: number): Parsed<number[][]> {
  const schema = objectOf({ vectors: listOf('vectors', 1) }, REPLY_SCHEMAS.init)
    .transform((v, c) => checkList(v.vectors, 1, count, 'vectors', (k) => vector(numLayers, `vector ${k}`), c));
  return validate(reply, schema, 'vectors');
}

export interface LlmSelection { pairs: Array<[number, number]>; mutate: number[] }

/** Parent pairs and mutants as indices into a population of `size`; extra entries are cut, missing ones are an error. */
export function parseSelectionReply(reply: string, size: number, crossovers: number, mutations: number): Parsed<LlmSelection> {
  const pair = z.tuple([index(size), index(size)], typeError('a pair [i, j]'));
  const schema = objectOf({ pairs: listOf('pairs [i, j]', crossovers), mutate: listOf('indices', mutations) }, REPLY_SCHEMAS.select)
    .transform((v, c) => ({
      pairs: checkList(v.pairs, crossovers, crossovers, 'pairs', () => pair, c) as Array<[number, number]>,
      mutate: checkList(v.mutate, mutations, mutations, 'mutate', () => index(size), c),
    }));
  return validate(reply, schema);
}

/** One child vector (crossover or mutation) of `numLayers` rates. */
export function parseRatesReply(reply: string, numLayers: number): Parsed<number[]> {
  const schema = objectOf({ rates: vector(numLayers, 'rates') }, REPLY_SCHEMAS.rates).transform((v) => v.rates);
  return validate(reply, schema, 'rates');
}
