// A slider run's speed next to its perplexity: dense vs pruned tokens/s of one evaluation of the same windows, and
// for a structured run (compacted layers: less work) the speedup. Runs saved before the dense timing was kept have none.
import type { PruneOutcome } from '../worker/api.ts';

export interface PruneRunSpeed { denseTps: number; prunedTps: number; speedup: number | null }

export function pruneSpeed(o: PruneOutcome): PruneRunSpeed | null {
  if (!o.denseEvalSeconds || !o.evalSeconds) return null;
  const tokens = o.windows * o.seqLen;
  return { denseTps: tokens / o.denseEvalSeconds, prunedTps: tokens / o.evalSeconds,
    speedup: o.request.structured ? o.denseEvalSeconds / o.evalSeconds : null };
}

const tps = (v: number) => Math.round(v).toLocaleString('en-US');

/** e.g. "dense 1,234 tok/s, pruned 2,345 tok/s (1.90x faster)". */
export function pruneSpeedText(o: PruneOutcome): string | null {
  const s = pruneSpeed(o);
  if (!s) return null;
  return `dense ${tps(s.denseTps)} tok/s, pruned ${tps(s.prunedTps)} tok/s${s.speedup === null ? '' : ` (${s.speedup.toFixed(2)}x faster)`}`;
}
