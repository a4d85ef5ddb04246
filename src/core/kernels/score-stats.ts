// Hosts for shaders/score-row-sums.wgsl and shaders/outlier-count.wgsl: OWL / MRP outlier statistics on the GPU.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import sumsCode from '../../../shaders/score-row-sums.wgsl?raw';
import countCode from '../../../shaders/outlier-count.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { requireDistinct, requireElems, requireInt } from './guards.ts';
import { pruneScoreF32 } from './prune-mask.ts';

interface ScoreArgs { w: GPUBuffer; sq?: GPUBuffer; N: number; K: number }   // w: [N, K], sq: [K]

function checkScores(label: string, a: ScoreArgs): void {
  requireInt(label, 'N', a.N);
  requireInt(label, 'K', a.K);
  requireElems(label, 'w [N, K]', a.w, a.N * a.K);
  if (a.sq) requireElems(label, 'sq [K]', a.sq, a.K);
}

/** out: [N] f32, the sum of each row's scores. */
export async function prepareScoreRowSums(gpu: Gpu, a: ScoreArgs & { out: GPUBuffer }): Promise<KernelCall> {
  const label = 'score-row-sums';
  checkScores(label, a);
  requireElems(label, 'out [N]', a.out, a.N);
  requireDistinct(label, { out: a.out, w: a.w, sq: a.sq });
  const params = await createUniformBuffer(gpu, `${label} params`, packUniform([{ u32: a.N }, { u32: a.K }, { u32: a.sq ? 1 : 0 }]));
  return prepareCall(gpu, label, sumsCode, [a.w, a.sq ?? a.w, a.out, params], grid1d(gpu, a.N, 1));
}

/** out: [N, 2] u32, outliers (score > threshold.t) per row, and those still kept by `mask`. */
export async function prepareOutlierCount(gpu: Gpu, a: ScoreArgs & { mask?: GPUBuffer; threshold: GPUBuffer; out: GPUBuffer }): Promise<KernelCall> {
  const label = 'outlier-count';
  checkScores(label, a);
  const words = Math.ceil(a.K / 32);
  if (a.mask) requireElems(label, 'mask [N, words]', a.mask, a.N * words);
  requireElems(label, 'out [N, 2]', a.out, 2 * a.N);
  requireDistinct(label, { out: a.out, w: a.w, sq: a.sq, mask: a.mask });
  const params = await createUniformBuffer(gpu, `${label} params`, packUniform([
    { u32: a.N }, { u32: a.K }, { u32: a.sq ? 1 : 0 }, { u32: words }, { u32: a.mask ? 1 : 0 },
  ]));
  return prepareCall(gpu, label, countCode, [a.w, a.sq ?? a.w, a.mask ?? a.w, a.out, params, a.threshold], grid1d(gpu, a.N, 1));
}

/** CPU references: row sums in float64 of the f32 scores, and the two outlier counts per row. */
export function scoreRowSumsReference(w: Float32Array, sq: Float32Array | undefined, N: number, K: number): Float64Array {
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) for (let j = 0; j < K; j++) out[i] += pruneScoreF32(w[i * K + j], sq?.[j]);
  return out;
}

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
