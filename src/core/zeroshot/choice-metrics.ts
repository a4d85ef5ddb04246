// lm-eval's multiple_choice metrics (lm_eval/api/task.py process_results, lm_eval/api/metrics.py): per document,
// acc = [argmax(lls) == gold] and acc_norm = [argmax(lls / len(choice)) == gold] with len() in code points of the
// choice string (no delimiter); aggregated as the mean with the sample standard error sqrt(var_ddof1 / n), "N/A"
// (null here) for fewer than two documents.
import { pyLen } from './python-text.ts';

export interface DocumentScore {
  /** Log-likelihood of each choice's continuation. */
  lls: number[];
  gold: number;
  pred: number;
  predNorm: number;
  acc: 0 | 1;
  accNorm: 0 | 1;
  /** Whether the gold continuation is the greedy one at every token (lm-eval's exact_match). */
  goldGreedy: boolean;
}

/** numpy.argmax: the first maximum, where a NaN counts as the maximum. */
export function npArgmax(values: number[]): number {
  let best = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) return i;
    if (values[i] > values[best]) best = i;
  }
  return best;
}

export function scoreDocument(lls: number[], greedy: boolean[], choices: string[], gold: number): DocumentScore {
  const pred = npArgmax(lls);
  // numpy float division: x / 0 is -inf (or NaN for 0 / 0), as JavaScript's.
  const predNorm = npArgmax(lls.map((ll, i) => ll / pyLen(choices[i])));
  return { lls, gold, pred, predNorm, acc: pred === gold ? 1 : 0, accNorm: predNorm === gold ? 1 : 0, goldGreedy: greedy[gold] };
}

export interface MeanWithStderr {
  value: number;
  /** mean_stderr: sample_stddev / sqrt(n); null ("N/A") for n < 2. */
  stderr: number | null;
}

export function meanWithStderr(values: number[]): MeanWithStderr {
  const n = values.length;
  const mean = values.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { value: mean, stderr: null };
  const variance = values.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  return { value: mean, stderr: Math.sqrt(variance) / Math.sqrt(n) };
}
