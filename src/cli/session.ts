// Opens a model from a path (or hub:owner/name) onto the GPU: the shared start of every CLI command.
import { createGpu, type Gpu } from '../core/gpu/device.ts';
import { loadModel } from '../core/formats/load-model.ts';
import { modelSources } from './model-sources.ts';
import { Engine } from '../core/engine/engine.ts';
import type { MatmulVariant } from '../core/kernels/matmul.ts';
import { BadRequest } from '../core/errors.ts';
import { WEIGHT_STORAGES, type WeightStorage } from '../core/engine/gpu-weights.ts';
import { fileTuningStore } from './tuning-file-store.ts';

import type { ByteSource } from '../core/formats/byte-source.ts';
import type { LoadedModel } from '../core/model/loaded-model.ts';

/** sources: the model's files (an export copies its tokenizer files from them). */
export interface Session { gpu: Gpu; engine: Engine; sources: ByteSource[] }

/** The model read from its files, before any GPU work (a command can check its flags against the spec first). */
export async function readModel(modelPath: string): Promise<{ model: LoadedModel; sources: ByteSource[] }> {
  const sources = await modelSources(modelPath);
  return { model: await loadModel(sources), sources };
}

/** --weight-storage: 'source' (default: F16 / BF16 / Q8_0 weight matrices stay as stored on the GPU) or 'f32'. */
export function weightStorageFlag(value: unknown): WeightStorage | undefined {
  if (value === undefined) return undefined;
  if (!(WEIGHT_STORAGES as readonly unknown[]).includes(value)) {
    throw new BadRequest(`unknown --weight-storage "${String(value)}" (expected ${WEIGHT_STORAGES.join(' or ')})`);
  }
  return value as WeightStorage;
}

export async function openSession(modelPath: string, variant?: string, read?: { model: LoadedModel; sources: ByteSource[] },
  weightStorage?: WeightStorage): Promise<Session> {
  const { model, sources } = read ?? await readModel(modelPath);
  const gpu = await createGpu();
  const engine = await Engine.create(gpu, model, { matmulVariant: variant as MatmulVariant | undefined, tuningStore: fileTuningStore(), weightStorage });
  return { gpu, engine, sources };
}
