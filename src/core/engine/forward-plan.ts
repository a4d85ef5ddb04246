// A forward pass for a fixed number of tokens T, prepared once (buffers, bind groups, uniforms) and replayed:
// per call only the token ids (and the KV-cache position) are written. The KV cache is shared between plans,
// so a prefill plan (T = prompt) and a decode plan (T = 1) can run against the same cache.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import type { KernelCall } from '../kernels/kernel-call.ts';
import { prepareEmbedding } from '../kernels/embedding.ts';
import { prepareRmsNorm } from '../kernels/rms-norm.ts';
import { prepareMatmul, type MatmulVariant } from '../kernels/matmul.ts';
import { prepareRope } from '../kernels/rope.ts';
import { prepareKvAppend } from '../kernels/kv-append.ts';
import { prepareAttention } from '../kernels/attention.ts';
import { prepareSiluMul } from '../kernels/silu-mul.ts';
import { prepareResidualAdd } from '../kernels/residual-add.ts';
import { prepareNll } from '../kernels/nll.ts';
import type { ModelSpec } from '../model/spec.ts';
import { tensorNames } from '../model/spec.ts';
import type { GpuWeights } from './gpu-weights.ts';

/** Per-layer keys and values for `rows` positions.  k[l], v[l]: [rows, nKv*hd] */
export interface KvCache { rows: number; k: GPUBuffer[]; v: GPUBuffer[]; destroy(): void }

export async function createKvCache(gpu: Gpu, spec: ModelSpec, rows: number): Promise<KvCache> {
  const width = spec.numKvHeads * spec.headDim;
  const k: GPUBuffer[] = [], v: GPUBuffer[] = [];
  for (let l = 0; l < spec.numLayers; l++) {
    k.push(await createStorageBuffer(gpu, `kcache.${l}`, rows * width * 4));
    v.push(await createStorageBuffer(gpu, `vcache.${l}`, rows * width * 4));
  }
  return { rows, k, v, destroy: () => [...k, ...v].forEach((b) => b.destroy()) };
}

export interface ForwardPlan {
  T: number;
  tokens: GPUBuffer;    // [T] u32
  targets: GPUBuffer;   // [T] u32 (next-token ids, for the NLL)
  position: GPUBuffer;  // uniform { pos0: u32 }
  logits: GPUBuffer;    // [T, V]
  nll: GPUBuffer;       // [T] f32
  /** Embedding .. logits. */
  forward: KernelCall[];
  /** Per-row NLL from logits and targets. */
  loss: KernelCall[];
  destroy(): void;
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
  const logits = await buf('logits', T * V);    // [T, V]
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
      await prepareRope(gpu, { x: q, T, nHeads: nH, headDim: hd, theta: spec.ropeTheta, position }),
      await prepareRope(gpu, { x: k, T, nHeads: nKv, headDim: hd, theta: spec.ropeTheta, position }),
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
  for (const c of weights.lmHead.chunks) {
    // Each vocabulary chunk writes its column slice of the logits rows.
    forward.push(await prepareMatmul(gpu, { x: xn, w: c.buffer, y: logits, M: T, N: c.rowCount, K: d, ldy: V, yColOffset: c.rowStart, variant }));
  }
  const loss = [await prepareNll(gpu, { logits, targets, out: nll, T, V })];
  return {
    T, tokens, targets, position, logits, nll, forward, loss,
    destroy: () => { owned.forEach((b) => b.destroy()); position.destroy(); },
  };
}
