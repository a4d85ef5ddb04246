// What the optimizer is told about the model, and the sensitivity scan turned into one number per layer.
import { BadRequest } from '../errors.ts';
import type { ModelSpec } from '../model/spec.ts';
import type { ModelDescription } from './operators.ts';

/** Parameters of the seven linear maps of one decoder layer. */
export function linearParamsPerLayer(spec: ModelSpec): number {
  const { hiddenSize: d, intermediateSize: f, numHeads: nH, numKvHeads: nKv, headDim: hd } = spec;
  return d * hd * (2 * nH + 2 * nKv) + 3 * d * f;
}

export function describeModel(model: { spec: ModelSpec }, method: string): ModelDescription {
  const { spec } = model;
  const embed = spec.vocabSize * spec.hiddenSize * (spec.tieWordEmbeddings ? 1 : 2);
  const perLayer = linearParamsPerLayer(spec);
  return {
    architecture: `${spec.architecture} (hidden ${spec.hiddenSize}, MLP ${spec.intermediateSize}, ${spec.numHeads} heads, `
      + `${spec.numKvHeads} kv heads, vocabulary ${spec.vocabSize})`,
    numLayers: spec.numLayers, paramsPerLayer: perLayer, totalParams: embed + spec.numLayers * perLayer, method,
  };
}

/** Per-layer perplexity increase at the scanned level nearest to `target` (layer cells only), or null if incomplete. */
export function sensitivityAt(cells: ReadonlyArray<{ layer: number; module: string; level: number; deltaPpl: number }>,
  numLayers: number, target: number): number[] | null {
  const layerCells = cells.filter((c) => c.module === 'all');
  if (!layerCells.length) return null;
  const levels = [...new Set(layerCells.map((c) => c.level))];
  const level = levels.reduce((b, s) => (Math.abs(s - target) < Math.abs(b - target) ? s : b));
  const out: number[] = [];
  for (let l = 0; l < numLayers; l++) {
    const c = layerCells.find((x) => x.layer === l && x.level === level);
    if (!c || !Number.isFinite(c.deltaPpl)) return null;
    out.push(c.deltaPpl);
  }
  return out;
}

/**
 * Per-layer perplexity increase from a `prunelab scan --json` report (by layer), at the scanned level nearest to
 * `target`: the sensitivity shape that seeds one individual and goes into the LLM prompts.
 */
export function sensitivityFromScan(json: string, numLayers: number, target: number): number[] {
  let scan: { cells?: Array<{ layer: number; module: string; level: number; deltaPpl: number }> };
  try { scan = JSON.parse(json.trim().split('\n').pop() ?? ''); } catch {
    throw new BadRequest('--scan is not the JSON line of `prunelab scan --json`');
  }
  const cells = scan.cells ?? [];
  if (!cells.some((c) => c.module === 'all')) throw new BadRequest('--scan has no layer cells: run `prunelab scan --by layer --json`');
  const v = sensitivityAt(cells, numLayers, target);
  if (!v) throw new BadRequest(`--scan does not have a finite cell for every one of the ${numLayers} layers at one level`);
  return v;
}
