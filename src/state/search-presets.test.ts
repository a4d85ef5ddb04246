// The search panel's one-click settings: the method panel's pruning as the search's, and the two budgets.
import { describe, expect, it } from 'vitest';
import { DEFAULT_METHOD } from './prune-settings.ts';
import { DEFAULT_SEARCH, PAPER_PRESET, QUICK_PRESET, plannedEvaluationsOf, searchFromMethodPanel } from './search-settings.ts';

describe('search presets', () => {
  it('takes the method panel\'s score, pattern and the slider\'s target', () => {
    expect(searchFromMethodPanel(DEFAULT_METHOD, 0.5)).toEqual({ method: 'wanda', target: 0.5 });
    expect(searchFromMethodPanel({ ...DEFAULT_METHOD, metric: 'magnitude' }, 0)).toEqual({ method: 'magnitude' });
    expect(searchFromMethodPanel({ ...DEFAULT_METHOD, nm: 'heads' }, 0.3)).toEqual({ method: 'wanda-sp', target: 0.3 });
    expect(searchFromMethodPanel({ ...DEFAULT_METHOD, nm: 'heads', metric: 'magnitude' }, 0.3)).toMatchObject({ method: 'magnitude-sp' });
    expect(searchFromMethodPanel({ ...DEFAULT_METHOD, nm: 'heads', flap: true }, 0.3)).toMatchObject({ method: 'flap' });
    expect(searchFromMethodPanel({ ...DEFAULT_METHOD, metric: 'sparsegpt' }, 0.4)).toEqual({ method: 'wanda', target: 0.4 });
  });

  it('the quick preset plans a small fraction of the paper\'s evaluations; the paper\'s is the default', () => {
    expect({ ...DEFAULT_SEARCH, ...PAPER_PRESET }).toEqual(DEFAULT_SEARCH);
    const quick = plannedEvaluationsOf({ ...DEFAULT_SEARCH, ...QUICK_PRESET } as never);
    const paper = plannedEvaluationsOf(DEFAULT_SEARCH as never);
    expect(quick).toBeLessThan(paper / 10);
  });
});
