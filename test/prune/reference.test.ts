// Sanity properties of the float64 pruning oracle (test/prune/reference): small matrices for the masks,
// stories260K (4 calibration windows of 128 TinyStories tokens, 4 held-out eval windows) for the procedures.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { evalWindows, tokenizeForEval } from '../../src/core/engine/windows.ts';
import { loadReferenceWeights } from '../../src/core/engine/reference-weights.ts';
import type { ReferenceWeights } from '../../src/core/engine/reference-forward.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';
import { nonZeroF32Array } from '../helpers/numeric.ts';
import {
  MAP_INPUT, MAP_NAMES, achievedSparsity, layerMasks, mapShape, mapTensorName, owlAllocation, pruneScore, prunedPerRow,
  referenceCalibrationStats, referenceMask, referenceMrp, referenceNmMask, referencePerplexity,
  referenceSequentialPrune, uniformAllocation,
} from './reference/index.ts';

const rowOf = (a: ArrayLike<number>, i: number, cols: number) => Array.from(a).slice(i * cols, (i + 1) * cols);
const count = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);

/** A random [rows, cols] matrix with its sq vector (positive). */
const matrixCase = fc.record({ rows: fc.integer({ min: 1, max: 6 }), cols: fc.integer({ min: 1, max: 24 }) })
  .chain(({ rows, cols }) => fc.tuple(fc.constant(rows), fc.constant(cols),
    nonZeroF32Array(rows * cols), nonZeroF32Array(cols).map((a) => a.map(Math.abs)), fc.integer({ min: 0, max: cols })));

describe('row-wise masks', () => {
  it('prune exactly k per row, and never keep a lower score than one they prune', () => {
    fc.assert(fc.property(matrixCase, fc.boolean(), ([rows, cols, W32, sq32, k], wanda) => {
      const W = Float64Array.from(W32), sq = wanda ? Float64Array.from(sq32) : undefined;
      const keep = referenceMask(W, rows, cols, sq, k);
      for (let i = 0; i < rows; i++) {
        const kr = rowOf(keep, i, cols);
        expect(cols - count(kr)).toBe(k);
        const score = (j: number) => pruneScore(W[i * cols + j], sq?.[j]);
        const kept = kr.flatMap((v, j) => (v ? [score(j)] : []));
        const pruned = kr.flatMap((v, j) => (v ? [] : [score(j)]));
        if (kept.length && pruned.length) expect(Math.max(...pruned)).toBeLessThanOrEqual(Math.min(...kept));
      }
    }), { numRuns: 200 });
  });

  it('break ties by pruning the lower column first, also ties that only exist in float32', () => {
    const W = Float64Array.from([1, -1, 1, 1, /* row 2 */ 3, 1, -1, 1]);
    expect(Array.from(referenceMask(W, 2, 4, undefined, 2))).toEqual([0, 0, 1, 1, 1, 0, 0, 1]);
    // Wanda scores 2*1, 1*2, 4*1, 1*2: columns 0, 1, 3 tie at 2, so 0 and 1 go.
    const sq = Float64Array.from([1, 4, 1, 4]);
    expect(Array.from(referenceMask(Float64Array.from([2, 1, 4, 1]), 1, 4, sq, 2))).toEqual([0, 0, 1, 1]);
    // In float64 column 1 is the smaller, in float32 (the GPU's precision) they are equal: column 0 goes.
    expect(Array.from(referenceMask(Float64Array.from([1 + 1e-12, 1, 5]), 1, 3, undefined, 1))).toEqual([0, 1, 1]);
  });

  it('k = 0 keeps everything; k = cols prunes everything', () => {
    const W = Float64Array.from({ length: 12 }, (_, i) => Math.sin(i + 1));
    expect(count(referenceMask(W, 3, 4, undefined, 0))).toBe(12);
    expect(count(referenceMask(W, 3, 4, undefined, 4))).toBe(0);
    expect(() => referenceMask(W, 3, 4, undefined, 5)).toThrow(RangeError);
  });

  it('s = 0.95 on a random 7x40 matrix keeps the two best scores of every row', () => {
    const [rows, cols] = [7, 40];
    const W = Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(1.7 * i + 0.3) * (1 + (i % 5)));
    const sq = Float64Array.from({ length: cols }, (_, j) => 0.1 + ((j * 7) % 11));
    const k = prunedPerRow(cols, 0.95);
    expect(k).toBe(38);
    const keep = referenceMask(W, rows, cols, sq, k);
    for (let i = 0; i < rows; i++) {
      const scores = Array.from({ length: cols }, (_, j) => pruneScore(W[i * cols + j], sq[j]));
      const best = [...scores.keys()].sort((a, b) => scores[b] - scores[a]).slice(0, 2).sort((a, b) => a - b);
      expect(rowOf(keep, i, cols).flatMap((v, j) => (v ? [j] : []))).toEqual(best);
    }
  });

  it('Wanda weighs columns by sqrt(sq): a small weight on a loud input survives', () => {
    const W = Float64Array.from([0.1, 1, 0.9]);
    expect(Array.from(referenceMask(W, 1, 3, undefined, 1))).toEqual([0, 1, 1]);
    expect(Array.from(referenceMask(W, 1, 3, Float64Array.from([10_000, 1, 1]), 1))).toEqual([1, 1, 0]);
  });
});

describe('N:M masks', () => {
  it('keep exactly n of every m columns, the n highest (the short tail keeps min(n, g))', () => {
    fc.assert(fc.property(matrixCase, fc.constantFrom([2, 4], [4, 8], [1, 4]), ([rows, cols, W32, sq32], [n, m]) => {
      const W = Float64Array.from(W32), sq = Float64Array.from(sq32);
      const keep = referenceNmMask(W, rows, cols, sq, n, m);
      for (let i = 0; i < rows; i++) {
        for (let c0 = 0; c0 < cols; c0 += m) {
          const g = Math.min(m, cols - c0);
          const group = rowOf(keep, i, cols).slice(c0, c0 + g);
          expect(count(group)).toBe(Math.min(n, g));
          const score = (j: number) => pruneScore(W[i * cols + c0 + j], sq[c0 + j]);
          const kept = group.flatMap((v, j) => (v ? [score(j)] : []));
          const pruned = group.flatMap((v, j) => (v ? [] : [score(j)]));
          if (kept.length && pruned.length) expect(Math.max(...pruned)).toBeLessThanOrEqual(Math.min(...kept));
        }
      }
    }), { numRuns: 200 });
  });

  it('prune the lower column on ties', () => {
    expect(Array.from(referenceNmMask(Float64Array.from([1, 1, 1, 1, 3, 2, 2, 2]), 1, 8, undefined, 2, 4)))
      .toEqual([0, 0, 1, 1, 1, 0, 0, 1]);
  });
});

describe('stories260K', async () => {
  const model = await loadModel(await pathSources(STORIES_HF));
  const spec = model.spec;
  const dense = await loadReferenceWeights(model);
  const text = readFileSync(TINYSTORIES_TEXT, 'utf8').slice(0, 20_000);
  const windows = evalWindows(tokenizeForEval(model.tokenizer, text), 128, 8);
  const calibration = windows.slice(0, 4), heldOut = windows.slice(4);
  const checksum = (w: ReferenceWeights) => [...w.values()].reduce((a, t) => a + t.reduce((x, y) => x + y * y, 0), 0);
  const denseChecksum = checksum(dense);
  const denseStats = referenceCalibrationStats(spec, dense, calibration);

  it('calibration statistics: one layer equals the full pass; sq >= sum^2 / tokens', () => {
    expect(calibration).toHaveLength(4);
    const l2 = referenceCalibrationStats(spec, dense, calibration, 2);
    expect(Array.from(l2.downIn.sq)).toEqual(Array.from(denseStats[2].downIn.sq));
    for (const layer of denseStats) {
      for (const input of Object.values(layer)) {
        expect(input.tokens).toBe(4 * 128);
        input.sq.forEach((sq, j) => expect(sq).toBeGreaterThanOrEqual(input.sum[j] ** 2 / input.tokens * (1 - 1e-12)));
        expect(Math.min(...input.sq)).toBeGreaterThan(0);
      }
    }
  });

  const uniform = uniformAllocation(spec, 0.5);
  const wanda = referenceSequentialPrune(spec, dense, calibration, uniform, 'wanda');
  const magnitude = referenceSequentialPrune(spec, dense, calibration, uniform, 'magnitude');

  it('sequential Wanda: exact per-row sparsity, dense layer 0 statistics, later layers see pruned inputs', () => {
    expect(checksum(dense)).toBe(denseChecksum); // the input map and its tensors are untouched
    const expected = MAP_NAMES.reduce((acc, map) => {
      const { rows, cols } = mapShape(spec, map);
      return { zeros: acc.zeros + rows * prunedPerRow(cols, 0.5), all: acc.all + rows * cols };
    }, { zeros: 0, all: 0 });
    for (const s of achievedSparsity(wanda.weights, spec)) expect(s).toBe(expected.zeros / expected.all);
    expect(achievedSparsity(dense, spec).every((s) => s === 0)).toBe(true);
    expect(Array.from(wanda.stats[0].mlpIn.sq)).toEqual(Array.from(denseStats[0].mlpIn.sq));
    expect(Array.from(wanda.stats[1].attnIn.sq)).not.toEqual(Array.from(denseStats[1].attnIn.sq));
    // Layer 0's masks are the row-wise Wanda masks of its dense weights under the dense statistics.
    const masks0 = layerMasks(spec, dense, 0, denseStats[0], 0.5, 'wanda');
    for (const map of MAP_NAMES) expect(wanda.masks[0][map]).toEqual(masks0[map]);
    expect(MAP_INPUT.down).toBe('downIn');
  });

  it('N:M 2:4 through the sequential procedure gives exactly half of every layer', () => {
    const nm = referenceSequentialPrune(spec, dense, calibration.slice(0, 1), uniform, 'wanda', { n: 2, m: 4 });
    for (const s of achievedSparsity(nm.weights, spec)) expect(s).toBe(0.5);
  });

  it('OWL: mean sparsity is S, more outliers get less sparsity, the range is 2*lambda', () => {
    const owl = owlAllocation(spec, dense, calibration, 0.5);
    expect(Math.abs(mean(owl.sparsity) - 0.5)).toBeLessThan(1e-12);
    expect(spread(owl.sparsity)).toBeCloseTo(0.16, 12);
    for (let a = 0; a < spec.numLayers; a++) {
      for (let b = 0; b < spec.numLayers; b++) {
        if (owl.outlierPercent[a] > owl.outlierPercent[b]) expect(owl.sparsity[a]).toBeLessThan(owl.sparsity[b]);
      }
    }
  });

  it('MRP: mean is S, s_l <= 0.95, redundancy evens out, steps move one layer by <= 0.01', () => {
    const mrp = referenceMrp(spec, dense, calibration, 0.5, 'wanda');
    expect(Math.abs(mean(mrp.allocation) - 0.5)).toBeLessThan(1e-9);
    for (const s of mrp.allocation) expect(s).toBeLessThanOrEqual(0.95);
    expect(spread(mrp.redundancyAfter)).toBeLessThan(spread(mrp.redundancyBefore));
    const points = mrp.trajectory;
    expect(points[0].event).toBe('initial');
    expect(points[0].sparsity.every((s) => s === 0.25)).toBe(true);
    expect(points.at(-1)!.event).toBe('final');
    expect(points.filter((p) => p.event === 'refresh')).toHaveLength(4); // at +0.05 .. +0.20; +0.25 is the end
    for (let i = 1; i < points.length; i++) {
      const moved = points[i].sparsity.map((s, l) => s - points[i - 1].sparsity[l]);
      if (points[i].event !== 'step') { expect(moved.every((d) => d === 0)).toBe(true); continue; }
      moved.forEach((d, l) => (l === points[i].layer ? expect(d).toBeGreaterThan(0) : expect(d).toBe(0)));
      expect(Math.max(...moved)).toBeLessThanOrEqual(0.01 + 1e-12);
      // the layer it picked was the most redundant one below sMax (ties: lowest index)
      const R = points[i - 1].redundancy.map((r, l) => (points[i - 1].sparsity[l] < 0.95 ? r : -1));
      expect(points[i].layer).toBe(R.indexOf(Math.max(...R)));
    }
    expect(checksum(dense)).toBe(denseChecksum);
    const ppl = referencePerplexity(spec, mrp.weights, heldOut);
    console.log(`MRP 0.5 allocation ${mrp.allocation.map((s) => s.toFixed(3))}, held-out ppl ${ppl.toFixed(3)}`);
  });

  it('MRP breaks redundancy ties by the lowest layer index', () => {
    // Every layer a copy of layer 0: under magnitude all R_l start equal, so the first steps go 0, 1, 2, 3, 4.
    const clones: ReferenceWeights = new Map(dense);
    for (let l = 1; l < spec.numLayers; l++) {
      for (const map of MAP_NAMES) clones.set(mapTensorName(l, map), dense.get(mapTensorName(0, map))!);
    }
    const mrp = referenceMrp(spec, clones, [calibration[0].slice(0, 16)], 0.3, 'magnitude');
    expect(new Set(mrp.redundancyBefore).size).toBe(1);
    expect(mrp.trajectory.slice(1, 6).map((p) => p.layer)).toEqual([0, 1, 2, 3, 4]);
  });

  it('MRP respects sMax: with sMax = 0.55 no layer passes it and the mean still lands on S', () => {
    const mrp = referenceMrp(spec, dense, [calibration[0].slice(0, 64)], 0.5, 'magnitude', { sMax: 0.55 });
    expect(Math.abs(mean(mrp.allocation) - 0.5)).toBeLessThan(1e-9);
    for (const s of mrp.allocation) expect(s).toBeLessThanOrEqual(0.55 + 1e-12);
    expect(() => referenceMrp(spec, dense, calibration, 0.96, 'wanda')).toThrow(RangeError);
  });

  it('perplexity: dense < Wanda 0.5 < magnitude 0.5 on held-out windows (Sun et al. 2023)', () => {
    const ppl = {
      dense: referencePerplexity(spec, dense, heldOut),
      wanda: referencePerplexity(spec, wanda.weights, heldOut),
      magnitude: referencePerplexity(spec, magnitude.weights, heldOut),
    };
    console.log('held-out perplexity (4 x 128 tokens):', ppl);
    expect(ppl.dense).toBeGreaterThan(2);
    expect(ppl.dense).toBeLessThan(8);
    expect(ppl.wanda).toBeGreaterThan(ppl.dense);
    expect(ppl.wanda).toBeLessThan(ppl.magnitude);
  });
});
