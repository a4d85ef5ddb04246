// A forward pass for a fixed number of tokens T, prepared once (buffers, bind groups, uniforms) and replayed:
// per call only the token ids (and the KV-cache position) are written. The KV cache is shared between plans,
// so a prefill plan (T = prompt) and a decode plan (T = 1) can run against the same cache.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import type { KernelCall } from '../kernels/kernel-call.ts';
import { prepareEmbedding } from '../kernels/embedding.ts';
import { prepareRmsNorm } from '../kernels/rms-norm.ts';
import { prepareMatmul, type MatmulVariant } from '../kernels/matmul.ts';
import { createRopeTable, prepareRope } from '../kernels/rope.ts';
import { prepareKvAppend } from '../kernels/kv-append.ts';
import { prepareAttention } from '../kernels/attention.ts';
import { prepareSiluMul } from '../kernels/silu-mul.ts';
import { prepareResidualAdd } from '../kernels/residual-add.ts';
import { prepareNll, type LogitSlice } from '../kernels/nll.ts';
import { AdapterLimitExceeded } from '../errors.ts';
import { readF32 } from '../gpu/buffers.ts';
import type { ModelSpec } from '../model/spec.ts';
import { tensorNames } from '../model/spec.ts';
import type { GpuWeights } from './gpu-weights.ts';

/** Per-layer keys and values for `rows` positions, and the RoPE cos/sin table for those positions.
 *  k[l], v[l]: [rows, nKv*hd]; rope: [rows, hd/2, 2] */
export interface KvCache { rows: number; k: GPUBuffer[]; v: GPUBuffer[]; rope: GPUBuffer; destroy(): void }

export async function createKvCache(gpu: Gpu, spec: ModelSpec, rows: number): Promise<KvCache> {
  const width = spec.numKvHeads * spec.headDim;
  const k: GPUBuffer[] = [], v: GPUBuffer[] = [];
  for (let l = 0; l < spec.numLayers; l++) {
    k.push(await createStorageBuffer(gpu, `kcache.${l}`, rows * width * 4));
    v.push(await createStorageBuffer(gpu, `vcache.${l}`, rows * width * 4));
  }
  const rope = await createRopeTable(gpu, spec.headDim, spec.ropeTheta, rows);
  return { rows, k, v, rope, destroy: () => [...k, ...v, rope].forEach((b) => b.destroy()) };
}

export interface ForwardPlan {
  T: number;
  tokens: GPUBuffer;    // [T] u32
  targets: GPUBuffer;   // [T] u32 (next-token ids, for the NLL)
  position: GPUBuffer;  // uniform { pos0: u32 }
  logits: LogitSlice[]; // consecutive vocabulary slices, each [T, cols] (one [T, V] buffer may exceed a binding)
  nll: GPUBuffer;       // [T] f32
  /** Embedding .. logits. */
  forward: KernelCall[];
  /** Per-row NLL from logits and targets. */
  loss: KernelCall[];
  destroy(): void;
}

/** Vocabulary columns per logits slice so that a [T, cols] slice stays below one binding; a multiple of
 * minStorageBufferOffsetAlignment / 4 rows so the lm_head rows it reads can be bound as a byte range. */
export function logitSliceRows(gpu: Gpu, T: number, V: number): number {
  const rowMultiple = gpu.limits.minStorageBufferOffsetAlignment / 4;
  const fit = Math.floor((gpu.adapter.maxBindingBytes - 4) / (T * 4));
  if (fit >= V) return V;
  if (fit < rowMultiple) {
    throw new AdapterLimitExceeded(`logits for ${T} tokens x ${rowMultiple} vocabulary rows`, T * rowMultiple * 4,
      gpu.adapter.maxBindingBytes, 'maxStorageBufferBindingSize');
  }
  return fit - (fit % rowMultiple);
}

/** Rows row0 .. row0+rows-1 of the logits, gathered from the slices.  Returns [rows, V] */
export async function readLogitRows(gpu: Gpu, plan: ForwardPlan, V: number, row0: number, rows: number): Promise<Float32Array> {
  const out = new Float32Array(rows * V);
  for (const s of plan.logits) {
    const part = await readF32(gpu, s.buffer, rows * s.cols, row0 * s.cols); // [rows, cols]
    for (let r = 0; r < rows; r++) out.set(part.subarray(r * s.cols, (r + 1) * s.cols), r * V + s.colStart);
  }
  return out;
}

export async function createForwardPlan(gpu: Gpu, spec: ModelSpec, weights: GpuWeights, cache: KvCache,
  T: number, variant: MatmulVariant): Promise<ForwardPlan> {
  const { hiddenSize: d, intermediateSize: f, numHeads: nH, numKvHeads: nKv, headDim: hd, vocabSize: V } = spec;
  const owned: GPUBuffer[] = [];
  const buf = async (label: string, elems: number) => {
    const b = await createStorageBuffer(gpu, label, elems * 4);
    owned.push(b);
    return b;
  };
  const tokens = await buf('tokens', T);        // [T] u32
  const targets = await buf('targets', T);      // [T] u32
  const x = await buf('x', T * d);              // [T, d] residual stream
  const xn = await buf('xn', T * d);            // [T, d] normed
  const q = await buf('q', T * nH * hd);        // [T, nH, hd]
  const k = await buf('k', T * nKv * hd);       // [T, nKv, hd]
  const v = await buf('v', T * nKv * hd);       // [T, nKv, hd]
  const att = await buf('att', T * nH * hd);    // [T, nH*hd]
  const proj = await buf('proj', T * d);        // [T, d] o_proj / down_proj output
  const gate = await buf('gate', T * f);        // [T, f]
  const up = await buf('up', T * f);            // [T, f]
  const act = await buf('act', T * f);          // [T, f] silu(gate) * up
  const nll = await buf('nll', T);              // [T]
  const position = await createUniformBuffer(gpu, 'position', packUniform([{ u32: 0 }]));

  const w = (name: string) => weights.tensors.get(name)!;
  const mm = (xb: GPUBuffer, name: string, y: GPUBuffer, N: number, K: number, bias?: string) =>
    prepareMatmul(gpu, { x: xb, w: w(name), bias: bias ? w(bias) : undefined, y, M: T, N, K, variant });

  const forward: KernelCall[] = [];
  for (const c of weights.embed.chunks) {
    forward.push(await prepareEmbedding(gpu, { table: c.buffer, rowStart: c.rowStart, rowCount: c.rowCount, dim: d, tokens, out: x, T }));
  }
  for (let l = 0; l < spec.numLayers; l++) {
    const n = tensorNames.layer(l);
    const bias = spec.attentionBias;
    forward.push(
      await prepareRmsNorm(gpu, { x, weight: w(n.attnNorm), out: xn, T, dim: d, eps: spec.rmsNormEps }),
      await mm(xn, n.q, q, nH * hd, d, bias ? n.qBias : undefined),
      await mm(xn, n.k, k, nKv * hd, d, bias ? n.kBias : undefined),
      await mm(xn, n.v, v, nKv * hd, d, bias ? n.vBias : undefined),
      await prepareRope(gpu, { x: q, table: cache.rope, tableRows: cache.rows, T, nHeads: nH, headDim: hd, position }),
      await prepareRope(gpu, { x: k, table: cache.rope, tableRows: cache.rows, T, nHeads: nKv, headDim: hd, position }),
      await prepareKvAppend(gpu, { src: k, cache: cache.k[l], T, width: nKv * hd, position }),
      await prepareKvAppend(gpu, { src: v, cache: cache.v[l], T, width: nKv * hd, position }),
      await prepareAttention(gpu, { q, kCache: cache.k[l], vCache: cache.v[l], out: att, T, nHeads: nH, nKvHeads: nKv, headDim: hd, position }),
      await mm(att, n.o, proj, d, nH * hd),
      await prepareResidualAdd(gpu, x, proj, T * d),
      await prepareRmsNorm(gpu, { x, weight: w(n.mlpNorm), out: xn, T, dim: d, eps: spec.rmsNormEps }),
      await mm(xn, n.gate, gate, f, d),
      await mm(xn, n.up, up, f, d),
      await prepareSiluMul(gpu, { gate, up, out: act, n: T * f }),
      await mm(act, n.down, proj, d, f),
      await prepareResidualAdd(gpu, x, proj, T * d),
    );
  }
  forward.push(await prepareRmsNorm(gpu, { x, weight: w(tensorNames.finalNorm), out: xn, T, dim: d, eps: spec.rmsNormEps }));
  const logits: LogitSlice[] = [];
  const sliceRows = logitSliceRows(gpu, T, V);
  for (const c of weights.lmHead.chunks) {
    for (let r = 0; r < c.rowCount; r += sliceRows) {
      const cols = Math.min(sliceRows, c.rowCount - r);
      const slice = { buffer: await buf(`logits[:, ${c.rowStart + r}:${c.rowStart + r + cols}]`, T * cols), colStart: c.rowStart + r, cols };
      const wRows = cols === c.rowCount ? c.buffer : { buffer: c.buffer, offset: r * d * 4, size: cols * d * 4 };
      forward.push(await prepareMatmul(gpu, { x: xn, w: wRows, y: slice.buffer, M: T, N: cols, K: d, variant }));
      logits.push(slice);
    }
  }
  const nllCalls = await prepareNll(gpu, { slices: logits, targets, out: nll, T });
  owned.push(nllCalls.state);
  const loss = nllCalls.calls;
  return {
    T, tokens, targets, position, logits, nll, forward, loss,
    destroy: () => { owned.forEach((b) => b.destroy()); position.destroy(); },
  };
}
