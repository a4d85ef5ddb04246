// The two pruning jobs the studio runs in the worker's slot: prune + evaluate (the slider) and the
// sensitivity scan. Both take their windows from the PruneSession so the CLI can reproduce them exactly
// (prunelab prune --calib TEXT --calib-offset evalWindows*seqLen --calib-windows N --windows W --seq-len T).
import type { PruneRequest } from '../core/prune/prune-options.ts';
import type { PruneProgress } from '../core/prune/pruner.ts';
import { sensitivityScan, type ScanCell } from '../core/prune/sensitivity-scan.ts';
import type { PruneJobOptions, PruneOutcome, ScanJobRequest, ScanOutcome } from './api.ts';
import type { PruneSession } from './prune-session.ts';
import { rememberPrune } from './current-prune.ts';

export async function pruneJob(session: PruneSession, request: PruneRequest, opts: PruneJobOptions, signal: AbortSignal,
  onProgress: (p: PruneProgress) => void): Promise<PruneOutcome> {
  const start = performance.now();
  const { text, evaluation, calibration, spec } = await session.windows(opts, signal);
  const dense = await session.dense(text, evaluation, signal);
  onProgress({ phase: 'calibration', done: 0, total: 1 });
  const pruner = await session.pruner(calibration, spec);
  const full = await pruner.prune(request, { signal, onProgress });
  const { trajectory: _t, kept, ...result } = full;
  const pruned = await session.evaluate(evaluation, signal,
    (done, total) => onProgress({ phase: 'evaluation', done, total }));
  const pruneId = rememberPrune(session, { request, opts, pruner, result: full, dense, pruned, text, calibration: spec, windows: evaluation.length });
  return {
    pruneId, request, result, ppl: pruned.ppl, nll: pruned.nll, densePpl: dense.ppl, tokens: pruned.tokens,
    windows: evaluation.length, seqLen: opts.seqLen, calibration: spec, modelHash: session.engine.model.fingerprint,
    textHash: text.hash, seconds: (performance.now() - start) / 1000, evalSeconds: pruned.seconds, denseEvalSeconds: dense.seconds,
    ...(kept ? { keptHeads: kept.map((k) => k.heads.length), keptChannels: kept.map((k) => k.channels.length) } : {}),
  };
}

export async function scanJob(session: PruneSession, req: ScanJobRequest,
  opts: PruneJobOptions & { scanWindows: number }, signal: AbortSignal,
  onCell: (cell: ScanCell, done: number, total: number) => void): Promise<ScanOutcome> {
  const { evaluation, calibration, spec } = await session.windows(opts, signal);
  const windows = evaluation.slice(0, Math.max(1, opts.scanWindows));
  const pruner = await session.pruner(calibration, spec);
  const { densePpl, cells } = await sensitivityScan(pruner, { metric: req.metric, levels: req.levels, by: req.by ?? 'layer', windows },
    { signal, onCell, done: req.done });
  return { densePpl, cells, windows: windows.length, seqLen: opts.seqLen };
}
