// Opens a model from a path onto the GPU: the shared start of every CLI command.
import { stat } from 'node:fs/promises';
import { BadRequest } from '../core/errors.ts';
import { createGpu, type Gpu } from '../core/gpu/device.ts';
import { loadModel } from '../core/formats/load-model.ts';
import { pathSources } from '../core/formats/node-file-source.ts';
import { Engine } from '../core/engine/engine.ts';
import type { MatmulVariant } from '../core/kernels/matmul.ts';

export interface Session { gpu: Gpu; engine: Engine }

export async function openSession(modelPath: string, variant?: string): Promise<Session> {
  await stat(modelPath).catch(() => { throw new BadRequest(`model path not found: ${modelPath}`); });
  const model = await loadModel(await pathSources(modelPath));
  const gpu = await createGpu();
  const engine = await Engine.create(gpu, model, { matmulVariant: variant as MatmulVariant | undefined });
  return { gpu, engine };
}
