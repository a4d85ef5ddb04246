// Greedy text of the pruned model (the studio's dense-vs-pruned preview): before a generation that asks for
// it, the model is pruned with the slider's request on the same calibration windows as the slider's prune,
// so the text comes from exactly the masks (or SparseGPT weights, or compacted layers) the slider evaluated.
import type { PruneRequest } from '../core/prune/prune-options.ts';
import type { PruneJobOptions } from './api.ts';
import type { PruneSession } from './prune-session.ts';

export async function pruneForGeneration(session: PruneSession, prune: { request: PruneRequest; job: PruneJobOptions },
  signal: AbortSignal): Promise<void> {
  const { calibration, spec } = await session.windows(prune.job);
  const pruner = await session.pruner(calibration, spec);
  await pruner.prune(prune.request, { signal });
}
