// Decodes every tensor of a loaded model to float64 for the CPU reference forward.
import { readTensorF32 } from '../formats/decode-tensor.ts';
import type { LoadedModel } from '../model/loaded-model.ts';
import type { ReferenceWeights } from './reference-forward.ts';

export async function loadReferenceWeights(model: LoadedModel): Promise<ReferenceWeights> {
  const out: ReferenceWeights = new Map();
  for (const [name, entry] of model.tensors) out.set(name, Float64Array.from(await readTensorF32(entry)));
  return out;
}
