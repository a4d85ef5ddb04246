// Layerwise pruning sensitivity (docs/algorithms.md §11, LPS): prune ONLY layer l (all seven maps, or one module at a
// time) at each level, from dense statistics, and measure the perplexity increase over dense on a short slice.
// Cells stream out as they finish; a scan given the cells it already has skips them (resume), and stops
// between cells when its signal aborts.
import { BadRequest, Cancelled } from '../errors.ts';
import { windowsPerplexity } from '../engine/perplexity.ts';
import { modulesOf, type Module } from './linear-maps.ts';
import type { Pruner } from './pruner.ts';
import { LayerMasker } from './unstructured.ts';
import type { Metric } from './prune-options.ts';

export interface ScanRequest {
  metric: Metric;
  /** Sparsity levels, each in (0, 1). Default 0.1 .. 0.9. */
  levels: number[];
  /** 'layer': layers x levels, all seven maps; 'module': layers x modules x levels, one map at a time. */
  by: 'layer' | 'module';
  /** The short evaluation slice (default 4 windows). */
  windows: number[][];
}

export interface ScanCell { layer: number; module: Module | 'all'; level: number; ppl: number; deltaPpl: number }

export const DEFAULT_LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
export const cellKey = (c: Pick<ScanCell, 'layer' | 'module' | 'level'>) => `${c.layer}/${c.module}/${c.level}`;

export async function sensitivityScan(pruner: Pruner, req: ScanRequest, opts: {
  signal?: AbortSignal; onCell?: (cell: ScanCell, done: number, total: number) => void; done?: ScanCell[];
} = {}): Promise<{ densePpl: number; cells: ScanCell[] }> {
  if (!req.levels.length || req.levels.some((s) => !(s > 0 && s < 1))) {
    throw new BadRequest(`scan levels must be sparsities in (0, 1), got [${req.levels.join(', ')}]`);
  }
  if (!req.windows.length) throw new BadRequest('the scan needs at least one evaluation window');
  if (req.metric === 'sparsegpt') {
    throw new BadRequest('the sensitivity scan supports wanda and magnitude scores; SparseGPT is not supported in the scan yet');
  }
  const { engine, masks, calib } = pruner;
  const L = engine.spec.numLayers;
  const modules: Array<Module | 'all'> = req.by === 'module' ? modulesOf(engine.spec) : ['all'];
  const evalPpl = () => windowsPerplexity(engine, req.windows);
  pruner.reset(); // dense: no masks and no compacted layers (a structured prune may be active)
  const densePpl = await evalPpl();
  await pruner.denseStatistics(opts.signal);
  engine.setMasks(masks.buffers);
  const masker = new LayerMasker(engine.gpu, engine.weights, masks, calib.stats, req.metric);
  const have = new Map((opts.done ?? []).map((c) => [cellKey(c), c]));
  const cells: ScanCell[] = [];
  const total = L * modules.length * req.levels.length;
  try {
    for (let l = 0; l < L; l++) {
      for (const module of modules) {
        for (const level of req.levels) {
          const previous = have.get(cellKey({ layer: l, module, level }));
          if (previous) { cells.push(previous); continue; }
          if (opts.signal?.aborted) throw new Cancelled('sensitivity scan');
          await masker.prune(l, level, module === 'all' ? undefined : module);
          const ppl = await evalPpl();
          const cell = { layer: l, module, level, ppl, deltaPpl: ppl - densePpl };
          cells.push(cell);
          opts.onCell?.(cell, cells.length, total);
        }
      }
      masks.keepAll(l);
    }
  } finally {
    pruner.reset();
  }
  return { densePpl, cells };
}
