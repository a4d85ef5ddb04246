// Host for shaders/attention.wgsl: causal grouped-query attention of T new rows against the KV cache.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import workgroupKernel from '../../../shaders/attention.wgsl?raw';
import serialKernel from '../../../shaders/attention-serial.wgsl?raw';
import serialVec4Kernel from '../../../shaders/attention-serial-vec4.wgsl?raw';
import bindingsLib from '../../../shaders/lib/attention-bindings.wgsl?raw';
import uniformsLib from '../../../shaders/lib/attention-uniforms.wgsl?raw';
import keysLib from '../../../shaders/lib/attention-keys.wgsl?raw';
import reduceLib from '../../../shaders/lib/workgroup-reduce.wgsl?raw';
import { repeatLines, withLibs } from './shader-source.ts';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { KernelShapeError, requireDistinct, requireElems, requireInt, requirePosition } from './guards.ts';

// The kernels share their bindings and which keys a row sees (shaders/lib); the workgroup one reduces with the
// shared tree; the vec4 serial one declares its q / k / v / out as vec4 arrays.
const code = withLibs(workgroupKernel, bindingsLib, uniformsLib, keysLib, reduceLib);
const serialCode = withLibs(serialKernel, bindingsLib, uniformsLib, keysLib);
const serialVec4Codes = new Map<number, string>();
/** attention-serial-vec4.wgsl unrolled for headDim = 4 x HD4 (its "//unroll" lines, once per vec4 of the head);
 * built once per head size (every plan's layers ask for it). */
function serialVec4Code(HD4: number): string {
  let code = serialVec4Codes.get(HD4);
  if (code === undefined) {
    const kernel = repeatLines(serialVec4Kernel, 'unroll', HD4, (line, i) => line.replaceAll('$i', String(i)))
      .replaceAll('$HD4', String(HD4));
    serialVec4Codes.set(HD4, (code = withLibs(kernel, uniformsLib, keysLib)));
  }
  return code;
}

/** The shader keeps a query and 4 output dimensions per lane (64 lanes) in fixed-size arrays (MAX_HEAD_DIM in
 * shaders/lib/attention-uniforms.wgsl). */
export const MAX_ATTENTION_HEAD_DIM = 256;

/** 'workgroup': 64 lanes per (row, head) with chunked online softmax (GPUs); 'serial': one lane per (row, head),
 * no barriers (CPU-backed adapters such as SwiftShader, where it measured ~40x faster on stories260K), in vec4s
 * with 4 keys per softmax rescale when headDim is a multiple of 4. */
export const ATTENTION_VARIANTS = ['workgroup', 'serial'] as const;
export type AttentionVariant = (typeof ATTENTION_VARIANTS)[number];

export function preferredAttention(gpu: Gpu): AttentionVariant {
  return gpu.adapter.isFallback ? 'serial' : 'workgroup';
}

export interface AttentionArgs {
  q: GPUBuffer;         // [T, nHeads, headDim], already rotated
  kCache: GPUBuffer;    // [rows, nKvHeads, headDim], rows 0 .. pos0+T-1 filled
  vCache: GPUBuffer;    // [rows, nKvHeads, headDim]
  out: GPUBuffer;       // [T, nHeads, headDim]
  T: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  position: GPUBuffer;  // uniform { pos0: u32, seq: u32 } (seq > 0: batched windows of seq rows, pos0 = 0)
  variant?: AttentionVariant;  // default preferredAttention(gpu)
  /** [nHeads] u32: the kv head each query head reads. Default h / (nHeads / nKvHeads); structured pruning keeps
   * an arbitrary subset of query heads, so their groups no longer follow from the index. */
  kvHeadOf?: GPUBuffer;
  /** Sliding-window layer: a query sees only its last `window` keys, itself included. Absent = whole context. */
  window?: number;
  /** Scores are q.k times this; default 1 / sqrt(headDim) (Gemma: query_pre_attn_scalar ** -0.5). */
  scale?: number;
}

/** The dense grouping: query head h reads kv head floor(h / (nHeads / nKvHeads)). */
export function defaultKvHeadOf(nHeads: number, nKvHeads: number): Uint32Array {
  return Uint32Array.from({ length: nHeads }, (_, h) => Math.floor(h / (nHeads / nKvHeads)));
}

export async function prepareAttention(gpu: Gpu, a: AttentionArgs): Promise<KernelCall> {
  const k = 'attention';
  requireInt(k, 'T', a.T);
  requireInt(k, 'nHeads', a.nHeads);
  requireInt(k, 'nKvHeads', a.nKvHeads);
  requireInt(k, 'headDim', a.headDim);
  if (!a.kvHeadOf && a.nHeads % a.nKvHeads) throw new KernelShapeError(k, `nHeads (${a.nHeads}) must be a multiple of nKvHeads (${a.nKvHeads})`);
  if (a.headDim > MAX_ATTENTION_HEAD_DIM) throw new KernelShapeError(k, `headDim ${a.headDim} exceeds the supported ${MAX_ATTENTION_HEAD_DIM}`);
  requireElems(k, 'q [T, nHeads, headDim]', a.q, a.T * a.nHeads * a.headDim);
  requireElems(k, 'kCache [rows, nKvHeads, headDim]', a.kCache, a.T * a.nKvHeads * a.headDim);
  requireElems(k, 'vCache [rows, nKvHeads, headDim]', a.vCache, a.T * a.nKvHeads * a.headDim);
  requireElems(k, 'out [T, nHeads, headDim]', a.out, a.T * a.nHeads * a.headDim);
  requireDistinct(k, { out: a.out, q: a.q, kCache: a.kCache, vCache: a.vCache });
  requirePosition(k, a.position);
  if (a.window !== undefined) requireInt(k, 'window', a.window);
  // Entries are not range-checked on the GPU (robust access clamps a bad index); callers build them from kept heads.
  if (a.kvHeadOf) requireElems(k, 'kvHeadOf [nHeads] u32', a.kvHeadOf, a.nHeads);
  const kvHeadOf = a.kvHeadOf ?? await createStorageBuffer(gpu, 'attention kvHeadOf', a.nHeads * 4, defaultKvHeadOf(a.nHeads, a.nKvHeads));
  const params = await createUniformBuffer(gpu, 'attention params', packUniform([
    { u32: a.T }, { u32: a.nHeads }, { u32: a.nKvHeads }, { u32: a.headDim }, { f32: a.scale ?? 1 / Math.sqrt(a.headDim) }, { u32: a.window ?? 0 },
  ]));
  const bindings = [a.q, a.kCache, a.vCache, a.out, params, a.position, kvHeadOf];
  if ((a.variant ?? preferredAttention(gpu)) === 'serial') {
    const grid = grid1d(gpu, a.T * a.nHeads, 64);
    return a.headDim % 4
      ? prepareCall(gpu, 'attention-serial', serialCode, bindings, grid)
      : prepareCall(gpu, 'attention-serial-vec4', serialVec4Code(a.headDim / 4), bindings, grid);
  }
  return prepareCall(gpu, k, code, bindings, grid1d(gpu, a.T * a.nHeads, 1));
}

/** CPU reference in float64: row t attends to cache rows 0 .. pos0 + t (the last `window` of them when given) of
 * kv head kvHeadOf[h].  Shapes as in AttentionArgs. */
export function attentionReference(q: Float32Array, kCache: Float32Array, vCache: Float32Array, T: number,
  nHeads: number, nKvHeads: number, headDim: number, pos0: number,
  kvHeadOf: ArrayLike<number> = defaultKvHeadOf(nHeads, nKvHeads), window?: number, scale = 1 / Math.sqrt(headDim)): Float64Array {
  const out = new Float64Array(T * nHeads * headDim);
  const kvStride = nKvHeads * headDim;
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < nHeads; h++) {
      const kvOff = kvHeadOf[h] * headDim;
      const qOff = (t * nHeads + h) * headDim;
      const n = pos0 + t + 1;
      const first = window === undefined ? 0 : Math.max(0, n - window);
      const scores = new Float64Array(n).fill(-Infinity);
      for (let j = first; j < n; j++) {
        let s = 0;
        for (let d = 0; d < headDim; d++) s += q[qOff + d] * kCache[j * kvStride + kvOff + d];
        scores[j] = s * scale;
      }
      const m = Math.max(...scores);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += (scores[j] = Math.exp(scores[j] - m));
      for (let j = 0; j < n; j++) {
        for (let d = 0; d < headDim; d++) out[qOff + d] += (scores[j] / sum) * vCache[j * kvStride + kvOff + d];
      }
    }
  }
  return out;
}
