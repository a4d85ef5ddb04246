// The result text puts requested and achieved side by side on the count's basis; older runs without a count
// fall back to the share of linear weights.
import { describe, expect, it } from 'vitest';
import type { PruneOutcome } from '../worker/api.ts';
import { requestedAchieved, requestedAchievedText } from './requested-achieved.ts';

function outcome(request: PruneOutcome['request'], result: Partial<PruneOutcome['result']>): PruneOutcome {
  return {
    pruneId: 'run', request, result: { allocation: Array(5).fill(request.sparsity), achievedSparsity: Array(5).fill(0.5), seconds: 0.1, ...result },
    ppl: 9, nll: Math.log(9), densePpl: 4, tokens: 508, windows: 4, seqLen: 128,
    calibration: { source: 'evaluation-text', textHash: 't', offsetTokens: 512, windows: 4, seqLen: 128 },
    modelHash: 'm', textHash: 't', seconds: 1, evalSeconds: 0.5,
  };
}

describe('requested and achieved', () => {
  it('unstructured: both shares of the linear weights', () => {
    const o = outcome({ metric: 'wanda', sparsity: 0.7, allocation: 'owl' }, {
      achievedSparsity: [0.69, 0.71, 0.7, 0.7, 0.7],
      count: { basis: 'linear weights', total: 226560, requested: 158592, methodRounding: 157387, removed: 158592 },
    });
    expect(requestedAchieved(o)).toMatchObject({ requested: 0.7, achieved: 0.7, basis: 'linear weights' });
    expect(requestedAchievedText(o)).toBe('70% requested, 70.0% achieved');
  });

  it('structured: of the removable weights, with the share of all linear weights beside it', () => {
    const o = outcome({ metric: 'wanda', structured: 'wanda-sp', sparsity: 0.3, allocation: 'uniform' }, {
      achievedSparsity: Array(5).fill(0.2727),
      count: { basis: 'removable weights', total: 206080, requested: 61824, methodRounding: 59200, removed: 61824 },
    });
    expect(requestedAchievedText(o)).toBe('30% requested, 30.0% achieved of removable weights (27.3% of linear weights)');
  });

  it('a run saved before counts existed shows the achieved share of linear weights', () => {
    const o = outcome({ metric: 'wanda', sparsity: 0.5, allocation: 'mrp' }, { achievedSparsity: [0.49, 0.5, 0.49, 0.5, 0.49] });
    expect(requestedAchievedText(o)).toBe('50% requested, 49.4% achieved');
  });
});
