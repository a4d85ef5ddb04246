// Host for shaders/embedding.wgsl: gathers the embedding rows of one vocabulary chunk.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import kernel from '../../../shaders/embedding.wgsl?raw';
import { withLibs } from './shader-source.ts';
import { requireWeightElems, weightCodeCache, weightDtypeOf, weightLabel, weightResource, type WeightInput } from './weight-binding.ts';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { requireDistinct, requireElems, requireInt } from './guards.ts';

export interface EmbeddingArgs {
  table: WeightInput; // [rowCount, dim]  rows rowStart .. rowStart+rowCount-1 of the vocabulary, its stored dtype
  rowStart: number;
  rowCount: number;
  dim: number;
  tokens: GPUBuffer;  // [T] u32
  out: GPUBuffer;     // [T, dim]  rows of tokens outside this chunk are left as they are
  T: number;
  /** Multiplies every gathered row (Gemma's embedding scale); default 1. */
  scale?: number;
}

const code = weightCodeCache((lib) => withLibs(kernel, lib));

export async function prepareEmbedding(gpu: Gpu, a: EmbeddingArgs): Promise<KernelCall> {
  const k = 'embedding';
  requireInt(k, 'T', a.T);
  requireInt(k, 'dim', a.dim);
  requireInt(k, 'rowCount', a.rowCount);
  requireInt(k, 'rowStart', a.rowStart, 0);
  requireWeightElems(k, 'table [rowCount, dim]', a.table, a.rowCount * a.dim);
  requireElems(k, 'tokens [T]', a.tokens, a.T);
  requireElems(k, 'out [T, dim]', a.out, a.T * a.dim);
  const table = weightResource(a.table), dtype = weightDtypeOf(a.table);
  requireDistinct(k, { out: a.out, table });
  requireDistinct(k, { out: a.out, tokens: a.tokens });
  const params = await createUniformBuffer(gpu, 'embedding params', packUniform([
    { u32: a.T }, { u32: a.dim }, { u32: a.rowStart }, { u32: a.rowCount }, { f32: a.scale ?? 1 },
  ]));
  return prepareCall(gpu, weightLabel(k, dtype), code(dtype), [table, a.tokens, a.out, params], grid1d(gpu, a.T * a.dim, 256));
}

/** CPU reference: `out` ([T, dim]) with the rows of tokens in [rowStart, rowStart + rowCount) replaced. */
export function embeddingReference(table: Float32Array, rowStart: number, rowCount: number, dim: number,
  tokens: Uint32Array, out: Float32Array, scale = 1): Float32Array {
  const y = out.slice();
  tokens.forEach((tok, t) => {
    if (tok < rowStart || tok >= rowStart + rowCount) return;
    y.set(table.subarray((tok - rowStart) * dim, (tok - rowStart + 1) * dim).map((v) => v * scale), t * dim);
  });
  return y;
}
