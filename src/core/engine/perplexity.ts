// Perplexity exactly per the protocol in docs/algorithms.md §1 (locuslab/wanda's eval_ppl): exp(mean NLL over all
// predicted tokens of non-overlapping seqLen windows cut from the start of the tokenized text).
import { accumulateNll, type NllLoopOptions } from './nll-accumulator.ts';
import { PRUNELAB_VERSION } from '../version.ts';
import type { Engine } from './engine.ts';
import type { PerplexityOptions, PerplexityReport } from './perplexity-report.ts';
import { evalWindows, sha256Hex, tokenizeForEval } from './windows.ts';

export async function evaluatePerplexity(engine: Engine, text: string, opts: PerplexityOptions): Promise<PerplexityReport> {
  const ids = opts.ids ?? tokenizeForEval(engine.model.tokenizer, text);
  const windows = evalWindows(ids, opts.seqLen, opts.maxWindows);
  const { nll, ppl, count, seconds } = await accumulateNll(windows, (w) => engine.windowNll(w),
    { signal: opts.signal, onProgress: opts.onProgress, reportStart: true, batch: batchOf(engine, windows) });
  const { vendor, architecture, description, isFallback } = engine.gpu.adapter;
  return {
    ppl,
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
  return (await accumulateNll(windows, (w) => engine.windowNll(w), { signal, batch: batchOf(engine, windows) })).ppl;
}

/** Windows of one length run engine.windowBatch of them per dispatch (the same NLL bits as one at a time). */
export function batchOf(engine: Engine, windows: number[][]): NllLoopOptions['batch'] {
  const S = windows[0]?.length;
  if (!S || windows.some((w) => w.length !== S)) return undefined;
  return { size: engine.windowBatch(S), windowsNll: (ws) => engine.windowsNll(ws) };
}
