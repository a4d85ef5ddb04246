// Checks that a format's tensor table holds every tensor the spec needs, with the shape the engine expects.
import { BadModelFile } from '../errors.ts';
import type { TensorEntry } from '../model/loaded-model.ts';
import { expectedShapes, layersPresent, type ModelSpec } from '../model/spec.ts';

/** More layers than any model has (the largest published ones have a few hundred): a config or header claiming
 *  more is refused before anything per layer is built (fuzzed: 1e9 layers ran out of memory building the spec). */
export const MAX_LAYERS = 1 << 16;

/**
 * Returns only the tensors the engine reads (canonical names), in expectedShapes order.
 * Extra tensors (e.g. old checkpoints' rotary_emb.inv_freq) are ignored.
 */
export function checkTensors(spec: ModelSpec, tensors: Map<string, TensorEntry>, file: string): Map<string, TensorEntry> {
  // A config claiming far more layers than the weights hold (fuzzed: 1e6) must not build millions of expected
  // entries first: check up to the first absent layer, which reports its first missing tensor as the full check would.
  const present = layersPresent(tensors.keys());
  const checked = spec.numLayers > present ? { ...spec, numLayers: present + 1 } : spec;
  const out = new Map<string, TensorEntry>();
  for (const [name, shape] of expectedShapes(checked)) {
    const t = tensors.get(name);
    if (!t) throw new BadModelFile(file, `missing tensor "${name}" (expected shape [${shape.join(', ')}])`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new BadModelFile(t.source.name, `tensor "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] from the model config`, t.byteOffset);
    }
    out.set(name, t);
  }
  if (checked !== spec) throw new BadModelFile(file, `the model config has ${spec.numLayers} layers but the weights hold ${present}`);
  return out;
}
