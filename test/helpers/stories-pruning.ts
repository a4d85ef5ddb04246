// The stories260K setup shared by the GPU-vs-float64-reference pruning tests: the model and its float64 reference
// weights, calibration windows then evaluation windows from the start of the TinyStories text, and one GPU with an
// engine and a pruner on the calibration windows.
import { readFileSync } from 'node:fs';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { evalWindows, tokenizeForEval } from '../../src/core/engine/windows.ts';
import { loadReferenceWeights } from '../../src/core/engine/reference-weights.ts';
import type { ReferenceWeights } from '../../src/core/engine/reference-forward.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { Pruner } from '../../src/core/prune/pruner.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from './fixtures.ts';

export interface StoriesPruning {
  gpu: Gpu; engine: Engine; pruner: Pruner; model: LoadedModel; dense: ReferenceWeights;
  calib: number[][]; evalSet: number[][];
}

/** `calib` windows of `seq` tokens from the start of the text, then `eval` windows right after them. */
export async function openStoriesPruning(o: { seq: number; calib: number; eval: number }): Promise<StoriesPruning> {
  const model = await loadModel(await pathSources(STORIES_HF));
  const dense = await loadReferenceWeights(model);
  // A prefix tokenizes to the same leading tokens as the whole 1 MB text in a fraction of the time (~3 chars/token).
  const text = readFileSync(TINYSTORIES_TEXT, 'utf8').slice(0, Math.max(20_000, 8 * o.seq * (o.calib + o.eval)));
  const windows = evalWindows(tokenizeForEval(model.tokenizer, text), o.seq, o.calib + o.eval);
  if (windows.length < o.calib + o.eval) throw new Error(`the text prefix has only ${windows.length} windows of ${o.seq}`);
  const gpu = await createGpu();
  const engine = await Engine.create(gpu, model);
  const calib = windows.slice(0, o.calib);
  const pruner = await Pruner.create(engine, calib);
  return { gpu, engine, pruner, model, dense, calib, evalSet: windows.slice(o.calib) };
}

/** exp(mean NLL) over the windows, as the engine evaluates them now (the product's one NLL loop). */
export { windowsPerplexity } from '../../src/core/engine/perplexity.ts';
