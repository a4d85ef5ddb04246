// The RoPE of a config.json, as transformers 5 writes it (rope_parameters: {rope_type, rope_theta, ...}) and as
// transformers 4 did (top-level rope_theta and partial_rotary_factor, rope_scaling: {type | rope_type, ...}).
// transformers' RotaryEmbeddingConfigMixin.standardize_rope_params merges the two the same way. A value present
// under either name is used, never a default; the two names disagreeing is an error, not a guess.
import { BadModelFile, UnsupportedArchitecture } from '../errors.ts';
import { ROPE_TYPES, type RopeScaling, type RopeType } from '../model/rope.ts';
import { quote } from '../quote.ts';

export interface HfRope {
  ropeTheta: number;
  ropeScaling?: RopeScaling;
  /** Only when partial_rotary_factor < 1. */
  rotaryDim?: number;
}

/** Keys each rope_type may carry (besides rope_type / type / rope_theta / partial_rotary_factor). */
const KEYS: Record<RopeType, readonly string[]> = {
  default: [],
  linear: ['factor'],
  dynamic: ['factor', 'original_max_position_embeddings'],
  llama3: ['factor', 'low_freq_factor', 'high_freq_factor', 'original_max_position_embeddings'],
  yarn: ['factor', 'original_max_position_embeddings', 'attention_factor', 'beta_fast', 'beta_slow', 'mscale', 'mscale_all_dim', 'truncate'],
  longrope: ['short_factor', 'long_factor', 'factor', 'original_max_position_embeddings', 'attention_factor'],
};

/** A short, bounded rendering of a config value for an error message. */
export const quoteConfigValue = (v: unknown): string => quote(v);

/** Config-class quirks: legacy rope type names it maps (Phi-3: "su" / "yarn" are longrope), and the original
 *  context when no key gives it (Phi3Config: 4096; otherwise max_position_embeddings). */
export interface RopeQuirks { typeAliases?: Readonly<Record<string, RopeType>>; defaultOriginalMax?: number }

export function readHfRope(c: Record<string, unknown>, modelType: string, headDim: number, maxPositions: number,
  defaultTheta: number, file: string, quirks: RopeQuirks = {}): HfRope {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const key of ['rope_parameters', 'rope_scaling']) {
    if (c[key] != null && !isObject(c[key])) throw new BadModelFile(file, `"${key}" must be an object or null, got ${quoteConfigValue(c[key])}`);
  }
  const params = (c.rope_parameters ?? undefined) as Record<string, unknown> | undefined;
  const legacy = (c.rope_scaling ?? undefined) as Record<string, unknown> | undefined;
  if (params && ['full_attention', 'sliding_attention'].some((k) => k in params)) {
    throw new UnsupportedArchitecture(modelType, `rope_parameters per layer type (${Object.keys(params).map((k) => `"${k}"`).join(', ')}) ` +
      'is not implemented for this architecture');
  }
  // One value from every place transformers reads it; present in two places with different values: refuse.
  const pick = (what: string, ...places: Array<[string, Record<string, unknown> | undefined, string]>): unknown => {
    let found: { where: string; value: unknown } | undefined;
    for (const [where, obj, key] of places) {
      const value = obj?.[key];
      if (value == null) continue;
      if (found && JSON.stringify(found.value) !== JSON.stringify(value)) {
        throw new BadModelFile(file, `${what} is given twice with different values: ${found.where} = ${quoteConfigValue(found.value)} ` +
          `but ${where} = ${quoteConfigValue(value)}`);
      }
      found ??= { where, value };
    }
    return found?.value;
  };
  const typeValue = pick('the rope type', ['rope_parameters.rope_type', params, 'rope_type'], ['rope_parameters.type', params, 'type'],
    ['rope_scaling.rope_type', legacy, 'rope_type'], ['rope_scaling.type', legacy, 'type']) ?? 'default';
  const aliased = quirks.typeAliases?.[typeValue as string] ?? typeValue;
  if (!ROPE_TYPES.includes(aliased as RopeType)) {
    const where = params ? 'rope_parameters.rope_type' : 'rope_scaling.type';
    throw new UnsupportedArchitecture(modelType, `${where} ${quoteConfigValue(typeValue)} is not implemented ` +
      `(implemented: ${ROPE_TYPES.join(', ')})`);
  }
  const type = aliased as RopeType;
  const thetaValue = pick('rope_theta', ['rope_parameters.rope_theta', params, 'rope_theta'], ['rope_theta', c, 'rope_theta'],
    ['rope_scaling.rope_theta', legacy, 'rope_theta']) ?? defaultTheta;
  const positive = (name: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new BadModelFile(file, `"${name}" must be a positive number, got ${quoteConfigValue(v)}`);
    return v;
  };
  const ropeTheta = positive('rope_theta', thetaValue);
  const prf = pick('partial_rotary_factor', ['rope_parameters.partial_rotary_factor', params, 'partial_rotary_factor'],
    ['partial_rotary_factor', c, 'partial_rotary_factor']);
  let rotaryDim: number | undefined;
  if (prf != null) {
    const f = positive('partial_rotary_factor', prf);
    if (f > 1) throw new BadModelFile(file, `"partial_rotary_factor" must be in (0, 1], got ${f}`);
    const dim = Math.floor(headDim * f); // transformers: int(head_dim * partial_rotary_factor)
    if (dim < 2 || dim % 2) throw new BadModelFile(file, `head_dim ${headDim} x partial_rotary_factor ${f} = ${dim} rotated dimensions: must be even and >= 2`);
    if (dim !== headDim) rotaryDim = dim;
  }
  if (type === 'default') {
    const extra = Object.keys(legacy ?? {}).filter((k) => !['type', 'rope_type', 'rope_theta'].includes(k));
    if (extra.length) throw new UnsupportedArchitecture(modelType, `rope_scaling key "${extra[0]}" with rope type default is not implemented`);
    return { ropeTheta, ...(rotaryDim ? { rotaryDim } : {}) };
  }

  // The scaling's own keys, from whichever object holds them (v5: rope_parameters; v4: rope_scaling).
  const s = { ...(legacy ?? {}), ...(params ?? {}) };
  const known = new Set([...KEYS[type], 'type', 'rope_type', 'rope_theta', 'partial_rotary_factor']);
  const unknown = Object.keys(s).find((k) => !known.has(k));
  if (unknown) throw new UnsupportedArchitecture(modelType, `rope key "${unknown}" of rope type "${type}" is not implemented`);
  const where = params ? 'rope_parameters' : 'rope_scaling';
  const need = (key: string): number => {
    if (s[key] == null) throw new BadModelFile(file, `rope type "${type}" needs ${where}.${key}`);
    return positive(`${where}.${key}`, s[key]);
  };
  const opt = (key: string): number | undefined => (s[key] == null ? undefined : positive(`${where}.${key}`, s[key]));
  // Phi-3 keeps original_max_position_embeddings at the top level; standardize_rope_params moves it in.
  const originalMax = (): number | undefined => {
    const v = pick('original_max_position_embeddings', [`${where}.original_max_position_embeddings`, s, 'original_max_position_embeddings'],
      ['original_max_position_embeddings', c, 'original_max_position_embeddings']);
    return v == null ? undefined : positive('original_max_position_embeddings', v);
  };
  const half = (rotaryDim ?? headDim) / 2;
  const factors = (key: string): number[] => {
    const v = s[key];
    if (!Array.isArray(v) || v.length !== half || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
      throw new BadModelFile(file, `${where}.${key} must be ${half} positive numbers (rotary dimensions / 2), got ${quoteConfigValue(v)}`);
    }
    return v as number[];
  };
  let ropeScaling: RopeScaling;
  switch (type) {
    case 'linear': ropeScaling = { type, factor: need('factor') }; break;
    case 'dynamic': ropeScaling = { type, factor: need('factor') }; break;
    case 'llama3': {
      const orig = originalMax();
      if (orig === undefined) throw new BadModelFile(file, `rope type "llama3" needs ${where}.original_max_position_embeddings`);
      ropeScaling = { type, factor: need('factor'), lowFreqFactor: need('low_freq_factor'), highFreqFactor: need('high_freq_factor'), originalMaxPositions: orig };
      break;
    }
    case 'yarn': {
      const orig = originalMax() ?? quirks.defaultOriginalMax ?? maxPositions;
      const truncate = s.truncate ?? true;
      if (typeof truncate !== 'boolean') throw new BadModelFile(file, `${where}.truncate must be true or false, got ${quoteConfigValue(truncate)}`);
      const attentionFactor = opt('attention_factor'), mscale = opt('mscale'), mscaleAllDim = opt('mscale_all_dim');
      ropeScaling = { type, factor: opt('factor') ?? maxPositions / orig, originalMaxPositions: orig, betaFast: opt('beta_fast') ?? 32,
        betaSlow: opt('beta_slow') ?? 1, truncate,
        ...(attentionFactor !== undefined ? { attentionFactor } : {}), ...(mscale !== undefined ? { mscale } : {}),
        ...(mscaleAllDim !== undefined ? { mscaleAllDim } : {}) };
      break;
    }
    case 'longrope': {
      const orig = originalMax() ?? quirks.defaultOriginalMax ?? maxPositions;
      const attentionFactor = opt('attention_factor');
      ropeScaling = { type, shortFactor: factors('short_factor'), longFactor: factors('long_factor'),
        factor: opt('factor') ?? maxPositions / orig, originalMaxPositions: orig, ...(attentionFactor !== undefined ? { attentionFactor } : {}) };
      break;
    }
  }
  return { ropeTheta, ropeScaling, ...(rotaryDim ? { rotaryDim } : {}) };
}

/** The RoPE keys of a config.json: transformers 4's rope_theta / rope_scaling / partial_rotary_factor (read by 4
 *  and 5 alike), or transformers 5's rope_parameters. */
export function hfRopeKeys(r: HfRope, headDim: number, layout: 'transformers4' | 'transformers5' = 'transformers4'): Record<string, unknown> {
  const s = r.ropeScaling;
  let scaling: Record<string, unknown> | null = null;
  if (s) {
    switch (s.type) {
      case 'default': scaling = null; break;
      case 'linear': case 'dynamic': scaling = { rope_type: s.type, factor: s.factor }; break;
      case 'llama3': scaling = { rope_type: s.type, factor: s.factor, low_freq_factor: s.lowFreqFactor, high_freq_factor: s.highFreqFactor,
        original_max_position_embeddings: s.originalMaxPositions }; break;
      case 'yarn': scaling = { rope_type: s.type, factor: s.factor, original_max_position_embeddings: s.originalMaxPositions,
        beta_fast: s.betaFast, beta_slow: s.betaSlow, truncate: s.truncate,
        ...(s.attentionFactor !== undefined ? { attention_factor: s.attentionFactor } : {}),
        ...(s.mscale !== undefined ? { mscale: s.mscale } : {}), ...(s.mscaleAllDim !== undefined ? { mscale_all_dim: s.mscaleAllDim } : {}) }; break;
      case 'longrope': scaling = { rope_type: s.type, short_factor: s.shortFactor, long_factor: s.longFactor, factor: s.factor,
        original_max_position_embeddings: s.originalMaxPositions, ...(s.attentionFactor !== undefined ? { attention_factor: s.attentionFactor } : {}) }; break;
    }
  }
  const partial = r.rotaryDim ? { partial_rotary_factor: r.rotaryDim / headDim } : {};
  if (layout === 'transformers5') return { rope_parameters: { rope_type: 'default', ...scaling, rope_theta: r.ropeTheta, ...partial } };
  return { rope_theta: r.ropeTheta, rope_scaling: scaling, ...partial };
}
