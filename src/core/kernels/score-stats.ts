// Hosts for shaders/score-row-sums.wgsl and shaders/outlier-count.wgsl: OWL / MRP outlier statistics on the GPU.
// Scores as in prune-score.ts; the caller turns the row sums into a threshold (M x the layer's mean score) and
// writes it into its own uniform, so re-counting after a re-prune rewrites 4 bytes and reuses both calls.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import sumsCode from '../../../shaders/score-row-sums.wgsl?raw';
import countCode from '../../../shaders/outlier-count.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { requireDistinct, requireElems, requireInt } from './guards.ts';
import { requireCallerUniform } from './caller-uniform.ts';
import { pruneScoreF32 } from './prune-score.ts';

interface ScoreArgs {
  w: GPUBuffer;      // [N, K] f32
  sq?: GPUBuffer;    // [K] f32 sums of squared inputs (Wanda); absent = magnitude
  N: number;
  K: number;
}

export interface ScoreRowSumsArgs extends ScoreArgs {
  out: GPUBuffer;    // [N] f32
}

export interface OutlierCountArgs extends ScoreArgs {
  mask?: GPUBuffer;      // [N, ceil(K/32)] u32 bitset, 1 = kept; absent = everything kept
  threshold: GPUBuffer;  // uniform { t: f32 }, written by the caller
  out: GPUBuffer;        // [N, 2] u32: outliers, outliers still kept
}

function checkScores(label: string, a: ScoreArgs): void {
  requireInt(label, 'N', a.N);
  requireInt(label, 'K', a.K);
  requireElems(label, 'w [N, K]', a.w, a.N * a.K);
  if (a.sq) requireElems(label, 'sq [K]', a.sq, a.K);
}

/** out[i] = sum_j score[i, j], one workgroup per row. */
export async function prepareScoreRowSums(gpu: Gpu, a: ScoreRowSumsArgs): Promise<KernelCall> {
  const label = 'score-row-sums';
  checkScores(label, a);
  requireElems(label, 'out [N]', a.out, a.N);
  requireDistinct(label, { out: a.out, w: a.w, sq: a.sq });
  const params = await createUniformBuffer(gpu, `${label} params`, packUniform([{ u32: a.N }, { u32: a.K }, { u32: a.sq ? 1 : 0 }]));
  return prepareCall(gpu, label, sumsCode, [a.w, a.sq ?? a.w, a.out, params], grid1d(gpu, a.N, 1));
}

/** out[2i] = #{j : score[i, j] > t}, out[2i+1] = the same among weights kept by the mask; one workgroup per row. */
export async function prepareOutlierCount(gpu: Gpu, a: OutlierCountArgs): Promise<KernelCall> {
  const label = 'outlier-count';
  checkScores(label, a);
  const words = Math.ceil(a.K / 32);
  if (a.mask) requireElems(label, 'mask [N, words]', a.mask, a.N * words);
  requireCallerUniform(label, 'threshold', a.threshold, '{ t: f32 }');
  requireElems(label, 'out [N, 2]', a.out, 2 * a.N);
  requireDistinct(label, { out: a.out, w: a.w, sq: a.sq, mask: a.mask });
  const params = await createUniformBuffer(gpu, `${label} params`, packUniform([
    { u32: a.N }, { u32: a.K }, { u32: a.sq ? 1 : 0 }, { u32: words }, { u32: a.mask ? 1 : 0 },
  ]));
  // Absent sq / mask: the (read-only) weight fills the binding; the shader never reads it.
  return prepareCall(gpu, label, countCode, [a.w, a.sq ?? a.w, a.mask ?? a.w, a.out, params, a.threshold], grid1d(gpu, a.N, 1));
}

/** CPU reference: each row's sum, in float64, of the f32 scores. */
export function scoreRowSumsReference(w: Float32Array, sq: Float32Array | undefined, N: number, K: number): Float64Array {
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) for (let j = 0; j < K; j++) out[i] += pruneScoreF32(w[i * K + j], sq?.[j]);
  return out;
}

/** CPU reference: [N, 2] outlier counts (score > fround(t)), all and kept. */
export function outlierCountReference(w: Float32Array, sq: Float32Array | undefined, mask: Uint32Array | undefined,
  N: number, K: number, t: number): Uint32Array {
  const words = Math.ceil(K / 32);
  const out = new Uint32Array(2 * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < K; j++) {
      if (!(pruneScoreF32(w[i * K + j], sq?.[j]) > Math.fround(t))) continue;
      out[2 * i]++;
      if (!mask || (mask[i * words + (j >> 5)] >>> (j & 31)) & 1) out[2 * i + 1]++;
    }
  }
  return out;
}
