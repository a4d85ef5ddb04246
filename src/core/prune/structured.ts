// Structured pruning (Wanda-sp / magnitude-sp / FLAP, docs/algorithms.md §12), sequential like Wanda: for each layer, its
// statistics come from the calibration stream with the layers before it already pruned; its o / down columns are
// scored on the GPU, and heads (or whole kv-groups) and channels selected on the CPU from those scores; the
// selection is written as masks (zero rows of q / k / v / gate / up, zero columns of o / down, which computes the
// same function as removing them) so the stream advances through the pruned layer. FLAP's bias compensation
// (compensation.ts) is added to o_proj / down_proj's biases, which the stream then reads too.
// At the end the kept rows / columns are gathered into compacted buffers, and the engine evaluates those:
// fewer heads and a narrower MLP per layer, so the pruned model really computes less.
import { BadRequest, Cancelled } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import type { CalibrationRun } from './calibration.ts';
import type { MaskSet } from './mask-set.ts';
import type { KeptUnits } from './compaction.ts';
import { OutputBiases } from './compensation.ts';
import type { LayerRemovals } from './flap-global.ts';
import { StructuredScorer } from './structured-scorer.ts';
import {
  keptChannels, keptHeads, keptKvGroups, removedCount, type StructuredMetric,
} from './structured-selection.ts';

export interface StructuredOptions {
  /** Per-layer query-head / channel counts to remove instead of floor(p_l * count) (the count repair's, or
   * flap-global's); with kvGroups, heads is a multiple of the group size. */
  removals?: readonly LayerRemovals[];
  /** Remove whole kv-groups (k, v rows and all their query heads): floor(p_l * numKvHeads) groups per layer. */
  kvGroups?: boolean;
  /** FLAP's bias compensation (FLAP only; default on). */
  biasCompensation?: boolean;
  /** The pruner's scorer (its prepared score calls are reused across prunes); a temporary one when absent. */
  scorer?: StructuredScorer;
  signal?: AbortSignal;
  onLayer?: (l: number) => void;
}

/** Throws BadRequest before any GPU work when some layer's head count cannot be met under GQA. */
export function checkStructuredAllocation(numHeads: number, numKvHeads: number, alloc: readonly number[], kvGroups = false): void {
  // floor(p * numKvHeads) < numKvHeads for every p < 1: a group always stays. Multi-head attention (GPT-2, OPT)
  // removes heads as kv-groups of one.
  if (kvGroups || numHeads === numKvHeads) return;
  alloc.forEach((p, l) => {
    const remove = removedCount(p, numHeads);
    if (remove > numHeads - numKvHeads) {
      throw new BadRequest(`layer ${l}: removing ${remove} of ${numHeads} attention heads would leave a kv-group ` +
        `with no query head (${numKvHeads} kv heads, so at most ${numHeads - numKvHeads} heads can go); to remove ` +
        'whole kv-groups instead, use the kvGroups option (CLI --kv-groups)');
    }
  });
}

/** Writes layer l's structured selection into its masks (k, v stay dense unless whole kv-groups went). */
function writeStructuredMasks(engine: Engine, masks: MaskSet, l: number, kept: KeptUnits): void {
  const hd = engine.spec.headDim;
  const heads = new Set(kept.heads), channels = new Set(kept.channels);
  const kvHeads = new Set(kept.kvHeads ?? Array.from({ length: engine.spec.numKvHeads }, (_, g) => g));
  const all = () => true;
  const head = (i: number) => heads.has(Math.floor(i / hd));
  const kvHead = (i: number) => kvHeads.has(Math.floor(i / hd));
  const chan = (i: number) => channels.has(i);
  masks.keepRowsColumns(l, ({ map: { module } }) => (module === 'q' ? { row: head, col: all } : module === 'o' ? { row: all, col: head }
    : module === 'k' || module === 'v' ? { row: kvHead, col: all }
      : module === 'gate' || module === 'up' ? { row: chan, col: all } : module === 'down' ? { row: all, col: chan }
        : { row: all, col: all }));
}

/** Runs the sequential structured selection; the calibration plan reads `masks`. Returns what each layer keeps. */
export async function selectStructured(engine: Engine, masks: MaskSet, calib: CalibrationRun, metric: StructuredMetric,
  alloc: readonly number[], opts: StructuredOptions = {}): Promise<KeptUnits[]> {
  const { spec } = engine;
  const { hiddenSize: d, intermediateSize: f, numHeads: nH, numKvHeads: nKv, headDim: hd } = spec;
  if (!opts.removals) checkStructuredAllocation(nH, nKv, alloc, opts.kvGroups);
  const compensate = metric === 'flap' && opts.biasCompensation !== false;
  const scorer = opts.scorer ?? new StructuredScorer(engine, calib);
  const out: KeptUnits[] = [];
  const biases = compensate ? await OutputBiases.create(engine) : null;
  try {
    if (biases) await calib.attachBiases(biases.byName);
    await calib.embed();
    for (let l = 0; l < spec.numLayers; l++) {
      if (opts.signal?.aborted) throw new Cancelled('structured pruning');
      masks.keepAll(l);                      // layer l's statistics come from the unpruned layer
      await calib.capture(l);
      const { heads, channels } = await scorer.scores(l, metric);
      const r = opts.removals?.[l];
      const kept: KeptUnits = {
        ...(opts.kvGroups || nH === nKv ? keptKvGroups(heads, nKv, r ? r.heads / (nH / nKv) : removedCount(alloc[l], nKv), l)
          : { heads: keptHeads(heads, nKv, r ? r.heads : removedCount(alloc[l], nH), l) }),
        channels: keptChannels(channels, r ? r.channels : removedCount(alloc[l], f)),
      };
      writeStructuredMasks(engine, masks, l, kept);
      if (biases) await biases.compensate(l, kept, calib);
      await calib.advance(l);
      out.push(kept);
      opts.onLayer?.(l);
    }
    if (biases) {
      for (let l = 0; l < spec.numLayers; l++) Object.assign(out[l], await biases.read(l));
    }
  } finally {
    if (biases) calib.detachBiases();
    biases?.destroy();
    if (!opts.scorer) scorer.destroy();
  }
  return out;
}
