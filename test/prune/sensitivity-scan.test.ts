// The sensitivity scan on stories260K: cells equal the float64 oracle (only layer l pruned, from dense
// statistics), every cell streams out, a resumed scan skips what it has, and cancel stops between cells.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { evalWindows, tokenizeForEval } from '../../src/core/engine/windows.ts';
import { loadReferenceWeights } from '../../src/core/engine/reference-weights.ts';
import type { ReferenceWeights } from '../../src/core/engine/reference-forward.ts';
import { Cancelled } from '../../src/core/errors.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { Pruner } from '../../src/core/prune/pruner.ts';
import { sensitivityScan, type ScanCell } from '../../src/core/prune/sensitivity-scan.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';
import { referenceCalibrationStats, referencePerplexity } from './reference/index.ts';
import { copyWeights, layerMasks, writeLayer } from './reference/sequential.ts';

let gpu: Gpu, engine: Engine, pruner: Pruner, model: LoadedModel, dense: ReferenceWeights;
let calib: number[][], evalSet: number[][];

beforeAll(async () => {
  model = await loadModel(await pathSources(STORIES_HF));
  dense = await loadReferenceWeights(model);
  const windows = evalWindows(tokenizeForEval(model.tokenizer, readFileSync(TINYSTORIES_TEXT, 'utf8').slice(0, 20_000)), 96, 5);
  calib = windows.slice(0, 3);
  evalSet = windows.slice(3);
  gpu = await createGpu();
  engine = await Engine.create(gpu, model);
  pruner = await Pruner.create(engine, calib);
});
afterAll(() => { pruner?.destroy(); engine?.destroy(); gpu?.destroy(); });

describe('sensitivity scan', () => {
  it('layers x levels: each cell equals the float64 oracle within 1%, streamed as it finishes', async () => {
    const levels = [0.3, 0.8];
    const streamed: ScanCell[] = [];
    const result = await sensitivityScan(pruner, { metric: 'wanda', levels, by: 'layer', windows: evalSet },
      { onCell: (c) => streamed.push(c) });
    expect(streamed).toEqual(result.cells);
    expect(result.cells).toHaveLength(5 * levels.length);
    const stats = referenceCalibrationStats(model.spec, dense, calib);
    const refDense = referencePerplexity(model.spec, dense, evalSet);
    expect(Math.abs(result.densePpl / refDense - 1)).toBeLessThan(1e-3);
    for (const c of result.cells) {
      const w = copyWeights(dense);
      writeLayer(dense, w, c.layer, layerMasks(model.spec, dense, c.layer, stats[c.layer], c.level, 'wanda'));
      const ref = referencePerplexity(model.spec, w, evalSet);
      expect(Math.abs(c.ppl / ref - 1), `layer ${c.layer} s=${c.level}`).toBeLessThan(0.01);
      expect(c.deltaPpl).toBeCloseTo(c.ppl - result.densePpl, 10);
    }
    // Pruning more hurts more, in every layer.
    for (let l = 0; l < 5; l++) {
      const [a, b] = levels.map((s) => result.cells.find((c) => c.layer === l && c.level === s)!.ppl);
      expect(b).toBeGreaterThan(a);
    }
  });

  it('layers x modules: resumes from given cells without re-measuring them, and cancels between cells', async () => {
    const req = { metric: 'magnitude' as const, levels: [0.5], by: 'module' as const, windows: evalSet.slice(0, 1) };
    const controller = new AbortController();
    const first: ScanCell[] = [];
    const err = await sensitivityScan(pruner, req, {
      signal: controller.signal,
      onCell: (c) => { first.push(c); if (first.length === 9) controller.abort(); },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(Cancelled);
    expect(first).toHaveLength(9);
    const fresh: ScanCell[] = [];
    const resumed = await sensitivityScan(pruner, req, { done: first, onCell: (c) => fresh.push(c) });
    expect(resumed.cells).toHaveLength(5 * 7);
    expect(fresh).toHaveLength(5 * 7 - 9);
    expect(resumed.cells.slice(0, 9)).toEqual(first);
    expect(new Set(resumed.cells.map((c) => c.module)).size).toBe(7);
  });
});
