// How many evaluation windows of seqLen tokens one forward dispatch runs (issue 13 §3): M = windows x seqLen rows
// for the row-wise kernels, each window its own positions and KV rows. B is the largest count whose buffers fit
// one binding, whose activations and KV cache fit a byte budget, and at which every kernel runs the same code per
// row as for one window (so batched NLL is bit-identical); 1 when nothing more fits.
import type { Gpu } from '../gpu/device.ts';
import { matmulKernelName, type MatmulVariant } from '../kernels/matmul.ts';
import type { ModelSpec } from '../model/spec.ts';
import { logitSliceRows } from './logit-slices.ts';

/** Activations + KV cache bytes a batch may take (a browser tab shares the GPU with the page). */
export const DEFAULT_BATCH_BYTES = 256 * 1024 * 1024;
/** Past this, a batch only delays progress reports and cancellation. */
export const MAX_BATCH_WINDOWS = 64;

/** Bytes per token of a forward plan's activations (forward-plan.ts's buffers) and of the KV cache. */
export function bytesPerToken(spec: ModelSpec, logitCols: number): { activations: number; kv: number; widest: number } {
  const { hiddenSize: d, intermediateSize: f, numHeads: nH, numKvHeads: nKv, headDim: hd, numLayers: L } = spec;
  const qk = (nH + nKv) * hd * (spec.qkNorm ? 2 : 1);
  const floats = 3 /* tokens, targets, nll */ + 4 * d /* x, xn, proj, projNormed */ + qk + nKv * hd /* v */ + nH * hd /* att */
    + 3 * f /* gate, up, act */ + logitCols + 4 /* nll state */;
  return { activations: 4 * floats, kv: 4 * 2 * L * nKv * hd, widest: 4 * Math.max(d, f, nH * hd, logitCols) };
}

/** `head: false`: plans without lm_head and logits (calibration), whose batches budget no logit columns. */
export function windowBatchSize(gpu: Gpu, spec: ModelSpec, seqLen: number, variant: MatmulVariant,
  budgetBytes = DEFAULT_BATCH_BYTES, opts: { head?: boolean } = {}): number {
  const V = spec.vocabSize;
  const head = opts.head ?? true;
  const sliceCols = head ? logitSliceRows(gpu, seqLen, V) : 0;
  const perToken = bytesPerToken(spec, sliceCols);
  const perLayerKv = perToken.kv / (2 * spec.numLayers);
  const binding = Math.min(gpu.adapter.maxBindingBytes, gpu.adapter.maxBufferBytes);
  const sameSlices = (T: number) => {
    try { return logitSliceRows(gpu, T, V) === sliceCols; } catch { return false; }
  };
  const fits = (B: number) => {
    const T = B * seqLen;
    return T * Math.max(perToken.widest, perLayerKv) <= binding
      && T * (perToken.activations + perToken.kv) <= budgetBytes
      // the same vocabulary slices (the NLL's logsumexp merges them in order) and the same matmul shaders
      && (!head || sameSlices(T))
      && matmulKernelName(variant, T, 4, false, gpu.subgroupSize) === matmulKernelName(variant, seqLen, 4, false, gpu.subgroupSize);
  };
  let B = 1;
  while (B < MAX_BATCH_WINDOWS && fits(B + 1)) B++;
  return B;
}
