// The decoder (llama / mistral / qwen2) as an ONNX graph of standard opset-17 ops, the same math as the
// engine's forward (engine/reference-forward.ts is the readable version):
//   x = Gather(embed, input_ids); per layer: x += o(attn(rope(q(rms(x))), rope(k(rms(x))), v(rms(x))));
//   x += down(silu(gate(rms(x))) * up(rms(x))); logits = lm_head(rms(x)).
// RMSNorm = x / sqrt(ReduceMean(x*x) + eps) * w; RoPE (HF rotate_half) from precomputed cos/sin tables
// [maxPositions, hd] sliced to the sequence length; causal mask built from Range/Greater/Where; GQA by
// gathering each query head's kv head (per-layer head counts and kv maps after structured pruning);
// SiLU = g * Sigmoid(g). Linear weights are stored transposed, [in, out], so each map is one MatMul.
import type { ModelSpec } from '../../model/spec.ts';
import { tensorNames } from '../../model/spec.ts';
import { layerRope, ropeTableValues, type RopeParams } from '../../model/rope.ts';
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

/** cos / sin tables [positions, hd] of HF's rotate_half RoPE: columns i and i + hd/2 share the angle (and attention
 * scaling) of frequency i, from the same table the engine uses. */
export function ropeTables(positions: number, rope: RopeParams): { cos: Float32Array; sin: Float32Array } {
  const hd = rope.rotaryDim, half = hd / 2;
  const values = ropeTableValues(rope, positions); // [positions, half] x (cos, sin)
  const cos = new Float32Array(positions * hd), sin = new Float32Array(positions * hd);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      cos[p * hd + i] = cos[p * hd + i + half] = values[(p * half + i) * 2];
      sin[p * hd + i] = sin[p * hd + i + half] = values[(p * half + i) * 2 + 1];
    }
  }
  return { cos, sin };
}

/** Why the ONNX graph cannot express this model, or null. One cos/sin table of every position serves all layers,
 * so the rotation must be the same on every layer, cover whole heads and not depend on the sequence length. */
export function onnxUnsupportedReason(spec: ModelSpec): string | null {
  if (spec.normUnitOffset || spec.sandwichNorms || spec.mlpActivation === 'gelu_tanh' || spec.embedScale !== undefined ||
    spec.attentionScale !== undefined || spec.finalLogitSoftcap !== undefined) {
    return "Gemma's (1 + w) and post-attention / post-feedforward norms, GeGLU, scaled embeddings and logit soft-capping are not in the ONNX graph yet";
  }
  if (spec.qkNorm) return 'q/k norms (qwen3) are not in the ONNX graph yet';
  if (spec.noRopeLayers?.length) return 'layers without RoPE are not in the ONNX graph yet';
  if (spec.slidingLayers?.length) return 'sliding-window attention is not in the ONNX graph yet';
  if (spec.rotaryDim !== undefined) return 'partial rotary embeddings are not in the ONNX graph yet';
  const s = spec.ropeScaling;
  if (s?.type === 'longrope' && spec.maxPositions > s.originalMaxPositions) {
    return 'longrope switches its frequencies with the sequence length, which one static ONNX table cannot do';
  }
  return null;
}

class DecoderBuilder {
  readonly g = new GraphBuilder();
  private readonly spec: ModelSpec;
  private readonly eps: string;
  private cos = ''; private sin = ''; private causal = '';   // set by prelude()

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

  private rmsNorm(x: string, weightName: string, hint: string): string {
    const sq = this.g.op('Mul', [x, x], [], `${hint}_sq`);
    const mean = this.g.op('ReduceMean', [sq], [attr.ints('axes', [-1]), attr.int('keepdims', 1)], `${hint}_mean`);
    const rms = this.g.op('Sqrt', [this.g.op('Add', [mean, this.eps], [], `${hint}_eps`)], [], `${hint}_rms`);
    const w = this.g.weight(weightName, this.w.shapes.get(weightName)!, () => this.w.read(weightName));
    return this.g.op('Mul', [this.g.op('Div', [x, rms], [], `${hint}_normed`), w], [], hint);
  }

  /** Sequence-length-dependent tensors shared by all layers: RoPE cos/sin [S, hd] and the causal mask [S, S]. */
  prelude(ids: string): void {
    const { headDim: hd, maxPositions: P } = this.spec;
    const shape = this.g.op('Shape', [ids], [], 'ids_shape');                                        // [2]
    const seq1 = this.g.op('Slice', [shape, this.g.int64('one', [1]), this.g.int64('two', [2])], [], 'seq_len'); // [1]
    const zero1 = this.g.int64('zero', [0]);
    const { cos, sin } = ropeTables(P, layerRope(this.spec, 0)!); // one rotation for all layers (onnxUnsupportedReason)
    const cosTable = this.g.float32('rope_cos', cos, [P, hd]);                                       // [P, hd]
    const sinTable = this.g.float32('rope_sin', sin, [P, hd]);
    this.cos = this.g.op('Slice', [cosTable, zero1, seq1, zero1], [], 'cos');                        // [S, hd]
    this.sin = this.g.op('Slice', [sinTable, zero1, seq1, zero1], [], 'sin');
    const seq = this.g.op('Squeeze', [seq1, zero1], [], 'seq_scalar');                               // []
    const pos = this.g.op('Range', [this.g.int64('start', [0], []), seq, this.g.int64('step', [1], [])], [], 'positions'); // [S]
    const rows = this.g.op('Unsqueeze', [pos, this.g.int64('axis1', [1])], [], 'query_pos');        // [S, 1]
    const cols = this.g.op('Unsqueeze', [pos, zero1], [], 'key_pos');                                // [1, S]
    const future = this.g.op('Greater', [cols, rows], [], 'future');                                 // [S, S] bool
    this.causal = this.g.op('Where', [future, this.g.float32('neg_inf', [-Infinity], []), this.g.float32('zero_f', [0], [])], [], 'causal_mask');
  }

  /** [B, S, n*hd] -> [B, n, S, hd] */
  private heads(x: string, n: number, hint: string): string {
    const r = this.g.op('Reshape', [x, this.g.int64(`${hint}_shape`, [0, 0, n, this.spec.headDim])], [], `${hint}_4d`);
    return this.g.op('Transpose', [r], [attr.ints('perm', [0, 2, 1, 3])], `${hint}_heads`);
  }

  /** HF rotate_half RoPE on [B, n, S, hd]: t * cos + cat(-t2, t1) * sin. */
  private rope(t: string, hint: string): string {
    const half = this.spec.headDim / 2;
    const axis3 = this.g.int64(`${hint}_axis`, [3]);
    const t1 = this.g.op('Slice', [t, this.g.int64(`${hint}_s0`, [0]), this.g.int64(`${hint}_e0`, [half]), axis3], [], `${hint}_lo`);
    const t2 = this.g.op('Slice', [t, this.g.int64(`${hint}_s1`, [half]), this.g.int64(`${hint}_e1`, [2 * half]), axis3], [], `${hint}_hi`);
    const rotated = this.g.op('Concat', [this.g.op('Neg', [t2], [], `${hint}_neg`), t1], [attr.int('axis', -1)], `${hint}_rot`);
    return this.g.op('Add', [this.g.op('Mul', [t, this.cos], [], `${hint}_c`), this.g.op('Mul', [rotated, this.sin], [], `${hint}_s`)], [], `${hint}_rope`);
  }

  layer(x: string, l: number): string {
    const n = tensorNames.layer(l);
    const hd = this.spec.headDim;
    const H = this.w.shapes.get(n.q)![0] / hd, KV = this.w.shapes.get(n.k)![0] / hd;
    const kvHeadOf = this.spec.layerWidths?.[l]?.kvHeadOf ?? Array.from({ length: H }, (_, h) => Math.floor(h / (H / KV)));
    const p = `l${l}`;
    const xn = this.rmsNorm(x, n.attnNorm, `${p}_attn_norm`);
    const q = this.rope(this.heads(this.linear(xn, n.q, `${p}_q`), H, `${p}_q`), `${p}_q`);        // [B, H, S, hd]
    let k = this.rope(this.heads(this.linear(xn, n.k, `${p}_k`), KV, `${p}_k`), `${p}_k`);        // [B, KV, S, hd]
    let v = this.heads(this.linear(xn, n.v, `${p}_v`), KV, `${p}_v`);
    if (H !== KV || kvHeadOf.some((g, h) => g !== h)) {
      const idx = this.g.int64(`${p}_kv_head_of`, kvHeadOf);                                      // [H]
      k = this.g.op('Gather', [k, idx], [attr.int('axis', 1)], `${p}_k_per_head`);                // [B, H, S, hd]
      v = this.g.op('Gather', [v, idx], [attr.int('axis', 1)], `${p}_v_per_head`);
    }
    const kT = this.g.op('Transpose', [k], [attr.ints('perm', [0, 1, 3, 2])], `${p}_kT`);         // [B, H, hd, S]
    const scores = this.g.op('Div', [this.g.op('MatMul', [q, kT], [], `${p}_qk`), this.g.float32(`${p}_sqrt_hd`, [Math.sqrt(hd)], [])], [], `${p}_scores`);
    const probs = this.g.op('Softmax', [this.g.op('Add', [scores, this.causal], [], `${p}_masked`)], [attr.int('axis', -1)], `${p}_probs`);
    const att = this.g.op('MatMul', [probs, v], [], `${p}_att`);                                     // [B, H, S, hd]
    const merged = this.g.op('Reshape', [
      this.g.op('Transpose', [att], [attr.ints('perm', [0, 2, 1, 3])], `${p}_att_t`),
      this.g.int64(`${p}_merge_shape`, [0, 0, H * hd]),
    ], [], `${p}_att_merged`);                                                                        // [B, S, H*hd]
    const h1 = this.g.op('Add', [x, this.linear(merged, n.o, `${p}_o`)], [], `${p}_h1`);
    const hn = this.rmsNorm(h1, n.mlpNorm, `${p}_mlp_norm`);
    const gate = this.linear(hn, n.gate, `${p}_gate`);                                               // [B, S, F]
    const silu = this.g.op('Mul', [gate, this.g.op('Sigmoid', [gate], [], `${p}_sig`)], [], `${p}_silu`);
    const act = this.g.op('Mul', [silu, this.linear(hn, n.up, `${p}_up`)], [], `${p}_act`);
    return this.g.op('Add', [h1, this.linear(act, n.down, `${p}_down`)], [], `${p}_out`);
  }

  embed(ids: string): string {
    const name = tensorNames.embed;
    const table = this.g.weight(name, this.w.shapes.get(name)!, () => this.w.read(name));           // [V, d]
    return this.g.op('Gather', [table, ids], [attr.int('axis', 0)], 'embedded');                     // [B, S, d]
  }

  head(x: string, embedTable: string): string {
    const xn = this.rmsNorm(x, tensorNames.finalNorm, 'final_norm');
    if (!this.spec.tieWordEmbeddings) return this.linearTo(xn, tensorNames.lmHead);
    const headT = this.g.op('Transpose', [embedTable], [attr.ints('perm', [1, 0])], 'lm_head_t');   // [d, V] (folded by runtimes)
    return this.g.op('MatMul', [xn, headT], [], LOGITS);
  }

  private linearTo(x: string, name: string): string {
    const [out, inp] = this.w.shapes.get(name)!;
    const wt = this.g.weight(name, [inp, out], async () => transpose(await this.w.read(name), out, inp), 'Hugging Face weight transposed to [in, out]');
    return this.g.op('MatMul', [x, wt], [], LOGITS);
  }
}

export function buildDecoderGraph(w: PrunedWeights): DecoderGraph {
  const refusal = onnxUnsupportedReason(w.spec);
  if (refusal) throw new BadRequest(`ONNX export of this ${w.spec.architecture} model: ${refusal}; export masked or compact safetensors`);
  const b = new DecoderBuilder(w);
  b.prelude(INPUT_IDS);
  let x = b.embed(INPUT_IDS);
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
