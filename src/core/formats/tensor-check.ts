// Checks that a format's tensor table holds every tensor the spec needs, with the shape the engine expects.
import { BadModelFile } from '../errors.ts';
import type { TensorEntry } from '../model/loaded-model.ts';
import { expectedShapes, type ModelSpec } from '../model/spec.ts';

/**
 * Returns only the tensors the engine reads (canonical names), in expectedShapes order.
 * Extra tensors (e.g. old checkpoints' rotary_emb.inv_freq) are ignored.
 */
export function checkTensors(spec: ModelSpec, tensors: Map<string, TensorEntry>, file: string): Map<string, TensorEntry> {
  const out = new Map<string, TensorEntry>();
  for (const [name, shape] of expectedShapes(spec)) {
    const t = tensors.get(name);
    if (!t) throw new BadModelFile(file, `missing tensor "${name}" (expected shape [${shape.join(', ')}])`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new BadModelFile(t.source.name, `tensor "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] from the model config`, t.byteOffset);
    }
    out.set(name, t);
  }
  return out;
}
