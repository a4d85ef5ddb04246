// Dense vs pruned tokens/s from the two evaluations' seconds; the speedup only for structured runs.
import { describe, expect, it } from 'vitest';
import type { PruneOutcome } from '../worker/api.ts';
import { pruneSpeed, pruneSpeedText } from './prune-speed-text.ts';

function outcome(structured: boolean, times: { dense?: number; pruned: number }): PruneOutcome {
  return {
    pruneId: 'run', request: { metric: 'wanda', sparsity: 0.5, allocation: 'uniform', ...(structured ? { structured: 'wanda-sp' as const } : {}) },
    result: { allocation: Array(5).fill(0.5), achievedSparsity: Array(5).fill(0.5), seconds: 0.1 },
    ppl: 9, nll: Math.log(9), densePpl: 4, tokens: 508, windows: 4, seqLen: 128,
    calibration: { source: 'evaluation-text', textHash: 't', offsetTokens: 512, windows: 4, seqLen: 128 },
    modelHash: 'm', textHash: 't', seconds: 1, evalSeconds: times.pruned, ...(times.dense ? { denseEvalSeconds: times.dense } : {}),
  };
}

describe('pruned speed', () => {
  it('structured: tokens/s of windows x seqLen tokens, and the speedup', () => {
    const o = outcome(true, { dense: 0.8, pruned: 0.4 });
    expect(pruneSpeed(o)).toEqual({ denseTps: 640, prunedTps: 1280, speedup: 2 });
    expect(pruneSpeedText(o)).toBe('dense 640 tok/s, pruned 1,280 tok/s (2.00x faster)');
  });

  it('unstructured (masked): both tokens/s, no speedup claimed', () => {
    expect(pruneSpeedText(outcome(false, { dense: 0.5, pruned: 0.64 }))).toBe('dense 1,024 tok/s, pruned 800 tok/s');
  });

  it('a run saved without the dense timing shows nothing', () => {
    expect(pruneSpeed(outcome(true, { pruned: 0.4 }))).toBeNull();
  });
});
