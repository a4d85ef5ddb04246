// One line each for what distinguishes an architecture beyond its widths: its RoPE and its layer pattern
// (NoPE layers, sliding-window layers, q/k norms, Gemma's norms, activation and soft-cap). Shown on the studio's model card and by the CLI.
import { layerAttentionWindow, type ModelSpec } from './spec.ts';

/** e.g. "llama3 (theta 500000, factor 32, original context 8192)", "default (theta 10000)". */
export function describeRope(spec: ModelSpec): string {
  if (spec.learnedPositions) {
    return `none: learned absolute positions (${spec.maxPositions}${spec.learnedPositions.offset ? `, offset ${spec.learnedPositions.offset}` : ''})`;
  }
  const s = spec.ropeScaling;
  const parts = [`theta ${spec.ropeTheta}`];
  if (spec.rotaryDim !== undefined) parts.push(`${spec.rotaryDim} of ${spec.headDim} dims rotated`);
  if (s && s.type !== 'default') {
    if ('factor' in s) parts.push(`factor ${s.factor}`);
    if ('originalMaxPositions' in s) parts.push(`original context ${s.originalMaxPositions}`);
  }
  return `${s?.type ?? 'default'} (${parts.join(', ')})`;
}

/** Runs of equal layers, e.g. "0-2 RoPE + full attention · 3 NoPE + full attention", plus "q/k norms" when set. */
export function describeLayerPattern(spec: ModelSpec): string {
  const noRope = new Set(spec.noRopeLayers ?? []);
  const kind = (l: number) => {
    const w = layerAttentionWindow(spec, l);
    return `${spec.learnedPositions ? 'learned positions' : noRope.has(l) ? 'NoPE' : 'RoPE'} + ${w === null ? 'full attention' : `sliding window ${w}`}`;
  };
  const runs: string[] = [];
  for (let l = 0; l < spec.numLayers;) {
    let end = l;
    while (end + 1 < spec.numLayers && kind(end + 1) === kind(l)) end++;
    runs.push(`${l === end ? l : `${l}-${end}`} ${kind(l)}`);
    l = end + 1;
  }
  const text = runs.length === 1 ? `all layers ${kind(0)}` : runs.join(' · ');
  const extras = [
    ...(spec.qkNorm ? ['q/k norms'] : []),
    ...(spec.sandwichNorms ? ['pre + post norms around attention and MLP'] : []),
    ...(spec.normUnitOffset ? ['(1 + w) norms'] : []),
    ...(spec.layerNorm ? ['LayerNorms with bias'] : []),
    ...(spec.plainMlp ? [`plain MLP (${spec.mlpActivation === 'relu' ? 'relu' : 'gelu tanh'})`]
      : spec.mlpActivation === 'gelu_tanh' ? ['GeGLU (gelu tanh)'] : []),
    ...(spec.slidingRope ? [`sliding layers RoPE theta ${spec.slidingRope.theta}`] : []),
    ...(spec.finalLogitSoftcap ? [`logits soft-capped at ${spec.finalLogitSoftcap}`] : []),
  ];
  return [text, ...extras].join('; ');
}
