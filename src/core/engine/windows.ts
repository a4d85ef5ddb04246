// The perplexity protocol's tokenization (docs/algorithms.md §1; locuslab/wanda eval_ppl): tokenize the whole text once,
// BOS first when the tokenizer config says so, cut non-overlapping windows of seqLen from the start, drop the tail.
import { BadRequest, Cancelled } from '../errors.ts';
import type { TextTokenizer } from '../model/loaded-model.ts';

// A 1 MB text takes seconds to tokenize, and one command evaluates the same text several times (dense, pruned,
// calibration from the same file): the last few texts are kept per tokenizer. Callers must not mutate the ids.
const recent = new WeakMap<TextTokenizer, Map<string, number[]>>();
const KEEP = 2;

export function tokenizeForEval(tokenizer: TextTokenizer, text: string): number[] {
  const hit = recent.get(tokenizer)?.get(text);
  return hit ?? remember(tokenizer, text, tokenizer.encode(text));
}

/** tokenizer.encode run where `signal` can stop it (the studio's tokenizer worker, tokenizer-worker-client.ts). */
export type EncodeElsewhere = (text: string, signal?: AbortSignal) => Promise<number[]>;

/** tokenizeForEval that `signal` can stop: where the tokenizer encodes in parts (encodeParts, the same ids), it
 * checks the signal and lets the event loop run (a worker receives its cancel message) between parts; otherwise
 * through `elsewhere` when given (it must return tokenizer.encode's ids), else only before and after the one encode call. */
export async function tokenizeForEvalCancellable(tokenizer: TextTokenizer, text: string, signal?: AbortSignal,
  elsewhere?: EncodeElsewhere): Promise<number[]> {
  const check = () => { if (signal?.aborted) throw new Cancelled('tokenization'); };
  check();
  const hit = recent.get(tokenizer)?.get(text);
  if (hit) return hit;
  if (!tokenizer.encodeParts) return remember(tokenizer, text, elsewhere ? await elsewhere(text, signal) : tokenizer.encode(text));
  const ids: number[] = [];
  let yielded = performance.now();
  for (const part of tokenizer.encodeParts(text)) {
    for (const id of part) ids.push(id);
    if (performance.now() - yielded > 50) { // a browser's setTimeout(0) costs up to 4 ms: not after every part
      await new Promise((r) => setTimeout(r, 0));
      yielded = performance.now();
    }
    check();
  }
  return remember(tokenizer, text, ids);
}

/** BOS first per the tokenizer config, then kept among the tokenizer's last KEEP texts. */
function remember(tokenizer: TextTokenizer, text: string, ids: number[]): number[] {
  let cache = recent.get(tokenizer);
  if (!cache) recent.set(tokenizer, cache = new Map());
  if (tokenizer.addBos && tokenizer.bosId !== null) ids.unshift(tokenizer.bosId);
  cache.set(text, ids);
  if (cache.size > KEEP) cache.delete(cache.keys().next().value!);
  return ids;
}

/** Windows of `seqLen` tokens (views into `ids`), at most `maxWindows`. */
export function evalWindows(ids: number[], seqLen: number, maxWindows?: number): number[][] {
  if (!Number.isInteger(seqLen) || seqLen < 2) throw new BadRequest(`seqLen must be an integer >= 2 (got ${seqLen})`);
  if (maxWindows !== undefined && (!Number.isInteger(maxWindows) || maxWindows < 1)) {
    throw new BadRequest(`maxWindows must be a positive integer (got ${maxWindows})`);
  }
  const complete = Math.floor(ids.length / seqLen);
  if (complete === 0) {
    throw new BadRequest(`the text has ${ids.length} tokens, fewer than one window of seqLen ${seqLen}`);
  }
  const n = Math.min(complete, maxWindows ?? complete);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push(ids.slice(i * seqLen, (i + 1) * seqLen));
  return out;
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
