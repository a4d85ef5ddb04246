// Pruning speed on one engine, measured side by side in one run (used by `npm run bench`'s pruning table and by
// `prunelab bench`): one dense evaluation; a slider step (a new sparsity -> sequential Wanda masks -> evaluation,
// what the studio runs when the slider moves); masked evaluation at Wanda 50%; one Self-Pruner fitness evaluation
// (structured Wanda-sp from the dense weights + evaluation); structured Wanda-sp 50% (compacted); optionally
// SparseGPT 50%; and the GPU bytes of the weights, masks and calibration state. Each timed run (but SparseGPT's)
// alternates over rounds with a dense evaluation on a second, dense engine, and its ratio is the median round's
// (its seconds / the dense evaluation just before it), so a machine whose load drifts hits both alike. Every evaluation is the perplexity loop itself (accumulateNll), so
// the perplexities are the ones `prunelab prune` and the studio report for the same windows.
import { Engine } from '../engine/engine.ts';
import { accumulateNll } from '../engine/nll-accumulator.ts';
import { batchOf } from '../engine/perplexity.ts';
import type { ModelSpec } from '../model/spec.ts';
import { Pruner } from '../prune/pruner.ts';
import { inputWidths, layerMaps, LINEAR_INPUTS } from '../prune/linear-maps.ts';
import { PruningFitness } from '../search/pruning-fitness.ts';

/** One evaluation of the evaluation windows: wall seconds and its perplexity. */
export interface TimedEval { seconds: number; ppl: number; nll: number }
/** A run timed in alternating rounds (see above): the median round's seconds, its dense evaluation's and their ratio. */
export type Alternated<T> = T & { denseSeconds: number; ratio: number; rounds: number };

export interface PruneSpeed {
  /** Tokens of one evaluation (windows x seqLen), the numerator of every tokens/s. */
  tokens: number;
  dense: TimedEval;
  /** Pruner.create: calibration buffers and plan (the sequential calibration itself runs inside each prune). */
  prunerSetupSeconds: number;
  /** Wanda 50% uniform, masked (dense shapes). */
  masked: Alternated<TimedEval>;
  /** Re-prune from `from` to 0.5 (Wanda, uniform, sequential) + one evaluation; ppl is the evaluation's. */
  sliderStep: Alternated<TimedEval> & { from: number; to: number };
  /** One fitness evaluation (prune with a per-layer vector of mean `meanRate` + evaluation); ppl is the fitness. */
  fitness: Alternated<TimedEval> & { meanRate: number };
  /** Wanda-sp 50% heads + channels, compacted. */
  structured: Alternated<TimedEval>;
  /** SparseGPT 50% uniform (GPU solver): the whole prune (sequential calibration + every layer's solve). */
  sparseGpt?: { seconds: number; ppl: number; nll: number; readBackBytes: number };
  /** weights: GPU bytes of the weights as stored (weightStorage: F16 / BF16 matrices as is, or everything f32);
   * weightsF32: the same weights decoded to f32 (the 'f32' storage), for the ratio. */
  bytes: { weights: number; weightsF32: number; masks: number; calibrationStats: number; calibrationStream: number };
  weightStorage: string;
  matmulVariant: string;
}

export interface PruneSpeedOptions {
  /** Rounds of each timed run against a dense evaluation (median taken); default 3. */
  rounds?: number;
  /** Also time SparseGPT 50%. */
  sparseGpt?: boolean;
  /** Called as each phase starts (progress for the CLI). */
  onPhase?: (phase: string) => void;
}

const secondsOf = async (fn: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};

/** GPU bytes a Pruner keeps next to the weights: packed keep masks, per-input column statistics, the calibration stream. */
export function pruningStateBytes(spec: ModelSpec, calib: number[][]): Omit<PruneSpeed['bytes'], 'weights' | 'weightsF32'> {
  let masks = 0;
  for (let l = 0; l < spec.numLayers; l++) for (const m of layerMaps(spec, l)) masks += m.N * Math.ceil(m.K / 32) * 4;
  const widths = inputWidths(spec);
  const calibrationStats = spec.numLayers * LINEAR_INPUTS.reduce((s, i) => s + 2 * widths[i] * 4, 0);
  const calibrationStream = calib.length * calib[0].length * spec.hiddenSize * 4;
  return { masks, calibrationStats, calibrationStream };
}

const median = <T>(v: T[], key: (x: T) => number): T => v.slice().sort((a, b) => key(a) - key(b))[Math.floor(v.length / 2)];

/** Measures on `engine` (left dense afterwards); a second, dense engine of the same model lives meanwhile. */
export async function measurePruneSpeed(engine: Engine, calib: number[][], evalSet: number[][],
  opts: PruneSpeedOptions = {}): Promise<PruneSpeed> {
  const phase = opts.onPhase ?? (() => {});
  const rounds = opts.rounds ?? 3;
  const evaluateOn = async (e: Engine): Promise<TimedEval> => {
    const r = await accumulateNll(evalSet, (w) => e.windowNll(w), { batch: batchOf(e, evalSet) }); // as the studio evaluates
    return { seconds: r.seconds, ppl: r.ppl, nll: r.nll };
  };
  const evaluate = () => evaluateOn(engine);

  phase('dense evaluation');
  await evaluate(); // warm-up: pipelines compile on first use
  const dense = await evaluate();
  const denseEngine = await Engine.create(engine.gpu, engine.model, { matmulVariant: engine.matmulVariant, weightStorage: engine.weights.storage });
  await evaluateOn(denseEngine); // warm-up of its plans
  /** `run` (which times itself) in rounds, each right after a dense evaluation on denseEngine: the median round. */
  const alternated = async <T extends { seconds: number }>(run: () => Promise<T>): Promise<Alternated<T>> => {
    const pairs: Array<{ d: TimedEval; s: T }> = [];
    for (let i = 0; i < rounds; i++) pairs.push({ d: await evaluateOn(denseEngine), s: await run() });
    const m = median(pairs, (p) => p.s.seconds / p.d.seconds);
    return { ...m.s, denseSeconds: m.d.seconds, ratio: m.s.seconds / m.d.seconds, rounds };
  };
  phase('pruner set-up');
  let pruner!: Pruner;
  const prunerSetupSeconds = await secondsOf(async () => { pruner = await Pruner.create(engine, calib); });
  try {
    phase('slider step (Wanda 30% -> 50%)');
    const from = 0.3;
    await pruner.prune({ metric: 'wanda', sparsity: from, allocation: 'uniform' });
    await evaluate(); // warm-up of the masked plans
    const sliderStep = await alternated(async () => {
      await pruner.prune({ metric: 'wanda', sparsity: from, allocation: 'uniform' }); // untimed: where the step starts
      let e!: TimedEval;
      const seconds = await secondsOf(async () => {
        await pruner.prune({ metric: 'wanda', sparsity: 0.5, allocation: 'uniform' });
        e = await evaluate();
      });
      return { ...e, seconds };
    });
    phase('masked evaluation (Wanda 50%)');
    const masked = await alternated(evaluate);

    // A non-uniform vector at mean 0.3, as an individual of the search is.
    phase('search fitness (Wanda-sp, mean 30%)');
    const L = engine.spec.numLayers, meanRate = 0.3;
    const vector = Array.from({ length: L }, (_, l) => meanRate + (L > 1 ? 0.2 * (l / (L - 1) - 0.5) : 0));
    const fitness = new PruningFitness(pruner, { metric: 'wanda', structured: 'wanda-sp' }, evalSet);
    await fitness.evaluate(vector); // warm-up of the compacted plans
    let round = 0;
    const fitnessRun = await alternated(async () => {
      let ppl = 0;
      // Alternate two vectors, as consecutive individuals differ.
      const v = round++ % 2 ? vector : vector.slice().reverse();
      const seconds = await secondsOf(async () => { ppl = await fitness.evaluate(v); });
      return { seconds, ppl, nll: Math.log(ppl) };
    });

    phase('structured evaluation (Wanda-sp 50%, compacted) vs dense');
    await pruner.prune({ metric: 'wanda', structured: 'wanda-sp', sparsity: 0.5, allocation: 'uniform' });
    await evaluate(); // warm-up of the compacted plans
    const structured = await alternated(evaluate);

    let sparseGpt: PruneSpeed['sparseGpt'];
    if (opts.sparseGpt) {
      phase('SparseGPT 50%');
      const seconds = await secondsOf(() => pruner.prune({ metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform' }));
      const e = await evaluate();
      sparseGpt = { seconds, ppl: e.ppl, nll: e.nll, readBackBytes: pruner.sparseGptCost?.readBackBytes ?? 0 };
    }
    return {
      tokens: evalSet.length * evalSet[0].length, dense, prunerSetupSeconds, masked,
      sliderStep: { ...sliderStep, from, to: 0.5 },
      fitness: { ...fitnessRun, meanRate },
      structured, ...(sparseGpt ? { sparseGpt } : {}),
      bytes: { weights: engine.weights.bytes, weightsF32: engine.weights.f32Bytes, ...pruningStateBytes(engine.spec, calib) },
      weightStorage: engine.weights.storage,
      matmulVariant: engine.matmulVariant,
    };
  } finally {
    pruner.destroy();
    denseEngine.destroy();
  }
}
