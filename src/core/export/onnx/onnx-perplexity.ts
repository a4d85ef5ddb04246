// Perplexity of an ONNX model through any ONNX runtime (onnxruntime-node in the CLI, onnxruntime-web in the
// browser) with exactly the engine's protocol: the same tokenization and windows (engine/windows.ts), NLL of
// tokens 1..seqLen-1 of each window, exp(mean). The runtime is reached through one function, so the core never
// imports a runtime. NLL is computed in float64 from the runtime's float32 logits.
import { BadRequest } from '../../errors.ts';
import { accumulateNll } from '../../engine/nll-accumulator.ts';
import type { PerplexityOptions, PerplexityReport } from '../../engine/perplexity-report.ts';
import { evalWindows, sha256Hex, tokenizeForEval } from '../../engine/windows.ts';
import type { TextTokenizer } from '../../model/loaded-model.ts';
import { PRUNELAB_VERSION } from '../../version.ts';

/** Runs one window (token ids, positions 0..T-1, batch 1) and returns its logits [T, vocab]. */
export type OnnxLogitsRunner = (ids: number[]) => Promise<Float32Array>;

/** Sum of next-token NLL over positions 0..T-2 of one window, from its logits [T, V]. */
export function windowNllFromLogits(logits: Float32Array, ids: number[], V: number): { sum: number; count: number } {
  const T = ids.length;
  if (logits.length !== T * V) throw new BadRequest(`the runtime returned ${logits.length} logits, [${T}, ${V}] expected`);
  let sum = 0;
  for (let t = 0; t + 1 < T; t++) {
    const row = logits.subarray(t * V, (t + 1) * V);
    let max = -Infinity;
    for (let i = 0; i < V; i++) if (row[i] > max) max = row[i];
    let z = 0;
    for (let i = 0; i < V; i++) z += Math.exp(row[i] - max);
    sum += max + Math.log(z) - row[ids[t + 1]];
  }
  return { sum, count: T - 1 };
}

export interface OnnxRuntimeInfo {
  /** What ran it, e.g. { vendor: 'onnxruntime-node 1.30.0', architecture: 'cpu' }. */
  vendor: string;
  architecture: string;
  description: string;
  /** The model's fingerprint (the export's metadata) or, failing that, the file's sha-256. */
  modelHash: string;
  vocabSize: number;
  /** Longest window the model's RoPE tables cover. */
  maxPositions?: number;
}

export async function evaluateOnnxPerplexity(run: OnnxLogitsRunner, tokenizer: TextTokenizer, text: string,
  opts: PerplexityOptions, info: OnnxRuntimeInfo): Promise<PerplexityReport> {
  if (info.maxPositions !== undefined && opts.seqLen > info.maxPositions) {
    throw new BadRequest(`seqLen ${opts.seqLen} exceeds the model's maximum of ${info.maxPositions} positions`);
  }
  const ids = tokenizeForEval(tokenizer, text);
  const windows = evalWindows(ids, opts.seqLen, opts.maxWindows);
  const { nll, ppl, count, seconds } = await accumulateNll(windows,
    async (w) => windowNllFromLogits(await run(w), w, info.vocabSize),
    { signal: opts.signal, onProgress: opts.onProgress, reportStart: true });
  return {
    ppl, nll, tokens: count, windows: windows.length, seqLen: opts.seqLen,
    tokensPerSecond: (windows.length * opts.seqLen) / seconds, seconds,
    adapter: { vendor: info.vendor, architecture: info.architecture, description: info.description, isFallback: false },
    protocol: {
      modelHash: info.modelHash, textHash: await sha256Hex(text), addBos: tokenizer.addBos, textTokens: ids.length,
      prunelabVersion: PRUNELAB_VERSION,
    },
  };
}
