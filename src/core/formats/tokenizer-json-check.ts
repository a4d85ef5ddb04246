// Checks on an untrusted tokenizer.json before @huggingface/tokenizers sees it. Fuzzing found the library looping
// to the largest vocabulary id (an id of 2^31 took 96 s), raw TypeErrors from malformed parts, and Split patterns
// whose nested quantifiers make encoding exponential (JavaScript regexes cannot be interrupted).
import { BadModelFile } from '../errors.ts';
import { quote } from '../quote.ts';

type Json = Record<string, unknown>;
const FILE = 'tokenizer.json';
/** Far above any real vocabulary (Gemma 3: 262,144) and small enough to walk. */
export const MAX_TOKEN_ID = 1 << 22;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (what: string): never => { throw new BadModelFile(FILE, what); };

export function checkTokenizerJson(t: Json): void {
  if (!isObj(t.model)) bad(`"model" must be an object, got ${quote(t.model)}`);
  const model = t.model as Json;
  const vocab = model.vocab;
  const ids: unknown[] = isObj(vocab) ? Object.values(vocab) : Array.isArray(vocab) ? vocab.map((_, i) => i) : bad(`"model.vocab" must be an object or a list, got ${quote(vocab)}`);
  const tooBig = ids.findIndex((id) => !(Number.isInteger(id) && (id as number) >= 0 && (id as number) < MAX_TOKEN_ID));
  if (tooBig >= 0) bad(`model.vocab holds the id ${quote(ids[tooBig])}: ids must be integers in [0, ${MAX_TOKEN_ID})`);
  if (t.added_tokens !== undefined && t.added_tokens !== null) {
    if (!Array.isArray(t.added_tokens)) bad(`"added_tokens" must be a list, got ${quote(t.added_tokens)}`);
    (t.added_tokens as unknown[]).forEach((a, i) => {
      if (!isObj(a) || typeof a.content !== 'string' || !Number.isInteger(a.id) || (a.id as number) < 0 || (a.id as number) >= MAX_TOKEN_ID) {
        bad(`added_tokens[${i}] must be { id: integer in [0, ${MAX_TOKEN_ID}), content: string, ... }, got ${quote(a)}`);
      }
    });
  }
  for (const part of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const) {
    const v = t[part];
    if (v !== undefined && v !== null && !isObj(v)) bad(`"${part}" must be an object or null, got ${quote(v)}`);
    if (isObj(v)) checkPatterns(v, part);
  }
  checkTemplate(t.post_processor);
}

/** TemplateProcessing's single / pair must be lists of pieces (the library iterates them). */
function checkTemplate(pp: unknown, at = 'post_processor'): void {
  if (!isObj(pp)) return;
  if (Array.isArray(pp.processors)) pp.processors.forEach((p, i) => checkTemplate(p, `${at}.processors[${i}]`));
  if (pp.type !== 'TemplateProcessing') return;
  for (const k of ['single', 'pair'] as const) {
    if (pp[k] !== undefined && !Array.isArray(pp[k])) bad(`${at}.${k} must be a list of template pieces, got ${quote(pp[k])}`);
  }
}

/** Every { Regex: ... } below `v` must be free of nested quantifiers ((a+)+ style: exponential backtracking). */
function checkPatterns(v: unknown, at: string, depth = 0): void {
  if (depth > 16) bad(`${at} is nested more than 16 levels deep`);
  if (Array.isArray(v)) { v.forEach((x, i) => checkPatterns(x, `${at}[${i}]`, depth + 1)); return; }
  if (!isObj(v)) return;
  for (const [k, x] of Object.entries(v)) {
    if (k === 'Regex') {
      if (typeof x !== 'string') bad(`${at}.Regex must be a string, got ${quote(x)}`);
      if (hasNestedQuantifier(x as string)) bad(`${at}.Regex ${quote(x)} repeats a repeated group (nested quantifiers backtrack exponentially)`);
    } else checkPatterns(x, `${at}.${k}`, depth + 1);
  }
}

/**
 * Whether a group that contains a quantifier or an alternation is itself quantified, e.g. (a+)+, (?:\s*x)*,
 * (a|b+){2,}, (\s|\p{Z})*: the shapes whose backtracking is exponential ((a|a)*$ takes 8 s on 27 characters).
 */
export function hasNestedQuantifier(pattern: string): boolean {
  const groups: boolean[] = []; // per open group: does its body hold a quantifier (or an alternation)?
  let inClass = false;
  const quantifierAt = (i: number) => pattern[i] === '+' || pattern[i] === '*' || (pattern[i] === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i, i + 12)));
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') { inClass = true; continue; }
    if (c === '(') { groups.push(false); continue; }
    if (c === '|' && groups.length) { groups[groups.length - 1] = true; continue; }
    if (c === ')') {
      const inner = groups.pop() ?? false;
      if (inner && quantifierAt(i + 1)) return true;
      // A quantified group makes its parent's body quantified; an unquantified one passes its own flag up.
      if (groups.length) groups[groups.length - 1] ||= inner || quantifierAt(i + 1);
      continue;
    }
    if (quantifierAt(i) && groups.length) groups[groups.length - 1] = true;
  }
  return false;
}
