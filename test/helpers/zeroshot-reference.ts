// An independent float64 reference of lm-eval-harness's 0-shot multiple-choice scoring for the HF backend, written
// from lm_eval/api/model.py (TemplateLM.loglikelihood, _encode_pair), lm_eval/models/huggingface.py
// (_loglikelihood_tokens: input (ctx + cont)[-(max_length + 1):][:-1], log_softmax, the last len(cont) rows, is_greedy
// = argmax equals every continuation token) and lm_eval/api/task.py (process_results: acc, acc_norm by len(choice)).
// It tokenizes with @huggingface/tokenizers' own special-token handling (add_special_tokens: true, as HF's
// tokenizer.encode does when lm-eval leaves add_bos_token unset) and scores with the transformers-derived forward in
// ./hf-reference: nothing of the product's tokenizer wrapper, engine, packing or metrics is used.
import { Tokenizer } from '@huggingface/tokenizers';
import { hfLogits, type HubTensor } from './hf-reference/models.ts';

export interface ReferenceModel {
  config: Record<string, unknown>;
  tensors: Map<string, HubTensor>;
  tokenizer: Tokenizer;
  maxLength: number;
}

export interface ReferenceRequest { context: string; continuation: string }
export interface ReferenceLoglikelihood { logprob: number; isGreedy: boolean; continuationTokens: number[] }

const encode = (m: ReferenceModel, s: string) => m.tokenizer.encode(s, { add_special_tokens: true }).ids;

/** TemplateLM._encode_pair for a causal model (contexts here are never empty). */
function encodePair(m: ReferenceModel, context: string, continuation: string): [number[], number[]] {
  const spaces = context.length - context.replace(/\s+$/, '').length;
  if (spaces > 0) {
    continuation = context.slice(-spaces) + continuation;
    context = context.slice(0, -spaces);
  }
  const whole = encode(m, context + continuation);
  const ctx = encode(m, context);
  return [ctx, whole.slice(ctx.length)];
}

export function referenceLoglikelihood(m: ReferenceModel, r: ReferenceRequest): ReferenceLoglikelihood {
  const [ctx, cont] = encodePair(m, r.context, r.continuation);
  const input = [...ctx, ...cont].slice(-(m.maxLength + 1)).slice(0, -1);
  const logits = hfLogits(m.config, m.tensors, input);
  let logprob = 0, isGreedy = true;
  cont.forEach((token, k) => {
    const row = logits[input.length - cont.length + k];
    let max = -Infinity, best = 0;
    row.forEach((v, j) => { if (v > max) { max = v; best = j; } });
    let z = 0;
    for (const v of row) z += Math.exp(v - max);
    logprob += row[token] - max - Math.log(z);
    if (best !== token) isGreedy = false;
  });
  return { logprob, isGreedy, continuationTokens: cont };
}

const firstMax = (xs: number[]) => xs.reduce((best, x, i) => (x > xs[best] ? i : best), 0);

/** process_results for one document: pred on the log-likelihoods, pred_norm on them divided by len(choice). */
export function referenceDocumentScore(lls: number[], choices: string[], gold: number): { acc: number; accNorm: number } {
  const norm = lls.map((ll, i) => ll / Array.from(choices[i]).length);
  return { acc: firstMax(lls) === gold ? 1 : 0, accNorm: firstMax(norm) === gold ? 1 : 0 };
}
