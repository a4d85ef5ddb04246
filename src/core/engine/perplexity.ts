// Perplexity exactly per the protocol in DESIGN.md (locuslab/wanda's eval_ppl): exp(mean NLL over all
// predicted tokens of non-overlapping seqLen windows cut from the start of the tokenized text).
import { Cancelled } from '../errors.ts';
import { PRUNELAB_VERSION } from '../version.ts';
import type { Engine } from './engine.ts';
import type { PerplexityOptions, PerplexityReport } from './perplexity-report.ts';
import { evalWindows, sha256Hex, tokenizeForEval } from './windows.ts';

export async function evaluatePerplexity(engine: Engine, text: string, opts: PerplexityOptions): Promise<PerplexityReport> {
  const ids = tokenizeForEval(engine.model.tokenizer, text);
  const windows = evalWindows(ids, opts.seqLen, opts.maxWindows);
  const start = performance.now();
  let sum = 0, count = 0;
  opts.onProgress?.(0, windows.length);
  for (let i = 0; i < windows.length; i++) {
    if (opts.signal?.aborted) throw new Cancelled('perplexity evaluation');
    const w = await engine.windowNll(windows[i]);
    sum += w.sum;
    count += w.count;
    opts.onProgress?.(i + 1, windows.length);
  }
  const seconds = (performance.now() - start) / 1000;
  const nll = sum / count;
  const { vendor, architecture, description, isFallback } = engine.gpu.adapter;
  return {
    ppl: Math.exp(nll),
    nll,
    tokens: count,
    windows: windows.length,
    seqLen: opts.seqLen,
    tokensPerSecond: (windows.length * opts.seqLen) / seconds,
    seconds,
    adapter: { vendor, architecture, description, isFallback },
    protocol: {
      modelHash: engine.model.fingerprint,
      textHash: await sha256Hex(text),
      addBos: engine.model.tokenizer.addBos,
      textTokens: ids.length,
      prunelabVersion: PRUNELAB_VERSION,
    },
  };
}

/** Perplexity over already-tokenized windows (a short slice: fitness, scan cells); exp(mean NLL). */
export async function windowsPerplexity(engine: Engine, windows: number[][], signal?: AbortSignal): Promise<number> {
  let sum = 0, count = 0;
  for (const w of windows) {
    if (signal?.aborted) throw new Cancelled('perplexity evaluation');
    const r = await engine.windowNll(w);
    sum += r.sum;
    count += r.count;
  }
  return Math.exp(sum / count);
}
