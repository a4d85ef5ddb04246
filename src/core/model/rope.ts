// Rotary position embeddings as data: which RoPE each layer uses, its inverse frequencies and its attention
// scaling, computed as transformers' modeling_rope_utils.py computes them (_compute_default_rope_parameters,
// _compute_linear_scaling_rope_parameters, _compute_dynamic_ntk_parameters, _compute_yarn_parameters,
// _compute_longrope_parameters, _compute_llama3_parameters, and the dynamic / longrope frequency updates of
// dynamic_rope_update). Values are float64 here; transformers computes them in float32 (differences ~1e-7).
import type { ModelSpec } from './spec.ts';

/** A RoPE scheme beyond the plain one (theta and the rotary width live in RopeParams). */
export type RopeScaling =
  | { type: 'default' }
  | { type: 'linear'; factor: number }
  | { type: 'dynamic'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number }
  | { type: 'yarn'; factor: number; originalMaxPositions: number; attentionFactor?: number; betaFast: number;
      betaSlow: number; mscale?: number; mscaleAllDim?: number; truncate: boolean }
  | { type: 'longrope'; shortFactor: number[]; longFactor: number[]; factor: number; originalMaxPositions: number;
      attentionFactor?: number };

export type RopeType = RopeScaling['type'];
export const ROPE_TYPES: readonly RopeType[] = ['default', 'linear', 'dynamic', 'llama3', 'yarn', 'longrope'];

/** Everything that decides one layer's rotation. */
export interface RopeParams {
  theta: number;
  /** Rotated leading dimensions of each head (head_dim * partial_rotary_factor, even); the rest pass through. */
  rotaryDim: number;
  /** max_position_embeddings (dynamic NTK compares the sequence length with it). */
  maxPositions: number;
  scaling: RopeScaling;
}

/** The rotation of layer l, or null for a layer without RoPE (SmolLM3's no_rope_layers; every layer of a model
 * with learned positions). */
export function layerRope(spec: ModelSpec, l: number): RopeParams | null {
  if (spec.learnedPositions || spec.noRopeLayers?.includes(l)) return null;
  // Gemma 3's sliding-window layers rotate with their own base (rope_local_base_freq) and no scaling.
  const own = spec.slidingRope && spec.slidingLayers?.includes(l) ? spec.slidingRope : undefined;
  return {
    theta: own ? own.theta : spec.ropeTheta,
    rotaryDim: spec.rotaryDim ?? spec.headDim,
    maxPositions: spec.maxPositions,
    scaling: (own ? own.scaling : spec.ropeScaling) ?? { type: 'default' },
  };
}

/** A stable key: layers with equal keys share one cos/sin table. */
export function ropeKey(r: RopeParams): string {
  return JSON.stringify(r);
}

/**
 * inv_freq [rotaryDim/2] and the factor transformers multiplies cos and sin by, for a forward over `seqLen`
 * positions (dynamic and longrope depend on it exactly as transformers' dynamic_rope_update makes them).
 */
export function ropeFrequencies(r: RopeParams, seqLen: number): { invFreq: Float64Array; attentionScaling: number } {
  const dim = r.rotaryDim;
  const half = dim / 2;
  const base = (theta: number) => Float64Array.from({ length: half }, (_, i) => 1 / Math.pow(theta, (2 * i) / dim));
  const s = r.scaling;
  switch (s.type) {
    case 'default':
      return { invFreq: base(r.theta), attentionScaling: 1 };
    case 'linear':
      return { invFreq: base(r.theta).map((f) => f / s.factor), attentionScaling: 1 };
    case 'dynamic': {
      // Recomputed only once the sequence outgrows max_position_embeddings; below it, the init-time value
      // (seq_len = max_position_embeddings) leaves the base unchanged.
      const len = Math.max(seqLen, r.maxPositions);
      const theta = r.theta * Math.pow((s.factor * len) / r.maxPositions - (s.factor - 1), dim / (dim - 2));
      return { invFreq: base(theta), attentionScaling: 1 };
    }
    case 'llama3': {
      const lowWavelen = s.originalMaxPositions / s.lowFreqFactor;
      const highWavelen = s.originalMaxPositions / s.highFreqFactor;
      const invFreq = base(r.theta).map((f) => {
        const wavelen = (2 * Math.PI) / f;
        if (wavelen < highWavelen) return f;
        if (wavelen > lowWavelen) return f / s.factor;
        const smooth = (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        return (1 - smooth) * (f / s.factor) + smooth * f;
      });
      return { invFreq, attentionScaling: 1 };
    }
    case 'yarn': {
      const mscaleOf = (scale: number, m = 1) => (scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1);
      const attentionScaling = s.attentionFactor ??
        (s.mscale && s.mscaleAllDim ? mscaleOf(s.factor, s.mscale) / mscaleOf(s.factor, s.mscaleAllDim) : mscaleOf(s.factor));
      const correctionDim = (rotations: number) =>
        (dim * Math.log(s.originalMaxPositions / (rotations * 2 * Math.PI))) / (2 * Math.log(r.theta));
      let low = correctionDim(s.betaFast), high = correctionDim(s.betaSlow);
      if (s.truncate) { low = Math.floor(low); high = Math.ceil(high); }
      low = Math.max(low, 0);
      high = Math.min(high, dim - 1);
      if (low === high) high += 0.001; // transformers' guard against a zero-width ramp
      const invFreq = base(r.theta).map((extrapolation, i) => {
        const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
        const extrapolationWeight = 1 - ramp;
        return (extrapolation / s.factor) * (1 - extrapolationWeight) + extrapolation * extrapolationWeight;
      });
      return { invFreq, attentionScaling };
    }
    case 'longrope': {
      const attentionScaling = s.attentionFactor ??
        (s.factor <= 1 ? 1 : Math.sqrt(1 + Math.log(s.factor) / Math.log(s.originalMaxPositions)));
      const ext = seqLen > s.originalMaxPositions ? s.longFactor : s.shortFactor;
      const invFreq = base(r.theta).map((f, i) => f / ext[i]);
      return { invFreq, attentionScaling };
    }
  }
}

/** Whether forwards over `a` and over `b` positions rotate with different frequencies (longrope across its original
 * context; dynamic NTK past max_position_embeddings): a table built for one is wrong for the other. */
export function ropeDiffersByLength(r: RopeParams, a: number, b: number): boolean {
  if (a === b) return false;
  const x = ropeFrequencies(r, a), y = ropeFrequencies(r, b);
  return x.attentionScaling !== y.attentionScaling || x.invFreq.some((f, i) => f !== y.invFreq[i]);
}

/** cos/sin (times the attention scaling) of every (position, pair): [rows, rotaryDim/2] x (cos, sin), for a forward
 * over `seqLen` positions (default rows; dynamic and longrope depend on it). */
export function ropeTableValues(r: RopeParams, rows: number, seqLen = rows): Float32Array {
  const { invFreq, attentionScaling } = ropeFrequencies(r, seqLen);
  const half = invFreq.length;
  const table = new Float32Array(rows * half * 2);
  for (let p = 0; p < rows; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * invFreq[i];
      table[(p * half + i) * 2] = Math.cos(angle) * attentionScaling;
      table[(p * half + i) * 2 + 1] = Math.sin(angle) * attentionScaling;
    }
  }
  return table;
}
