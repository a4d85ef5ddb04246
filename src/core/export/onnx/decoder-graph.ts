// The decoder of every architecture Prunelab runs as an ONNX graph of standard opset-17 ops, the same math as the
// engine's forward (engine/reference-forward.ts is the readable version), with the architecture as data:
//   x = Gather(embed, input_ids) (* embed scale); per layer: x += [norm](o(attn(rope(qknorm(q(rms(x)))), ...)));
//   x += [norm](down(act(gate(rms(x))) * up(rms(x)))); logits = [softcap](lm_head(rms(x))).
// RMSNorm = x / sqrt(ReduceMean(x*x) + eps) * w (Gemma: * (1 + w)), or LayerNormalization with its bias (GPT-2, OPT,
// whose learned positions are Gathered at Range(S) + offset and added to the embeddings, and whose MLP is ungated:
// down(act(up(x))), act relu or gelu_new); RoPE (HF rotate_half, optionally on the leading
// rotary dims only) from precomputed cos/sin tables [maxPositions, rotaryDim], one per distinct RoPE, sliced to the
// sequence length (longrope: both factor sets, chosen by the sequence length as transformers does); causal and
// sliding-window masks built from Range/Greater/Where; GQA by gathering each query head's kv head (per-layer head
// counts and kv maps after structured pruning); SiLU = g * Sigmoid(g), gelu_pytorch_tanh from Tanh. Linear weights
// are stored transposed, [in, out], so each map is one MatMul.
import type { ModelSpec } from '../../model/spec.ts';
import { layerAttentionWindow, tensorNames } from '../../model/spec.ts';
import { layerRope, ropeKey, ropeTableValues, type RopeParams } from '../../model/rope.ts';
import { BadRequest } from '../../errors.ts';
import { attr, GraphBuilder, tensorValueInfo } from './graph-builder.ts';
import { DataType, type ValueInfoJson } from './onnx-schema.ts';
import type { PrunedWeights } from './pruned-weights.ts';

export const INPUT_IDS = 'input_ids';
export const LOGITS = 'logits';

export interface DecoderGraph {
  builder: GraphBuilder;
  inputs: ValueInfoJson[];
  outputs: ValueInfoJson[];
}

/** W [out, in] -> W^T [in, out] (row-major). */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = w[i * cols + j];
  return t;
}

/** cos / sin tables [positions, rotaryDim] of HF's rotate_half RoPE: columns i and i + rotaryDim/2 share the angle
 * (and attention scaling) of frequency i, from the same table the engine uses, for a forward over `seqLen` positions. */
export function ropeTables(positions: number, rope: RopeParams, seqLen = positions): { cos: Float32Array; sin: Float32Array } {
  const hd = rope.rotaryDim, half = hd / 2;
  const values = ropeTableValues(rope, positions, seqLen); // [positions, half] x (cos, sin)
  const cos = new Float32Array(positions * hd), sin = new Float32Array(positions * hd);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      cos[p * hd + i] = cos[p * hd + i + half] = values[(p * half + i) * 2];
      sin[p * hd + i] = sin[p * hd + i + half] = values[(p * half + i) * 2 + 1];
    }
  }
  return { cos, sin };
}

/** Why the ONNX graph cannot express this model, or null. Dynamic NTK needs nothing of its own: the tables cover
 * max_position_embeddings, below which transformers keeps the initial frequencies. */
export function onnxUnsupportedReason(spec: ModelSpec): string | null {
  const s = spec.ropeScaling;
  if (s?.type === 'dynamic' && !Number.isFinite(spec.maxPositions)) return 'dynamic NTK RoPE without max_position_embeddings';
  return null;
}

class DecoderBuilder {
  readonly g = new GraphBuilder();
  private readonly spec: ModelSpec;
  private readonly eps: string;
  // Set by prelude(): the sequence length [1], the [S, 1] / [1, S] positions and the [S, S] "key in the future".
  private seqLen = ''; private zero1 = ''; private positions = ''; private queryPos = ''; private keyPos = ''; private future = '';
  private readonly ropes = new Map<string, { cos: string; sin: string }>();   // by ropeKey: [S, rotaryDim]
  private readonly masks = new Map<number, string>();                         // by window (0 = whole context): [S, S]

  constructor(private readonly w: PrunedWeights) {
    this.spec = w.spec;
    this.eps = this.g.float32('rms_norm_eps', [this.spec.rmsNormEps], []);
  }

  /** A linear map's weight, transposed to [in, out], plus its bias when the model has one. */
  private linear(x: string, name: string, hint: string): string {
    const [out, inp] = this.w.shapes.get(name)!;
    const wt = this.g.weight(name, [inp, out], async () => transpose(await this.w.read(name), out, inp),
      'Hugging Face weight transposed to [in, out]');
    const y = this.g.op('MatMul', [x, wt], [], hint);
    const biasName = name.replace(/\.weight$/, '.bias');
    if (!this.w.shapes.has(biasName)) return y;
    const b = this.g.weight(biasName, this.w.shapes.get(biasName)!, () => this.w.read(biasName));
    return this.g.op('Add', [y, b], [], `${hint}_biased`);
  }

  /** RMSNorm over the last axis (hidden rows, or each head's hd values for q/k norms). */
  private rmsNorm(x: string, weightName: string, hint: string): string {
    const sq = this.g.op('Mul', [x, x], [], `${hint}_sq`);
    const mean = this.g.op('ReduceMean', [sq], [attr.ints('axes', [-1]), attr.int('keepdims', 1)], `${hint}_mean`);
    const rms = this.g.op('Sqrt', [this.g.op('Add', [mean, this.eps], [], `${hint}_eps`)], [], `${hint}_rms`);
    let w = this.g.weight(weightName, this.w.shapes.get(weightName)!, () => this.w.read(weightName));
    if (this.spec.normUnitOffset) w = this.g.op('Add', [w, this.g.float32(`${hint}_one`, [1], [])], [], `${hint}_one_plus_w`);
    return this.g.op('Mul', [this.g.op('Div', [x, rms], [], `${hint}_normed`), w], [], hint);
  }

  /** The model's norm over the last axis: RMSNorm, or LayerNormalization with the bias named beside the weight. */
  private norm(x: string, weightName: string, hint: string): string {
    if (!this.spec.layerNorm) return this.rmsNorm(x, weightName, hint);
    const biasName = weightName.replace(/\.weight$/, '.bias');
    const w = this.g.weight(weightName, this.w.shapes.get(weightName)!, () => this.w.read(weightName));
    const b = this.g.weight(biasName, this.w.shapes.get(biasName)!, () => this.w.read(biasName));
    return this.g.op('LayerNormalization', [x, w, b], [attr.int('axis', -1), attr.float('epsilon', this.spec.rmsNormEps)], hint);
  }

  /** Sequence-length-dependent tensors shared by all layers. */
  prelude(ids: string): void {
    const shape = this.g.op('Shape', [ids], [], 'ids_shape');                                        // [2]
    this.seqLen = this.g.op('Slice', [shape, this.g.int64('one', [1]), this.g.int64('two', [2])], [], 'seq_len'); // [1]
    this.zero1 = this.g.int64('zero', [0]);
    const seq = this.g.op('Squeeze', [this.seqLen, this.zero1], [], 'seq_scalar');                  // []
    const pos = this.g.op('Range', [this.g.int64('start', [0], []), seq, this.g.int64('step', [1], [])], [], 'positions'); // [S]
    this.positions = pos;
    this.queryPos = this.g.op('Unsqueeze', [pos, this.g.int64('axis1', [1])], [], 'query_pos');     // [S, 1]
    this.keyPos = this.g.op('Unsqueeze', [pos, this.zero1], [], 'key_pos');                          // [1, S]
    this.future = this.g.op('Greater', [this.keyPos, this.queryPos], [], 'future');                 // [S, S] bool
  }

  /** Additive mask [S, S]: -inf on future keys, and on keys `window` or more positions back (sliding layers). */
  private mask(window: number): string {
    const have = this.masks.get(window);
    if (have) return have;
    let blocked = this.future;
    if (window) {
      const back = this.g.op('Sub', [this.queryPos, this.keyPos], [], `window${window}_back`);     // [S, S]
      const tooFar = this.g.op('Greater', [back, this.g.int64(`window${window}_last`, [window - 1], [])], [], `window${window}_too_far`);
      blocked = this.g.op('Or', [blocked, tooFar], [], `window${window}_blocked`);
    }
    const m = this.g.op('Where', [blocked, this.g.float32('neg_inf', [-Infinity], []), this.g.float32('zero_f', [0], [])], [],
      window ? `sliding_mask_${window}` : 'causal_mask');
    this.masks.set(window, m);
    return m;
  }

  /** cos / sin [S, rotaryDim] of one RoPE (longrope past its original context: the table transformers would pick
   * for this sequence length, chosen at run time). */
  private ropeTable(r: RopeParams): { cos: string; sin: string } {
    const key = ropeKey(r);
    const have = this.ropes.get(key);
    if (have) return have;
    const P = this.spec.maxPositions, rd = r.rotaryDim, id = `rope${this.ropes.size}`;
    const slice = (name: string, values: Float32Array) =>
      this.g.op('Slice', [this.g.float32(name, values, [P, rd]), this.zero1, this.seqLen, this.zero1], [], `${name}_s`);
    const s = r.scaling;
    let out: { cos: string; sin: string };
    if (s.type === 'longrope' && P > s.originalMaxPositions) {
      const short = ropeTables(P, r, s.originalMaxPositions), long = ropeTables(P, r, P);
      const isLong = this.g.op('Greater', [this.seqLen, this.g.int64(`${id}_original`, [s.originalMaxPositions])], [], `${id}_long`); // [1]
      out = {
        cos: this.g.op('Where', [isLong, slice(`${id}_cos_long`, long.cos), slice(`${id}_cos_short`, short.cos)], [], `${id}_cos`),
        sin: this.g.op('Where', [isLong, slice(`${id}_sin_long`, long.sin), slice(`${id}_sin_short`, short.sin)], [], `${id}_sin`),
      };
    } else {
      const t = ropeTables(P, r);
      out = { cos: slice(`${id}_cos`, t.cos), sin: slice(`${id}_sin`, t.sin) };
    }
    this.ropes.set(key, out);
    return out;
  }

  /** [B, S, n*hd] -> [B, n, S, hd] */
  private heads(x: string, n: number, hint: string): string {
    const r = this.g.op('Reshape', [x, this.g.int64(`${hint}_shape`, [0, 0, n, this.spec.headDim])], [], `${hint}_4d`);
    return this.g.op('Transpose', [r], [attr.ints('perm', [0, 2, 1, 3])], `${hint}_heads`);
  }

  /** HF rotate_half RoPE on [B, n, S, hd] over the leading rotaryDim dims: t * cos + cat(-t2, t1) * sin. */
  private rope(t: string, r: RopeParams, hint: string): string {
    const { cos, sin } = this.ropeTable(r);
    const hd = this.spec.headDim, rd = r.rotaryDim, half = rd / 2;
    const axis3 = this.g.int64(`${hint}_axis`, [3]);
    const part = (from: number, to: number, name: string) =>
      this.g.op('Slice', [t, this.g.int64(`${name}_s`, [from]), this.g.int64(`${name}_e`, [to]), axis3], [], name);
    const rot = rd === hd ? t : part(0, rd, `${hint}_rot_dims`);
    const t1 = this.g.op('Slice', [rot, this.g.int64(`${hint}_s0`, [0]), this.g.int64(`${hint}_e0`, [half]), axis3], [], `${hint}_lo`);
    const t2 = this.g.op('Slice', [rot, this.g.int64(`${hint}_s1`, [half]), this.g.int64(`${hint}_e1`, [rd]), axis3], [], `${hint}_hi`);
    const rotated = this.g.op('Concat', [this.g.op('Neg', [t2], [], `${hint}_neg`), t1], [attr.int('axis', -1)], `${hint}_rot`);
    const turned = this.g.op('Add', [this.g.op('Mul', [rot, cos], [], `${hint}_c`), this.g.op('Mul', [rotated, sin], [], `${hint}_s`)], [], `${hint}_rope`);
    return rd === hd ? turned : this.g.op('Concat', [turned, part(rd, hd, `${hint}_pass`)], [attr.int('axis', -1)], `${hint}_partial`);
  }

  /** The MLP's activation: silu = g * sigmoid(g), relu, or gelu_pytorch_tanh (= gelu_new). */
  private activation(g: string, hint: string): string {
    if ((this.spec.mlpActivation ?? 'silu') === 'silu') return this.g.op('Mul', [g, this.g.op('Sigmoid', [g], [], `${hint}_sig`)], [], `${hint}_silu`);
    if (this.spec.mlpActivation === 'relu') return this.g.op('Relu', [g], [], `${hint}_relu`);
    const c = (name: string, v: number) => this.g.float32(`${hint}_${name}`, [v], []);
    const cube = this.g.op('Mul', [g, this.g.op('Mul', [g, g], [], `${hint}_sq`)], [], `${hint}_cube`);
    const inner = this.g.op('Mul', [c('k', Math.sqrt(2 / Math.PI)), this.g.op('Add', [g, this.g.op('Mul', [c('a', 0.044715), cube], [], `${hint}_ac`)], [], `${hint}_sum`)], [], `${hint}_inner`);
    const onePlus = this.g.op('Add', [c('one', 1), this.g.op('Tanh', [inner], [], `${hint}_tanh`)], [], `${hint}_1pt`);
    return this.g.op('Mul', [this.g.op('Mul', [c('half', 0.5), g], [], `${hint}_halfg`), onePlus], [], `${hint}_gelu`);
  }

  layer(x: string, l: number): string {
    const spec = this.spec;
    const n = tensorNames.layer(l, spec.sandwichNorms);
    const hd = spec.headDim;
    const H = this.w.shapes.get(n.q)![0] / hd, KV = this.w.shapes.get(n.k)![0] / hd;
    const kvHeadOf = spec.layerWidths?.[l]?.kvHeadOf ?? Array.from({ length: H }, (_, h) => Math.floor(h / (H / KV)));
    const p = `l${l}`;
    const rotation = layerRope(spec, l);
    const xn = this.norm(x, n.attnNorm, `${p}_attn_norm`);
    let q = this.heads(this.linear(xn, n.q, `${p}_q`), H, `${p}_q`);                                // [B, H, S, hd]
    let k = this.heads(this.linear(xn, n.k, `${p}_k`), KV, `${p}_k`);                               // [B, KV, S, hd]
    let v = this.heads(this.linear(xn, n.v, `${p}_v`), KV, `${p}_v`);
    if (spec.qkNorm) { q = this.rmsNorm(q, n.qNorm, `${p}_q_norm`); k = this.rmsNorm(k, n.kNorm, `${p}_k_norm`); }
    if (rotation) { q = this.rope(q, rotation, `${p}_q`); k = this.rope(k, rotation, `${p}_k`); }
    if (H !== KV || kvHeadOf.some((g, h) => g !== h)) {
      const idx = this.g.int64(`${p}_kv_head_of`, kvHeadOf);                                      // [H]
      k = this.g.op('Gather', [k, idx], [attr.int('axis', 1)], `${p}_k_per_head`);                // [B, H, S, hd]
      v = this.g.op('Gather', [v, idx], [attr.int('axis', 1)], `${p}_v_per_head`);
    }
    const kT = this.g.op('Transpose', [k], [attr.ints('perm', [0, 1, 3, 2])], `${p}_kT`);         // [B, H, hd, S]
    const qk = this.g.op('MatMul', [q, kT], [], `${p}_qk`);
    const scores = spec.attentionScale === undefined
      ? this.g.op('Div', [qk, this.g.float32(`${p}_sqrt_hd`, [Math.sqrt(hd)], [])], [], `${p}_scores`)
      : this.g.op('Mul', [qk, this.g.float32(`${p}_scale`, [spec.attentionScale], [])], [], `${p}_scores`);
    const mask = this.mask(layerAttentionWindow(spec, l) ?? 0);
    const probs = this.g.op('Softmax', [this.g.op('Add', [scores, mask], [], `${p}_masked`)], [attr.int('axis', -1)], `${p}_probs`);
    const att = this.g.op('MatMul', [probs, v], [], `${p}_att`);                                     // [B, H, S, hd]
    const merged = this.g.op('Reshape', [
      this.g.op('Transpose', [att], [attr.ints('perm', [0, 2, 1, 3])], `${p}_att_t`),
      this.g.int64(`${p}_merge_shape`, [0, 0, H * hd]),
    ], [], `${p}_att_merged`);                                                                        // [B, S, H*hd]
    let o = this.linear(merged, n.o, `${p}_o`);
    if (spec.sandwichNorms) o = this.rmsNorm(o, n.attnOutNorm, `${p}_attn_out_norm`);
    const h1 = this.g.op('Add', [x, o], [], `${p}_h1`);
    const hn = this.norm(h1, n.mlpNorm, `${p}_mlp_norm`);
    const up = this.linear(hn, n.up, `${p}_up`);                                                     // [B, S, F]
    const act = spec.plainMlp ? this.activation(up, `${p}_act`)
      : this.g.op('Mul', [this.activation(this.linear(hn, n.gate, `${p}_gate`), `${p}_act`), up], [], `${p}_act`);
    let down = this.linear(act, n.down, `${p}_down`);
    if (spec.sandwichNorms) down = this.rmsNorm(down, n.mlpOutNorm, `${p}_mlp_out_norm`);
    return this.g.op('Add', [h1, down], [], `${p}_out`);
  }

  embed(ids: string): string {
    const name = tensorNames.embed;
    const table = this.g.weight(name, this.w.shapes.get(name)!, () => this.w.read(name));           // [V, d]
    const x = this.g.op('Gather', [table, ids], [attr.int('axis', 0)], 'embedded');                  // [B, S, d]
    const scale = this.spec.embedScale;
    const scaled = scale === undefined ? x : this.g.op('Mul', [x, this.g.float32('embed_scale', [scale], [])], [], 'embedded_scaled');
    const lp = this.spec.learnedPositions;
    if (!lp) return scaled;
    const pname = tensorNames.positions;
    const positions = this.g.weight(pname, this.w.shapes.get(pname)!, () => this.w.read(pname));    // [P + offset, d]
    const rows = lp.offset ? this.g.op('Add', [this.positions, this.g.int64('position_offset', [lp.offset], [])], [], 'position_rows') : this.positions;
    const pos = this.g.op('Gather', [positions, rows], [attr.int('axis', 0)], 'position_embedded');  // [S, d]
    return this.g.op('Add', [scaled, pos], [], 'embedded_with_positions');
  }

  head(x: string, embedTable: string): string {
    const xn = this.norm(x, tensorNames.finalNorm, 'final_norm');
    const cap = this.spec.finalLogitSoftcap;
    const name = cap ? 'logits_uncapped' : LOGITS;
    let logits: string;
    if (!this.spec.tieWordEmbeddings) {
      const [out, inp] = this.w.shapes.get(tensorNames.lmHead)!;
      const wt = this.g.weight(tensorNames.lmHead, [inp, out], async () => transpose(await this.w.read(tensorNames.lmHead), out, inp),
        'Hugging Face weight transposed to [in, out]');
      logits = this.g.op('MatMul', [xn, wt], [], name);
    } else {
      const headT = this.g.op('Transpose', [embedTable], [attr.ints('perm', [1, 0])], 'lm_head_t');  // [d, V] (folded by runtimes)
      logits = this.g.op('MatMul', [xn, headT], [], name);
    }
    if (!cap) return logits;
    const c = this.g.float32('softcap', [cap], []);
    return this.g.op('Mul', [this.g.op('Tanh', [this.g.op('Div', [logits, c], [], 'logits_over_cap')], [], 'logits_tanh'), c], [], LOGITS);
  }
}

export function buildDecoderGraph(w: PrunedWeights): DecoderGraph {
  const refusal = onnxUnsupportedReason(w.spec);
  if (refusal) throw new BadRequest(`ONNX export of this ${w.spec.architecture} model: ${refusal}; export masked or compact safetensors`);
  const b = new DecoderBuilder(w);
  b.prelude(INPUT_IDS);
  let x = b.embed(INPUT_IDS);                                                                          // embed table first
  const embedTable = b.g.weights[0].name;
  for (let l = 0; l < w.spec.numLayers; l++) x = b.layer(x, l);
  const logits = b.head(x, embedTable);
  if (logits !== LOGITS) throw new Error(`internal: the graph's output is named ${logits}, expected ${LOGITS}`);
  return {
    builder: b.g,
    inputs: [tensorValueInfo(INPUT_IDS, DataType.INT64, ['batch', 'sequence'])],
    outputs: [tensorValueInfo(LOGITS, DataType.FLOAT, ['batch', 'sequence', w.spec.vocabSize])],
  };
}
