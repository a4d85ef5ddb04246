// Hosts for shaders/score-row-sums.wgsl and shaders/outlier-count.wgsl: OWL / MRP outlier statistics on the GPU.
// Scores as in prune-score.ts (with `denom`, SparseGPT's (w / U_jj)^2); the caller turns the row sums into a threshold (M x the layer's mean score) and
// writes it into its own uniform, so re-counting after a re-prune rewrites 4 bytes and reuses both calls.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import sumsKernel from '../../../shaders/score-row-sums.wgsl?raw';
import countKernel from '../../../shaders/outlier-count.wgsl?raw';
import scoreLib from '../../../shaders/lib/weight-score.wgsl?raw';
import reduceLib from '../../../shaders/lib/workgroup-reduce.wgsl?raw';
import { withLibs } from './shader-source.ts';
import { prepareCall, type Binding, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { KernelShapeError, requireDistinct, requireElems, requireInt } from './guards.ts';
import { requireCallerUniform } from './caller-uniform.ts';
import { pruneScoreF32, sparseGptScoreF32 } from './prune-score.ts';
import { requireWeightElems, weightCodeCache, weightDtypeOf, weightLabel, weightResource, type WeightInput } from './weight-binding.ts';

// Both kernels score weights alike (shaders/lib/weight-score.wgsl); the row sums reduce with the shared tree.
// The weight is read in its stored dtype (weight-load lib per dtype).
const sumsCode = weightCodeCache((lib) => withLibs(sumsKernel, scoreLib, reduceLib, lib));
const countCode = weightCodeCache((lib) => withLibs(countKernel, scoreLib, lib));

interface ScoreArgs {
  w: WeightInput;    // [N, K] in its stored dtype
  sq?: GPUBuffer;    // [K] f32 sums of squared inputs (Wanda); absent (and no denom) = magnitude
  denom?: GPUBuffer; // [K] f32 U_jj, the diagonal of the Cholesky factor of H^-1 (SparseGPT: score (w / U_jj)^2)
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
  requireWeightElems(label, 'w [N, K]', a.w, a.N * a.K);
  if (a.sq) requireElems(label, 'sq [K]', a.sq, a.K);
  if (a.denom) requireElems(label, 'denom [K]', a.denom, a.K);
  if (a.sq && a.denom) throw new KernelShapeError(label, 'pass sq (Wanda) or denom (SparseGPT), not both');
}

/** Shader mode and the [K] column buffer it reads (the weight fills the binding in magnitude mode; never read). */
function columns(a: ScoreArgs): { mode: number; col: Binding } {
  return a.sq ? { mode: 1, col: a.sq } : a.denom ? { mode: 2, col: a.denom } : { mode: 0, col: weightResource(a.w) };
}

/** The f32 score of one weight in the kernels' mode: magnitude (no column value), Wanda (sq) or SparseGPT (U_jj). */
export function scoreF32(w: number, col: number | undefined, sparseGpt = false): number {
  return sparseGpt ? sparseGptScoreF32(w, col!) : pruneScoreF32(w, col);
}

/** out[i] = sum_j score[i, j], one workgroup per row. */
export async function prepareScoreRowSums(gpu: Gpu, a: ScoreRowSumsArgs): Promise<KernelCall> {
  const label = 'score-row-sums';
  checkScores(label, a);
  requireElems(label, 'out [N]', a.out, a.N);
  const w = weightResource(a.w), dtype = weightDtypeOf(a.w);
  requireDistinct(label, { out: a.out, w, sq: a.sq, denom: a.denom });
  const { mode, col } = columns(a);
  const params = await createUniformBuffer(gpu, `${label} params`, packUniform([{ u32: a.N }, { u32: a.K }, { u32: mode }]));
  return prepareCall(gpu, weightLabel(label, dtype), sumsCode(dtype), [w, col, a.out, params], grid1d(gpu, a.N, 1));
}

/** out[2i] = #{j : score[i, j] > t}, out[2i+1] = the same among weights kept by the mask; one workgroup per row. */
export async function prepareOutlierCount(gpu: Gpu, a: OutlierCountArgs): Promise<KernelCall> {
  const label = 'outlier-count';
  checkScores(label, a);
  const words = Math.ceil(a.K / 32);
  if (a.mask) requireElems(label, 'mask [N, words]', a.mask, a.N * words);
  requireCallerUniform(label, 'threshold', a.threshold, '{ t: f32 }');
  requireElems(label, 'out [N, 2]', a.out, 2 * a.N);
  const w = weightResource(a.w), dtype = weightDtypeOf(a.w);
  requireDistinct(label, { out: a.out, w, sq: a.sq, denom: a.denom, mask: a.mask });
  const { mode, col } = columns(a);
  const params = await createUniformBuffer(gpu, `${label} params`, packUniform([
    { u32: a.N }, { u32: a.K }, { u32: mode }, { u32: words }, { u32: a.mask ? 1 : 0 },
  ]));
  // Absent mask: the (read-only) weight fills the binding; the shader never reads it.
  return prepareCall(gpu, weightLabel(label, dtype), countCode(dtype), [w, col, a.mask ?? w, a.out, params, a.threshold], grid1d(gpu, a.N, 1));
}

/** CPU reference: each row's sum, in float64, of the f32 scores (`sparseGpt`: `sq` holds U_jj). */
export function scoreRowSumsReference(w: Float32Array, sq: Float32Array | undefined, N: number, K: number,
  sparseGpt = false): Float64Array {
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) for (let j = 0; j < K; j++) out[i] += scoreF32(w[i * K + j], sq?.[j], sparseGpt);
  return out;
}

/** CPU reference: [N, 2] outlier counts (score > fround(t)), all and kept (`sparseGpt`: `sq` holds U_jj). */
export function outlierCountReference(w: Float32Array, sq: Float32Array | undefined, mask: Uint32Array | undefined,
  N: number, K: number, t: number, sparseGpt = false): Uint32Array {
  const words = Math.ceil(K / 32);
  const out = new Uint32Array(2 * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < K; j++) {
      if (!(scoreF32(w[i * K + j], sq?.[j], sparseGpt) > Math.fround(t))) continue;
      out[2 * i]++;
      if (!mask || (mask[i * words + (j >> 5)] >>> (j & 31)) & 1) out[2 * i + 1]++;
    }
  }
  return out;
}
