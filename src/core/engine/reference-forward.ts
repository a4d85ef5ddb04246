// Float64 CPU reference forward (the oracle for the WGSL engine), in the spirit of llama2.c's run.c:
// plain loops, a shape comment on every buffer, no cleverness. Full causal attention over one window.
import type { ModelSpec } from '../model/spec.ts';
import { layerAttentionWindow, tensorNames } from '../model/spec.ts';
import { layerRope, ropeFrequencies } from '../model/rope.ts';
import { activationReference } from '../kernels/gated-activation.ts';

/** Canonical tensor name -> float64 copy of its decoded values (q/k already in HF rotate_half order). */
export type ReferenceWeights = Map<string, Float64Array>;

function get(w: ReferenceWeights, name: string): Float64Array {
  const t = w.get(name);
  if (!t) throw new Error(`reference forward: missing tensor ${name}`);
  return t;
}

/** y[n] = sum_k W[n,k] x[k] (+ b[n]).  W: [N, K] */
function linear(W: Float64Array, x: Float64Array, N: number, K: number, b?: Float64Array): Float64Array {
  const y = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let s = b ? b[n] : 0;
    const row = n * K;
    for (let k = 0; k < K; k++) s += W[row + k] * x[k];
    y[n] = s;
  }
  return y;
}

/** offset 1: Gemma's norms scale by (1 + w). */
function rmsNorm(x: Float64Array, w: Float64Array, eps: number, offset = 0): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const inv = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * inv * (w[i] + offset));
}

/** torch.nn.LayerNorm: (x - mean) / sqrt(biased variance + eps) * w + b. */
function layerNorm(x: Float64Array, w: Float64Array, b: Float64Array, eps: number): Float64Array {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let dev = 0;
  for (const v of x) dev += (v - mean) ** 2;
  const inv = 1 / Math.sqrt(dev / x.length + eps);
  return x.map((v, i) => (v - mean) * inv * w[i] + b[i]);
}

/** The model's RMSNorm of one row (q/k norms: always RMS). */
function specNorm(spec: ModelSpec, x: Float64Array, w: Float64Array): Float64Array {
  return rmsNorm(x, w, spec.rmsNormEps, spec.normUnitOffset ? 1 : 0);
}

/** The model's norm `name` (a weight name) of one row: RMSNorm, or LayerNorm with the bias beside the weight. */
function modelNorm(spec: ModelSpec, w: ReferenceWeights, name: string, x: Float64Array): Float64Array {
  return spec.layerNorm ? layerNorm(x, get(w, name), get(w, name.replace(/\.weight$/, '.bias')), spec.rmsNormEps) : specNorm(spec, x, get(w, name));
}

/** Rotates the first 2 * invFreq.length dimensions of each head of `v` ([heads, hd]) in place, HF rotate_half
 * pairing (i, i + half), cos and sin times the RoPE's attention scaling (transformers' apply_rotary_pos_emb). */
function rope(v: Float64Array, heads: number, hd: number, pos: number, invFreq: Float64Array, scaling: number): void {
  const half = invFreq.length;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      const angle = pos * invFreq[i];
      const c = Math.cos(angle) * scaling, s = Math.sin(angle) * scaling;
      const a = v[h * hd + i], b = v[h * hd + i + half];
      v[h * hd + i] = a * c - b * s;
      v[h * hd + i + half] = b * c + a * s;
    }
  }
}

/** RMSNorm of each head of `v` ([heads, hd]) over its hd values (Qwen3's q_norm / k_norm). */
function headNorm(spec: ModelSpec, v: Float64Array, heads: number, w: Float64Array): Float64Array {
  const hd = spec.headDim;
  const out = new Float64Array(v.length);
  for (let h = 0; h < heads; h++) out.set(specNorm(spec, v.subarray(h * hd, (h + 1) * hd), w), h * hd);
  return out;
}

/** The four distinct inputs of a layer's linear maps (docs/algorithms.md §2.2). */
export type LinearInput = 'attnIn' | 'oIn' | 'mlpIn' | 'downIn';
/** Observes the rows ([T][width]) entering a layer's linear maps. */
export type InputHook = (input: LinearInput, rows: Float64Array[]) => void;

/** Token embeddings (plus learned positions 0..T-1 where the model has them): [T][d]. */
export function referenceEmbed(spec: ModelSpec, w: ReferenceWeights, tokens: number[]): Float64Array[] {
  const d = spec.hiddenSize;
  const embed = get(w, tensorNames.embed); // [V, d]
  const scale = spec.embedScale ?? 1;
  const lp = spec.learnedPositions;
  const positions = lp ? get(w, tensorNames.positions) : null; // [maxPositions + offset, d]
  return tokens.map((t, i) => embed.slice(t * d, (t + 1) * d).map((v, j) => v * scale + (positions ? positions[(i + lp!.offset) * d + j] : 0)));
}

/** Decoder layer l over one window's residual stream x ([T][d], positions 0..T-1); returns the new stream. */
export function referenceLayer(spec: ModelSpec, w: ReferenceWeights, l: number, x: Float64Array[],
  hook?: InputHook): Float64Array[] {
  const { hiddenSize: d, intermediateSize: f, numHeads: nH, numKvHeads: nKv, headDim: hd } = spec;
  const T = x.length;
  const group = nH / nKv;
  const n = tensorNames.layer(l, spec.sandwichNorms);
  const keys: Float64Array[] = [];    // [T][nKv*hd]
  const values: Float64Array[] = [];  // [T][nKv*hd]
  const queries: Float64Array[] = []; // [T][nH*hd]
  const normed: Float64Array[] = [];  // [T][d]
  const rotation = layerRope(spec, l);  // null: this layer has no RoPE
  const freqs = rotation && ropeFrequencies(rotation, T);
  const window = layerAttentionWindow(spec, l) ?? Infinity;
  const scale = spec.attentionScale ?? 1 / Math.sqrt(hd);
  for (let t = 0; t < T; t++) {
    const xn = modelNorm(spec, w, n.attnNorm, x[t]);
    normed.push(xn);
    let q = linear(get(w, n.q), xn, nH * hd, d, spec.attentionBias ? get(w, n.qBias) : undefined);
    let k = linear(get(w, n.k), xn, nKv * hd, d, spec.attentionBias ? get(w, n.kBias) : undefined);
    const v = linear(get(w, n.v), xn, nKv * hd, d, spec.attentionBias ? get(w, n.vBias) : undefined);
    if (spec.qkNorm) {
      q = headNorm(spec, q, nH, get(w, n.qNorm));
      k = headNorm(spec, k, nKv, get(w, n.kNorm));
    }
    if (freqs) {
      rope(q, nH, hd, t, freqs.invFreq, freqs.attentionScaling);
      rope(k, nKv, hd, t, freqs.invFreq, freqs.attentionScaling);
    }
    queries.push(q); keys.push(k); values.push(v);
  }
  hook?.('attnIn', normed);
  const atts: Float64Array[] = [];   // [T][nH*hd]
  for (let t = 0; t < T; t++) {
    const att = new Float64Array(nH * hd);
    for (let h = 0; h < nH; h++) {
      const kvh = Math.floor(h / group);
      const first = Math.max(0, t + 1 - window); // a sliding-window layer sees its last `window` keys
      const scores = new Float64Array(t + 1);
      let max = -Infinity;
      for (let s = first; s <= t; s++) {
        let dot = 0;
        for (let i = 0; i < hd; i++) dot += queries[t][h * hd + i] * keys[s][kvh * hd + i];
        scores[s] = dot * scale;
        if (scores[s] > max) max = scores[s];
      }
      let sum = 0;
      for (let s = first; s <= t; s++) { scores[s] = Math.exp(scores[s] - max); sum += scores[s]; }
      for (let s = first; s <= t; s++) {
        const p = scores[s] / sum;
        for (let i = 0; i < hd; i++) att[h * hd + i] += p * values[s][kvh * hd + i];
      }
    }
    atts.push(att);
  }
  hook?.('oIn', atts);
  const h1s: Float64Array[] = [], hns: Float64Array[] = [], acts: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const o = linear(get(w, n.o), atts[t], d, nH * hd, spec.oProjBias ? get(w, n.oBias) : undefined);
    const oOut = spec.sandwichNorms ? specNorm(spec, o, get(w, n.attnOutNorm)) : o;
    const h1 = x[t].map((v, i) => v + oOut[i]);
    const hn = modelNorm(spec, w, n.mlpNorm, h1);
    const u = linear(get(w, n.up), hn, f, d, spec.mlpBias ? get(w, n.upBias) : undefined);
    h1s.push(h1); hns.push(hn);
    if (spec.plainMlp) {
      acts.push(u.map((uv) => activationReference(uv, spec.mlpActivation)));
    } else {
      const g = linear(get(w, n.gate), hn, f, d, spec.mlpBias ? get(w, n.gateBias) : undefined);
      acts.push(g.map((gv, i) => activationReference(gv, spec.mlpActivation) * u[i]));
    }
  }
  hook?.('mlpIn', hns);
  hook?.('downIn', acts);
  return h1s.map((h1, t) => {
    const down = linear(get(w, n.down), acts[t], d, f, spec.mlpBias ? get(w, n.downBias) : undefined);
    const downOut = spec.sandwichNorms ? specNorm(spec, down, get(w, n.mlpOutNorm)) : down;
    return h1.map((v, i) => v + downOut[i]);
  });
}

/** Final norm and lm_head: [T][V]. */
export function referenceHead(spec: ModelSpec, w: ReferenceWeights, x: Float64Array[]): Float64Array[] {
  const head = spec.tieWordEmbeddings ? get(w, tensorNames.embed) : get(w, tensorNames.lmHead); // [V, d]
  const cap = spec.finalLogitSoftcap;
  return x.map((row) => {
    const logits = linear(head, modelNorm(spec, w, tensorNames.finalNorm, row), spec.vocabSize, spec.hiddenSize);
    return cap ? logits.map((v) => Math.tanh(v / cap) * cap) : logits;
  });
}

/**
 * Logits for every position of `tokens` (one window, positions 0..T-1).
 * Returns [T][vocab] as float64 rows.
 */
export function referenceLogits(spec: ModelSpec, w: ReferenceWeights, tokens: number[]): Float64Array[] {
  let x = referenceEmbed(spec, w, tokens);
  for (let l = 0; l < spec.numLayers; l++) x = referenceLayer(spec, w, l, x);
  return referenceHead(spec, w, x);
}

/** Sum of next-token NLL over positions 0..T-2 given the window's logits rows. */
export function referenceNllFromLogits(logits: Float64Array[], tokens: number[]): { sum: number; count: number } {
  let sum = 0;
  for (let t = 0; t + 1 < tokens.length; t++) {
    const row = logits[t];
    let max = -Infinity;
    for (const v of row) if (v > max) max = v;
    let z = 0;
    for (const v of row) z += Math.exp(v - max);
    sum += max + Math.log(z) - row[tokens[t + 1]];
  }
  return { sum, count: tokens.length - 1 };
}

/** Sum of next-token NLL over positions 0..T-2 of one window (predicting tokens 1..T-1). */
export function referenceWindowNll(spec: ModelSpec, w: ReferenceWeights, tokens: number[]): { sum: number; count: number } {
  return referenceNllFromLogits(referenceLogits(spec, w, tokens), tokens);
}
