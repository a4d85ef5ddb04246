// The pruned model's weights as float32, tensor by tensor, for the ONNX writer: compacted when the pruning was
// structured (exactly what the compact safetensors export keeps: the kept heads' q rows / o columns, the kept kv
// heads' k / v rows when whole kv-groups went, the kept channels' gate/up rows / down columns, and FLAP's
// compensated o / down biases, with zero biases where the source has none), the masked weights set to zero when
// it was unstructured, the source's values otherwise. Each read decodes one source tensor (F16 / BF16 / Q8_0 /
// interleaved rows included), or reads back one updated tensor (SparseGPT's overrides) from the GPU instead.
import { BadRequest } from '../../errors.ts';
import { readTensorF32 } from '../../formats/decode-tensor.ts';
import type { LoadedModel } from '../../model/loaded-model.ts';
import { expectedShapes, type ModelSpec } from '../../model/spec.ts';
import type { KeptUnits } from '../../prune/compaction.ts';
import { gatherColumnBytes, gatherRowBytes } from '../byte-gather.ts';
import { compactGathers, type Gather } from '../compact-export.ts';
import { compactLayout } from '../compact-layout.ts';
import { biasedSpec, biasValues } from '../export-biases.ts';
import { zeroPruned, type KeepMasks } from '../keep-masks.ts';
import type { WeightOverrides } from '../weight-overrides.ts';

/** What was pruned: kept heads and channels (structured) or kept-weight bitsets (unstructured); neither = dense.
 * `overrides` (unstructured only): updated weights read instead of the source's (SparseGPT). */
export interface PruneSelection {
  kept?: KeptUnits[];
  masks?: KeepMasks;
  overrides?: WeightOverrides;
}

export interface PrunedWeights {
  /** The spec of the model the weights describe (per-layer widths when the compacted layers differ). */
  spec: ModelSpec;
  /** Tensor name -> shape, every tensor the graph needs ([out, in] for linear maps). */
  shapes: Map<string, number[]>;
  /** `name` as row-major f32 values of shapes.get(name), a fresh array. */
  read(name: string): Promise<Float32Array>;
  /** Weights zeroed by the masks so far (unstructured). */
  readonly zeroed: number;
}

/** Fields of a structured selection this exporter writes; anything else would be silently dropped, so it is refused. */
const SUPPORTED_KEPT_FIELDS = new Set(['heads', 'channels', 'kvHeads', 'oBias', 'downBias']);

export function prunedWeights(model: LoadedModel, sel: PruneSelection): PrunedWeights {
  if (sel.kept && sel.masks) throw new BadRequest('a pruned model is either structured (kept units) or masked, not both');
  if (sel.overrides && !sel.masks) throw new BadRequest('updated weights (SparseGPT) are exported with their masks; none were given');
  if (sel.kept) return compactWeights(model, sel.kept);
  let zeroed = 0;
  const { masks, overrides } = sel;
  if (masks && model.spec.layerWidths) throw new BadRequest('masked ONNX export of a model with per-layer widths is not supported');
  return {
    spec: model.spec,
    shapes: expectedShapes(model.spec),
    get zeroed() { return zeroed; },
    async read(name) {
      const [N, K = 1] = model.tensors.get(name)?.shape ?? [];
      const values = overrides?.has(name) ? await overrides.read(name, N, K) : await source(model, name);
      if (!masks) return values;
      const bits = await masks.bits(name, N, K);               // [N, ceil(K/32)] u32, or null: nothing pruned
      if (bits) zeroed += zeroPruned(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 4, N, K, bits);
      return values;
    },
  };
}

function compactWeights(model: LoadedModel, kept: KeptUnits[]): PrunedWeights {
  kept.forEach((k, l) => {
    const extra = Object.entries(k).filter(([key, v]) => v !== undefined && !SUPPORTED_KEPT_FIELDS.has(key)).map(([key]) => key);
    if (extra.length > 0) {
      throw new BadRequest(`layer ${l}: the ONNX export does not know the kept units' ${extra.join(', ')}`);
    }
  });
  const layout = compactLayout(biasedSpec(model.spec, kept, false).spec, kept);
  const fromMemory = biasValues(layout.spec, kept, (name) => model.tensors.has(name)); // compensated / zero biases
  const plan = compactGathers(model, kept);
  return {
    spec: layout.spec,
    shapes: expectedShapes(layout.spec),
    zeroed: 0,
    async read(name) {
      const own = fromMemory.get(name);
      if (own) return own.slice();
      const values = await source(model, name);
      const g: Gather | undefined = plan.get(name);
      if (!g) return values;
      const [rows, cols = 1] = model.tensors.get(name)!.shape;
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      const out = 'rows' in g ? gatherRowBytes(bytes, rows, g.rows) : gatherColumnBytes(bytes, rows, cols, 4, g.cols);
      return new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4);
    },
  };
}

async function source(model: LoadedModel, name: string): Promise<Float32Array> {
  const entry = model.tensors.get(name);
  if (!entry) throw new BadRequest(`the model has no tensor ${name}`);
  return readTensorF32(entry);
}
