// Structured pruning (Wanda-sp / magnitude-sp, ALGORITHMS.md), sequential like Wanda: for each layer, its
// statistics come from the calibration stream with the layers before it already pruned; its o / down columns are
// scored on the GPU, and heads and channels selected on the CPU from those scores; the selection is written as masks (zero rows of q / gate / up, zero columns of o /
// down, which computes the same function as removing them) so the stream advances through the pruned layer.
// At the end the kept rows / columns are gathered into compacted buffers, and the engine evaluates those:
// fewer heads and a narrower MLP per layer, so the pruned model really computes less.
import { BadRequest, Cancelled } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import { createStorageBuffer, readF32 } from '../gpu/buffers.ts';
import { prepareColumnScores } from '../kernels/column-scores.ts';
import { runCalls } from '../kernels/kernel-call.ts';
import { tensorNames } from '../model/spec.ts';
import type { CalibrationRun } from './calibration.ts';
import type { MaskSet } from './mask-set.ts';
import type { KeptUnits } from './compaction.ts';
import {
  headScores, keptChannels, keptHeads, removedCount, type StructuredMetric,
} from './structured-selection.ts';

/** Throws BadRequest before any GPU work when some layer's head count cannot be met under GQA. */
export function checkStructuredAllocation(numHeads: number, numKvHeads: number, alloc: readonly number[]): void {
  alloc.forEach((p, l) => {
    const remove = removedCount(p, numHeads);
    if (remove > numHeads - numKvHeads) {
      throw new BadRequest(`layer ${l}: removing ${remove} of ${numHeads} attention heads would leave a kv-group ` +
        `with no query head (${numKvHeads} kv heads, so at most ${numHeads - numKvHeads} heads can go; removing ` +
        'whole kv-groups is not supported yet)');
    }
  });
}

/** Bitset [N, ceil(K/32)] (1 = kept) with whole rows and/or columns removed. */
function rowColBits(N: number, K: number, keepRow: (i: number) => boolean, keepCol: (j: number) => boolean): Uint32Array {
  const words = Math.ceil(K / 32);
  const bits = new Uint32Array(N * words);
  for (let i = 0; i < N; i++) {
    if (!keepRow(i)) continue;
    for (let j = 0; j < K; j++) if (keepCol(j)) bits[i * words + (j >> 5)] |= (1 << (j & 31)) >>> 0;
  }
  return bits;
}

/** Writes layer l's structured selection into its masks (k, v stay dense: every kv head is still read). */
function writeStructuredMasks(engine: Engine, masks: MaskSet, l: number, kept: KeptUnits): void {
  const hd = engine.spec.headDim;
  const heads = new Set(kept.heads), channels = new Set(kept.channels);
  const all = () => true;
  const head = (i: number) => heads.has(Math.floor(i / hd));
  const chan = (i: number) => channels.has(i);
  for (const e of masks.layers[l]) {
    const { N, K, module } = e.map;
    const bits = module === 'q' ? rowColBits(N, K, head, all) : module === 'o' ? rowColBits(N, K, all, head)
      : module === 'gate' || module === 'up' ? rowColBits(N, K, chan, all) : module === 'down' ? rowColBits(N, K, all, chan)
        : rowColBits(N, K, all, all);
    engine.gpu.device.queue.writeBuffer(e.mask, 0, bits);
  }
}

/** Runs the sequential structured selection; the calibration plan reads `masks`. Returns what each layer keeps. */
export async function selectStructured(engine: Engine, masks: MaskSet, calib: CalibrationRun, metric: StructuredMetric,
  alloc: readonly number[], opts: { signal?: AbortSignal; onLayer?: (l: number) => void } = {}): Promise<KeptUnits[]> {
  const { spec, gpu } = engine;
  const { hiddenSize: d, intermediateSize: f, numHeads: nH, numKvHeads: nKv, headDim: hd } = spec;
  checkStructuredAllocation(nH, nKv, alloc);
  const out: KeptUnits[] = [];
  const oScores = await createStorageBuffer(gpu, 'o column scores', nH * hd * 4);   // [nH*hd]
  const downScores = await createStorageBuffer(gpu, 'down column scores', f * 4);   // [f]
  try {
    await calib.embed();
    for (let l = 0; l < spec.numLayers; l++) {
      if (opts.signal?.aborted) throw new Cancelled('structured pruning');
      masks.keepAll(l);                      // layer l's statistics come from the unpruned layer
      await calib.capture(l);
      // Column scores of the dense o [d, nH*hd] and down [d, f] on the GPU; only the [K] scores come back.
      const n = tensorNames.layer(l);
      const w = (name: string) => engine.weights.tensors.get(name)!;
      const wanda = metric === 'wanda-sp';
      await runCalls(gpu, [
        await prepareColumnScores(gpu, { w: w(n.o), sq: wanda ? calib.stats[l].oIn : undefined, out: oScores, N: d, K: nH * hd, metric }),
        await prepareColumnScores(gpu, { w: w(n.down), sq: wanda ? calib.stats[l].downIn : undefined, out: downScores, N: d, K: f, metric }),
      ]);
      const heads = headScores(await readF32(gpu, oScores, nH * hd), nH, hd);
      const channels = await readF32(gpu, downScores, f);
      const kept = {
        heads: keptHeads(heads, nKv, removedCount(alloc[l], nH), l),
        channels: keptChannels(channels, removedCount(alloc[l], f)),
      };
      writeStructuredMasks(engine, masks, l, kept);
      await calib.advance(l);
      out.push(kept);
      opts.onLayer?.(l);
    }
  } finally {
    oScores.destroy();
    downScores.destroy();
  }
  return out;
}
