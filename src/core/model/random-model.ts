// Seeded random models in Hugging Face layout (config.json + model.safetensors) for tests and benchmarks at
// real model shapes. Random weights are fine for speed and plumbing, never for pruning quality.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { type ByteSource, bytesSource } from '../formats/byte-source.ts';
import { f32ToBf16Bits, f32ToF16Bits } from '../formats/float-codec.ts';
import { specToHfConfig, type HfConfigLayout } from '../formats/hf-config.ts';
import { concatBytes, safetensorsHeaderBytes } from '../formats/safetensors.ts';
import { expectedShapes, tensorNames, type ModelSpec } from './spec.ts';
import { fusedTensors, fuseTensorList, transposeStacked } from './fused-tensors.ts';

export interface RandomModelOptions {
  seed: number;
  dtype: 'F32' | 'F16' | 'BF16';
  /** Multiplies every weight's spread (default 1: linear layers keep activations near unit variance). */
  scale?: number;
  /** config.json keys as transformers 4 (default) or 5 writes them (rope_parameters, dtype). */
  layout?: HfConfigLayout;
}

export interface RandomHfModel {
  configJson: string;
  safetensors: Uint8Array;
}

const TORCH_DTYPE = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' } as const;

/**
 * Every tensor of expectedShapes(spec) (biases when attentionBias, lm_head when untied), drawn in that order
 * from one xoroshiro128+ stream: the same seed gives the same values whatever the dtype (then rounded).
 * Norm weights are 1 +- 0.1, biases +-0.1, embeddings +-1, linear [out, in] weights U(-a, a) with
 * a = sqrt(3 / in) (unit variance in, unit variance out), all times `scale`.
 */
export function randomHfModel(spec: ModelSpec, opts: RandomModelOptions): RandomHfModel {
  const scale = opts.scale ?? 1;
  const shapes = [...expectedShapes(spec)];
  const elemBytes = opts.dtype === 'F32' ? 4 : 2;
  // Canonical tensors first (one stream in canonical order), then the Hub layout: fused / renamed / transposed.
  const rng = xoroshiro128plus(opts.seed);
  const uniform = () => rng.next() / 0x80000000; // [-1, 1)
  const canonical = new Map<string, Uint8Array>();
  for (const [name, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const { center, spread } = distribution(name, shape, scale, spec);
    const bytes = new Uint8Array(n * elemBytes);
    if (opts.dtype === 'F32') {
      const dst = new Float32Array(bytes.buffer);
      for (let j = 0; j < n; j++) dst[j] = center + spread * uniform();
    } else {
      const dst = new Uint16Array(bytes.buffer);
      const enc = opts.dtype === 'F16' ? f32ToF16Bits : f32ToBf16Bits;
      for (let j = 0; j < n; j++) dst[j] = enc(center + spread * uniform());
    }
    canonical.set(name, bytes);
  }
  const fused = fusedTensors(spec);
  const stored = fuseTensorList(shapes.map(([name, shape]) => ({ name, dtype: opts.dtype, shape })), fused);
  const { header, dataLength } = safetensorsHeaderBytes(stored, { format: 'pt', generator: `prunelab random-model seed ${opts.seed}` });
  const out = new Uint8Array(header.length + dataLength);
  out.set(header);
  const byName = new Map(fused.map((f) => [f.name, f]));
  let at = header.length;
  for (const t of stored) {
    const f = byName.get(t.name);
    const parts = (f?.parts ?? [t.name]).map((p) => canonical.get(p)!);
    let bytes = parts.length === 1 ? parts[0] : concatBytes(parts);
    if (f?.transposed) bytes = transposeStacked(bytes, f.parts.map((p) => shapeOf(shapes, p)[0]), shapeOf(shapes, f.parts[0])[1], elemBytes);
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  const layout = opts.layout ?? 'transformers4';
  const config = { ...specToHfConfig(spec, layout), [layout === 'transformers5' ? 'dtype' : 'torch_dtype']: TORCH_DTYPE[opts.dtype] };
  return { configJson: JSON.stringify(config, null, 2), safetensors: out };
}

const shapeOf = (shapes: Array<[string, number[]]>, name: string) => shapes.find(([n]) => n === name)![1];

function distribution(name: string, shape: number[], scale: number, spec: ModelSpec): { center: number; spread: number } {
  // Gemma's norms scale by (1 + w): stored weights near 0 give the same near-unit scales.
  if (name.endsWith('norm.weight')) return { center: spec.normUnitOffset ? 0 : 1, spread: 0.1 * scale };
  if (name.endsWith('.bias')) return { center: 0, spread: 0.1 * scale };
  if (name === tensorNames.embed) return { center: 0, spread: scale };
  if (name === tensorNames.positions) return { center: 0, spread: 0.3 * scale };
  return { center: 0, spread: scale * Math.sqrt(3 / shape[shape.length - 1]) };
}

/** The random model as the files loadModel expects (load with { requireTokenizer: false }). */
export function randomModelSources(spec: ModelSpec, opts: RandomModelOptions): ByteSource[] {
  const m = randomHfModel(spec, opts);
  return [bytesSource(new TextEncoder().encode(m.configJson), 'config.json'), bytesSource(m.safetensors, 'model.safetensors')];
}
