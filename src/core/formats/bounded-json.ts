// JSON.parse for untrusted text (config.json, tokenizer.json, safetensors headers, index files, LLM replies) with
// the nesting depth bounded first. V8's parser itself copes with 100,000 levels, but everything that walks the value
// afterwards recursively (structuredClone to a worker, JSON.stringify, zod, the tokenizer library) overflows the
// call stack: fuzzing turned such files into raw RangeErrors. No real file nests more than a handful of levels.
import { BadModelFile } from '../errors.ts';

/** Deepest {...} / [...] nesting accepted (tokenizer.json's deepest parts are ~6 levels). */
export const MAX_JSON_DEPTH = 64;

/** Index of the first bracket that opens level `max + 1` (strings skipped), or -1 when the text stays within `max`. */
export function jsonDepthExceeded(text: string, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return -1;
}

/** Parses `text` or says why not in one short sentence (no value is built when it nests too deeply). */
export function parseJsonBounded(text: string, max = MAX_JSON_DEPTH): { value: unknown } | { error: string } {
  const deep = jsonDepthExceeded(text, max);
  if (deep >= 0) return { error: `nests deeper than ${max} levels (at character ${deep})` };
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: `not valid JSON (${String(e instanceof Error ? e.message : e).slice(0, 160)})` };
  }
}

/** A model file's JSON, or a BadModelFile naming it. `object`: the top level must be a JSON object. */
export function parseJsonFile(text: string, file: string, object = true): unknown {
  const r = parseJsonBounded(text);
  if ('error' in r) throw new BadModelFile(file, r.error);
  if (object && (typeof r.value !== 'object' || r.value === null || Array.isArray(r.value))) {
    throw new BadModelFile(file, 'top level is not a JSON object');
  }
  return r.value;
}
