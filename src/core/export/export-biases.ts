// Biases an export must write that its source does not have: FLAP's compensated o_proj / down_proj biases, and
// the zero biases a Hugging Face config forces next to them (LlamaConfig's attention_bias gives q, k, v AND o
// biases; mlp_bias gives gate, up AND down biases). Qwen2Config / MistralConfig cannot express o / MLP biases at
// all, so such a model is exported as LlamaForCausalLM, which computes the same function (Qwen2 = Llama with
// q/k/v biases; sliding-window attention is off in Prunelab's evaluation either way).
import type { KeptUnits } from '../prune/compaction.ts';
import { expectedShapes, nonLlamaFeatures, tensorNames, type Architecture, type ModelSpec } from '../model/spec.ts';
import { BadRequest } from '../errors.ts';

// Config classes with attention_bias (q, k, v and o together) and with mlp_bias (gate, up and down together);
// GPT-2 has every bias, OPT every bias with enable_bias (a source without them gets zeros, as llama's would).
const O_BIAS_CONFIGS: ReadonlySet<Architecture> = new Set(['llama', 'qwen3', 'smollm3', 'gpt2', 'opt']);
const MLP_BIAS_CONFIGS: ReadonlySet<Architecture> = new Set(['llama', 'smollm3', 'gpt2', 'opt']);

export interface BiasedSpec {
  /** The spec with the bias flags (and architecture) the export's config.json must say. */
  spec: ModelSpec;
  notes: string[];
}

/** Why this spec's config cannot carry FLAP's compensated o_proj (o) / down_proj (down) biases, or null. */
export function flapBiasRefusal(spec: ModelSpec, o = true, down = true): string | null {
  if ((!o || O_BIAS_CONFIGS.has(spec.architecture)) && (!down || MLP_BIAS_CONFIGS.has(spec.architecture))) return null;
  // Llama computes the same function only when nothing else distinguishes the source from it.
  const differs = nonLlamaFeatures(spec);
  return differs.length ? `FLAP's compensated ${o ? 'o_proj' : 'down_proj'} biases cannot be written in a ${spec.architecture} ` +
    `config, nor as llama (its ${differs.join(', ')} are not llama): prune without bias compensation or export ONNX` : null;
}

/** The dense spec as the export describes it: with o / MLP biases when some layer's pruning set them. `forConfig`
 * (safetensors exports): the biases must be expressible in a config.json, as the source's architecture or as llama;
 * ONNX takes the biases as they are. */
export function biasedSpec(spec: ModelSpec, kept: readonly KeptUnits[] | undefined, forConfig = true): BiasedSpec {
  const o = !!kept?.some((k) => k.oBias), down = !!kept?.some((k) => k.downBias);
  if (!o && !down) return { spec, notes: [] };
  const out: ModelSpec = { ...spec };
  const notes: string[] = [];
  if (o) { out.oProjBias = true; out.attentionBias = true; }
  if (down) out.mlpBias = true;
  notes.push(`FLAP bias compensation: o_proj${down ? ' and down_proj' : ''} biases written (config ${o ? 'attention_bias' : ''}` +
    `${o && down ? ' and ' : ''}${down ? 'mlp_bias' : ''} true; the q/k/v${down ? ', gate/up' : ''} biases the source lacks are written as zeros)`);
  if (forConfig && ((o && !O_BIAS_CONFIGS.has(spec.architecture)) || (down && !MLP_BIAS_CONFIGS.has(spec.architecture)))) {
    const refusal = flapBiasRefusal(spec, o, down);
    if (refusal) throw new BadRequest(refusal);
    out.architecture = 'llama';
    notes.push(`a ${spec.architecture} config cannot express o_proj / MLP biases: written as LlamaForCausalLM (model_type llama), ` +
      'which computes the same function');
  }
  return { spec: out, notes };
}

/**
 * f32 values of the bias tensors to write from memory rather than from the source, at the exported shapes of
 * `spec` (dense or compacted): each layer's compensated o / down bias, and zeros for every other bias the
 * source lacks.
 */
export function biasValues(spec: ModelSpec, kept: readonly KeptUnits[] | undefined, sourceHas: (name: string) => boolean): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  const shapes = expectedShapes(spec);
  for (let l = 0; l < spec.numLayers; l++) {
    const n = tensorNames.layer(l);
    const k = kept?.[l];
    if (k?.oBias) values.set(n.oBias, Float32Array.from(k.oBias));
    if (k?.downBias) values.set(n.downBias, Float32Array.from(k.downBias));
    for (const name of [n.qBias, n.kBias, n.vBias, n.oBias, n.gateBias, n.upBias, n.downBias]) {
      const shape = shapes.get(name);
      if (shape && !values.has(name) && !sourceHas(name)) values.set(name, new Float32Array(shape[0]));
    }
  }
  return values;
}
