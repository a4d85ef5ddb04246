// A forward pass for a fixed number of tokens T, prepared once (buffers, bind groups, uniforms) and replayed:
// per call only the token ids (and the KV-cache position) are written. The KV cache is shared between plans,
// so a prefill plan (T = prompt) and a decode plan (T = 1) can run against the same cache.
// The calls are kept per segment (embedding, each layer, head) so pruning can run one layer at a time, and a
// plan may read pruning masks (bitsets, rewritten in place) and capture calibration statistics, or run
// structurally pruned layers (fewer heads, narrower MLP) from compacted weights, which really computes less, or
// read some maps from override buffers (SparseGPT's updated weights) instead of the dense ones.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import type { KernelCall } from '../kernels/kernel-call.ts';
import { sliceRowMultiple, weightBytes, type WeightInput } from '../kernels/weight-binding.ts';
import { prepareEmbedding } from '../kernels/embedding.ts';
import { prepareRmsNorm } from '../kernels/rms-norm.ts';
import { prepareLayerNorm } from '../kernels/layer-norm.ts';
import { preparePositionAdd } from '../kernels/position-add.ts';
import { prepareMatmul, type MatmulVariant } from '../kernels/matmul.ts';
import { prepareRope } from '../kernels/rope.ts';
import { prepareKvAppend } from '../kernels/kv-append.ts';
import { prepareAttention } from '../kernels/attention.ts';
import { prepareActivation, prepareGatedActivation } from '../kernels/gated-activation.ts';
import { prepareSoftcap } from '../kernels/softcap.ts';
import { prepareResidualAdd } from '../kernels/residual-add.ts';
import { prepareColumnStats } from '../kernels/column-stats.ts';
import { prepareHessianAccumulate } from '../kernels/hessian.ts';
import { prepareNll, type LogitSlice } from '../kernels/nll.ts';
import type { ModelSpec } from '../model/spec.ts';
import { layerAttentionWindow, tensorNames } from '../model/spec.ts';
import type { LinearInput } from './reference-forward.ts';
import { f32Tensor, type GpuWeights } from './gpu-weights.ts';
import type { KvCache } from './kv-cache.ts';
import type { CompactLayer } from './compact-layer.ts';
import { logitSliceRows } from './logit-slices.ts';

/** Per layer, the statistics buffers ([2, K]: sums of squares, sums) of the four linear-map inputs. */
export type LayerStatsBuffers = Record<LinearInput, GPUBuffer>;

export interface PlanOptions {
  /** Pruning mask (bitset [N, ceil(K/32)] u32) of a linear map by canonical tensor name, if it has one. */
  masks?: ReadonlyMap<string, GPUBuffer>;
  /** Calibration statistics per layer; LayerCalls.capture then accumulates into them. */
  stats?: LayerStatsBuffers[];
  /** Structurally pruned layers (by layer index; a missing entry runs dense). Not combined with stats. */
  compact?: ReadonlyArray<CompactLayer | undefined>;
  /** Weights read instead of the dense tensor of that canonical name (SparseGPT's updated maps; same shape). */
  overrides?: ReadonlyMap<string, GPUBuffer>;
  /** Bias vectors by canonical bias name, read instead of the model's own, or added where the model has none
   * (FLAP's compensated o_proj / down_proj biases [d] while calibration streams through pruned layers). */
  biases?: ReadonlyMap<string, GPUBuffer>;
  /** With stats: capture also accumulates X^T X ([K, K]) of each input into these (one set for whichever layer
   * is captured; SparseGPT's Hessians). */
  hessians?: Record<LinearInput, GPUBuffer>;
  /** With stats: T holds T / windowRows batched windows (the position uniform's seq); each window's statistics are
   * summed, then added, leaving the bits of one window at a time. Default T. */
  windowRows?: number;
  /** false: no final norm, lm_head, logits or NLL (calibration streams the layers only); head, logits and loss
   * are then empty. Default true. */
  head?: boolean;
}

export interface LayerCalls {
  calls: KernelCall[];
  /** The calls up to down_proj's input with the statistics accumulation interleaved (empty without
   * PlanOptions.stats); what pruning runs before it masks the layer and advances the stream through `calls`. */
  capture: KernelCall[];
  /** capture, then down_proj and its residual add: the whole layer with its statistics in one run, for when the
   * masks do not change between measuring and advancing (dense statistics). Empty without PlanOptions.stats. */
  captureThrough: KernelCall[];
}

export interface ForwardPlan {
  T: number;
  tokens: GPUBuffer;    // [T] u32
  targets: GPUBuffer;   // [T] u32 (next-token ids, for the NLL)
  position: GPUBuffer;  // uniform { pos0: u32 }
  x: GPUBuffer;         // [T, d] residual stream (copied in and out when pruning runs layer by layer)
  logits: LogitSlice[]; // consecutive vocabulary slices, each [T, cols] (one [T, V] buffer may exceed a binding)
  nll: GPUBuffer;       // [T] f32
  embed: KernelCall[];
  layers: LayerCalls[];
  /** Final norm and lm_head. */
  head: KernelCall[];
  /** embed + every layer + head. */
  forward: KernelCall[];
  /** Per-row NLL from logits and targets. */
  loss: KernelCall[];
  destroy(): void;
}

export async function createForwardPlan(gpu: Gpu, spec: ModelSpec, weights: GpuWeights, cache: KvCache,
  T: number, variant: MatmulVariant, opts: PlanOptions = {}): Promise<ForwardPlan> {
  const { hiddenSize: d, intermediateSize: f, numHeads: nH, numKvHeads: nKv, headDim: hd, vocabSize: V } = spec;
  if (opts.compact && opts.stats) throw new Error('forward plan: compacted layers cannot capture statistics');
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
  // q / k before their per-head RMSNorm (Qwen3's q_norm / k_norm), which writes q / k.
  const qPre = spec.qkNorm ? await buf('q before q_norm', T * nH * hd) : q;   // [T, nH, hd]
  const kPre = spec.qkNorm ? await buf('k before k_norm', T * nKv * hd) : k;  // [T, nKv, hd]
  const att = await buf('att', T * nH * hd);    // [T, nH*hd]
  const proj = await buf('proj', T * d);        // [T, d] o_proj / down_proj output
  const gate = spec.plainMlp ? null : await buf('gate', T * f); // [T, f] (a plain MLP has no gate)
  const up = await buf('up', T * f);            // [T, f]
  const act = await buf('act', T * f);          // [T, f] act(gate) * up
  // Gemma's post-attention / post-feedforward norms write the normed o_proj / down_proj output here.
  const projNormed = spec.sandwichNorms ? await buf('proj normed', T * d) : proj; // [T, d]
  const nll = await buf('nll', T);              // [T]
  const position = await createUniformBuffer(gpu, 'position', packUniform([{ u32: 0 }]));

  // Weight matrices in their stored dtype (the kernels widen them); vectors (norms, biases) are f32.
  const w = (name: string) => weights.tensors.get(name)!;
  const vec = (name: string) => f32Tensor(weights, name);
  // Every norm of the model: RMSNorm (Gemma's scale by 1 + w), or LayerNorm with the bias named beside the weight.
  const norm = (xb: GPUBuffer, name: string, out: GPUBuffer, rows: number, dim: number) => spec.layerNorm
    ? prepareLayerNorm(gpu, { x: xb, weight: vec(name), bias: vec(name.replace(/\.weight$/, '.bias')), out, T: rows, dim, eps: spec.rmsNormEps })
    : prepareRmsNorm(gpu, { x: xb, weight: vec(name), out, T: rows, dim, eps: spec.rmsNormEps, weightOffset: spec.normUnitOffset ? 1 : 0 });
  // o_proj / down_proj output into the residual stream, through its own norm first when the model has one.
  const addToResidual = async (outNorm: string): Promise<KernelCall[]> => spec.sandwichNorms
    ? [await norm(proj, outNorm, projNormed, T, d), await prepareResidualAdd(gpu, x, projNormed, T * d)]
    : [await prepareResidualAdd(gpu, x, proj, T * d)];
  // A compacted layer passes its own buffers (no mask: nothing is pruned inside them).
  const mm = (xb: GPUBuffer, name: string, y: GPUBuffer, N: number, K: number, bias?: GPUBuffer, own?: { w: WeightInput; bias?: GPUBuffer }) =>
    prepareMatmul(gpu, { x: xb, w: own?.w ?? opts.overrides?.get(name) ?? w(name), bias: own ? own.bias : bias, y, M: T, N, K, variant,
      mask: own ? undefined : opts.masks?.get(name) });
  // A dense map's bias: the plan's own if given, else the model's when it has one.
  const biasOf = (name: string, modelHasIt: boolean | undefined) => opts.biases?.get(name) ?? (modelHasIt ? vec(name) : undefined);
  const stat = async (l: number, input: LinearInput, xb: GPUBuffer, K: number): Promise<KernelCall[]> =>
    opts.stats ? [await prepareColumnStats(gpu, { x: xb, stats: opts.stats[l][input], T, K, seq: opts.windowRows }),
      ...(opts.hessians ? [await prepareHessianAccumulate(gpu, { x: xb, h: opts.hessians[input], T, K, seq: opts.windowRows })] : [])] : [];

  const embed: KernelCall[] = [];
  for (const c of weights.embed.chunks) {
    embed.push(await prepareEmbedding(gpu, { table: c, rowStart: c.rowStart, rowCount: c.rowCount, dim: d, tokens, out: x, T,
      scale: spec.embedScale }));
  }
  if (spec.learnedPositions) {
    const tableRows = spec.maxPositions + spec.learnedPositions.offset;
    embed.push(await preparePositionAdd(gpu, { x, table: vec(tensorNames.positions), tableRows, dim: d, T, offset: spec.learnedPositions.offset, position }));
  }
  const layers: LayerCalls[] = [];
  for (let l = 0; l < spec.numLayers; l++) {
    const n = tensorNames.layer(l, spec.sandwichNorms);
    const qkvBias = spec.attentionBias, mlpBias = spec.mlpBias;
    const c = opts.compact?.[l];
    const lH = c ? c.nHeads : nH;     // this layer's query heads
    const lKv = c?.kv?.nKvHeads ?? nKv; // this layer's kv heads (fewer when whole kv-groups were removed)
    const lF = c ? c.ffn : f;         // this layer's MLP width
    // Segments between the points where a linear map's input is complete; capture interleaves the statistics and
    // stops at down's input (its output is discarded: advance() recomputes the layer with the pruned weights).
    const rope = cache.rope[l]; // null: a layer without RoPE
    const window = layerAttentionWindow(spec, l) ?? undefined;
    const attention = [
      await mm(xn, n.q, qPre, lH * hd, d, biasOf(n.qBias, qkvBias), c && { w: c.q, bias: c.qBias }),
      await mm(xn, n.k, kPre, lKv * hd, d, biasOf(n.kBias, qkvBias), c?.kv && { w: c.kv.k, bias: c.kv.kBias }),
      await mm(xn, n.v, v, lKv * hd, d, biasOf(n.vBias, qkvBias), c?.kv && { w: c.kv.v, bias: c.kv.vBias }),
      // The norms' weights [hd] are shared by all heads, so pruned heads need nothing of their own.
      ...(spec.qkNorm ? [
        await norm(qPre, n.qNorm, q, T * lH, hd),
        await norm(kPre, n.kNorm, k, T * lKv, hd),
      ] : []),
      ...(rope ? [
        await prepareRope(gpu, { x: q, table: rope.table, tableRows: cache.rows, T, nHeads: lH, headDim: hd, rotaryDim: rope.rope.rotaryDim, position }),
        await prepareRope(gpu, { x: k, table: rope.table, tableRows: cache.rows, T, nHeads: lKv, headDim: hd, rotaryDim: rope.rope.rotaryDim, position }),
      ] : []),
      await prepareKvAppend(gpu, { src: k, cache: cache.k[l], T, width: lKv * hd, position }),
      await prepareKvAppend(gpu, { src: v, cache: cache.v[l], T, width: lKv * hd, position }),
      await prepareAttention(gpu, { q, kCache: cache.k[l], vCache: cache.v[l], out: att, T, nHeads: lH, nKvHeads: lKv, headDim: hd, position,
        kvHeadOf: c?.kvHeadOf, window, scale: spec.attentionScale }),
    ];
    const oProj = [await mm(att, n.o, proj, d, lH * hd, biasOf(n.oBias, spec.oProjBias), c && { w: c.o, bias: c.oBias }),
      ...await addToResidual(n.attnOutNorm),
      await norm(x, n.mlpNorm, xn, T, d)];
    const upProj = await mm(xn, n.up, up, lF, d, biasOf(n.upBias, mlpBias), c && { w: c.up, bias: c.upBias });
    const gateUp = gate
      ? [await mm(xn, n.gate, gate, lF, d, biasOf(n.gateBias, mlpBias), c?.gate && { w: c.gate, bias: c.gateBias }), upProj,
        await prepareGatedActivation(gpu, { gate, up, out: act, n: T * lF, activation: spec.mlpActivation })]
      : [upProj, await prepareActivation(gpu, { x: up, out: act, n: T * lF, activation: spec.mlpActivation ?? 'silu' })];
    const down = [await mm(act, n.down, proj, d, lF, biasOf(n.downBias, mlpBias), c && { w: c.down, bias: c.downBias }),
      ...await addToResidual(n.mlpOutNorm)];
    const attnNorm = await norm(x, n.attnNorm, xn, T, d);
    const capture = opts.stats ? [attnNorm, ...await stat(l, 'attnIn', xn, d), ...attention, ...await stat(l, 'oIn', att, nH * hd),
      ...oProj, ...await stat(l, 'mlpIn', xn, d), ...gateUp, ...await stat(l, 'downIn', act, f)] : [];
    layers.push({ calls: [attnNorm, ...attention, ...oProj, ...gateUp, ...down], capture, captureThrough: capture.length ? [...capture, ...down] : [] });
  }
  const withHead = opts.head ?? true;
  const head = withHead ? [await norm(x, tensorNames.finalNorm, xn, T, d)] : [];
  const logits: LogitSlice[] = [];
  const sliceRows = withHead ? logitSliceRows(gpu, T, V, sliceRowMultiple(weights.lmHead.dtype, d, gpu.limits.minStorageBufferOffsetAlignment)) : 0;
  for (const c of withHead ? weights.lmHead.chunks : []) {
    for (let r = 0; r < c.rowCount; r += sliceRows) {
      const cols = Math.min(sliceRows, c.rowCount - r);
      const slice = { buffer: await buf(`logits[:, ${c.rowStart + r}:${c.rowStart + r + cols}]`, T * cols), colStart: c.rowStart + r, cols };
      // A byte range of the chunk (r is a multiple of sliceRowMultiple: the offset is aligned).
      const rowBytes = weightBytes(c.dtype, d);
      const wRows = cols === c.rowCount ? c : { buffer: c.buffer, dtype: c.dtype, offset: r * rowBytes, size: cols * rowBytes };
      head.push(await prepareMatmul(gpu, { x: xn, w: wRows, y: slice.buffer, M: T, N: cols, K: d, variant }));
      if (spec.finalLogitSoftcap) head.push(await prepareSoftcap(gpu, { x: slice.buffer, n: T * cols, cap: spec.finalLogitSoftcap }));
      logits.push(slice);
    }
  }
  const nllCalls = withHead ? await prepareNll(gpu, { slices: logits, targets, out: nll, T }) : null;
  if (nllCalls) owned.push(nllCalls.state);
  const loss = nllCalls?.calls ?? [];
  return {
    T, tokens, targets, position, x, logits, nll, embed, layers, head, loss,
    forward: [...embed, ...layers.flatMap((c) => c.calls), ...head],
    destroy: () => { owned.forEach((b) => b.destroy()); position.destroy(); },
  };
}
