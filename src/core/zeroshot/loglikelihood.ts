// Continuation log-likelihoods on the GPU engine, as lm-eval's HF backend computes them for causal models: the input
// is (context + continuation)[-(max_length + 1):][:-1], and the continuation's log-prob is the sum of its tokens'
// log-softmax at the last len(continuation) rows; is_greedy holds when every one of those tokens is its row's argmax.
// Choices that share a context (consecutive requests with the same context tokens) run the context once: the first
// choice runs the whole input from position 0, the others only their last context token and continuation against
// the KV cache the first one filled. Token counts are padded to a few sizes so few forward plans are built (each one
// holds buffers of its size: [T, vocab] logits among them).
import { BadRequest, Cancelled } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import type { TokenizedRequest } from './context-continuation.ts';

export interface LoglikelihoodResult {
  logprob: number;
  isGreedy: boolean;
}

export interface LoglikelihoodOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

const MIN_TOKENS = 8;

/** The padded token count of a run: 8, 12, 16, 24, 32, 48, ... (at most a third is padding). */
export function paddedTokens(n: number): number {
  const p = 2 ** Math.ceil(Math.log2(Math.max(n, MIN_TOKENS)));
  return (p / 4) * 3 >= n && p > MIN_TOKENS ? (p / 4) * 3 : p;
}

/** The model input of a request: context + continuation without its last token, cut from the left to maxLength. */
function modelInput(r: TokenizedRequest, maxLength: number): number[] {
  return [...r.context, ...r.continuation].slice(-(maxLength + 1)).slice(0, -1);
}

const sameTokens = (a: number[], b: number[]) => a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

export async function scoreLoglikelihoods(engine: Engine, requests: TokenizedRequest[],
  opts: LoglikelihoodOptions = {}): Promise<LoglikelihoodResult[]> {
  const maxLength = engine.spec.maxPositions;
  for (const r of requests) {
    if (r.continuation.length === 0) throw new BadRequest('a continuation without tokens has no log-likelihood');
    if (r.context.length === 0) throw new BadRequest('a request needs at least one context token');
    if (r.continuation.length > maxLength) {
      throw new BadRequest(`a continuation of ${r.continuation.length} tokens exceeds the model's maximum length of ${maxLength}`);
    }
  }
  // One KV cache for the whole run, long enough that a run starting anywhere inside the longest input still takes its
  // padded size (a run cut to fit would build a plan of its own); only the model's maximum length cuts it.
  const longest = Math.max(...requests.map((r) => modelInput(r, maxLength).length));
  const rows = Math.min(maxLength, 2 * paddedTokens(longest));
  const results: LoglikelihoodResult[] = [];

  // Scores `ids` at pos0 with next-token `targets`, and reads the last `n` rows: the continuation's.
  const run = async (ids: number[], targets: number[], pos0: number, n: number): Promise<LoglikelihoodResult> => {
    if (opts.signal?.aborted) throw new Cancelled('zero-shot evaluation');
    const T = Math.min(paddedTokens(ids.length), rows - pos0);
    const pad = new Array<number>(T - ids.length).fill(0);   // rows past the input: causal attention keeps them out
    const { nll, argmax } = await engine.tokenScores([...ids, ...pad], [...targets, ...pad], pos0, rows);
    let logprob = 0, isGreedy = true;
    for (let i = ids.length - n; i < ids.length; i++) {
      logprob -= nll[i];
      if (argmax[i] !== targets[i]) isGreedy = false;
    }
    return { logprob, isGreedy };
  };

  opts.onProgress?.(0, requests.length);
  for (let i = 0; i < requests.length;) {
    const first = requests[i];
    const whole = [...first.context, ...first.continuation];
    const input = modelInput(first, maxLength);
    results.push(await run(input, whole.slice(whole.length - input.length), 0, first.continuation.length));
    let j = i + 1;
    const L = first.context.length;
    // The KV cache now holds the context at positions 0..L-1 when nothing was cut from the left.
    const contextInCache = whole.length - 1 <= maxLength;
    for (; j < requests.length && contextInCache && sameTokens(requests[j].context, first.context); j++) {
      const r = requests[j];
      if (L + r.continuation.length - 1 > maxLength) break;   // this one is cut from the left: run it alone
      const ids = [first.context[L - 1], ...r.continuation.slice(0, -1)];
      results.push(await run(ids, r.continuation, L - 1, r.continuation.length));
    }
    i = j;
    opts.onProgress?.(i, requests.length);
  }
  return results;
}
