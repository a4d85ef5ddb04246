// The allocation overlay's job: OWL's and MRP's per-layer sparsities for a target, computed from the
// calibration windows without evaluating perplexity. OWL needs the dense statistics and outlier ratios; MRP
// runs its whole loop (sequential prunes, redundancy refreshes). Both leave the model dense afterwards.
import { requestRefusal, type PruneRequest } from '../core/prune/prune-options.ts';
import type { PruneProgress } from '../core/prune/pruner.ts';
import type { AllocationsOutcome, PruneJobOptions } from './api.ts';
import type { PruneSession } from './prune-session.ts';

const mrpAccepts = (metric: PruneRequest['metric']) => requestRefusal({ metric, sparsity: 0.5, allocation: 'mrp' }, 1) === null;

export async function allocationsJob(session: PruneSession, req: { metric: PruneRequest['metric']; sparsity: number },
  opts: PruneJobOptions, signal: AbortSignal, onProgress: (p: PruneProgress) => void): Promise<AllocationsOutcome> {
  const start = performance.now();
  const { calibration, spec } = await session.windows(opts, signal);
  onProgress({ phase: 'calibration', done: 0, total: 1 });
  const pruner = await session.pruner(calibration, spec);
  // OWL's ratios come from Wanda scores whatever the metric (its sequential prune uses Wanda too: SparseGPT's
  // weight updates would change nothing in the allocation). MRP's redundancy comes from the metric's own scores,
  // as the slider's MRP computes it; Wanda's where the core does not run MRP with that metric.
  const owlMetric = req.metric === 'sparsegpt' ? 'wanda' : req.metric;
  const metric = mrpAccepts(req.metric) ? req.metric : owlMetric;
  try {
    const owl = await pruner.prune({ metric: owlMetric, sparsity: req.sparsity, allocation: 'owl' },
      { signal, onProgress: (p) => onProgress({ ...p, phase: `OWL ${p.phase}` }) });
    const mrp = await pruner.prune({ metric, sparsity: req.sparsity, allocation: 'mrp' }, { signal, onProgress });
    return { sparsity: req.sparsity, metric, owl: owl.allocation, mrp: mrp.allocation, outlierRatios: owl.outlierRatios ?? [],
      seconds: (performance.now() - start) / 1000 };
  } finally {
    session.makeDense();
  }
}
