// The one loop over evaluation windows: every perplexity in Prunelab (the engine's, the prune session's, the
// ONNX runtime's, the tests') sums per-window next-token NLL here and takes exp(sum / count) — never the mean of
// per-window perplexities. Cancellation is checked between windows; progress is reported after each one.
import { Cancelled } from '../errors.ts';

export interface WindowNllSum { sum: number; count: number }

export interface NllTotal extends WindowNllSum {
  /** Mean NLL (nats) over every predicted token. */
  nll: number;
  ppl: number;
  seconds: number;
}

export interface NllLoopOptions {
  signal?: AbortSignal;
  onProgress?: (windowsDone: number, windowsTotal: number) => void;
  /** What a cancellation names (Cancelled's message). */
  what?: string;
  /** Report (0, total) before the first window too. */
  reportStart?: boolean;
  /** Several windows per call (Engine.windowsNll, `size` at a time) instead of windowNll one by one; the sums are
   * added window by window in the same order, so the total is the same bits. */
  batch?: { size: number; windowsNll: (windows: number[][]) => Promise<WindowNllSum[]> };
}

export async function accumulateNll(windows: number[][], windowNll: (ids: number[]) => Promise<WindowNllSum>,
  opts: NllLoopOptions = {}): Promise<NllTotal> {
  const start = performance.now();
  let sum = 0, count = 0;
  if (opts.reportStart) opts.onProgress?.(0, windows.length);
  const size = opts.batch && opts.batch.size > 1 ? opts.batch.size : 1;
  for (let i = 0; i < windows.length; i += size) {
    if (opts.signal?.aborted) throw new Cancelled(opts.what ?? 'perplexity evaluation');
    const chunk = windows.slice(i, i + size);
    const sums = size > 1 && chunk.length > 1 ? await opts.batch!.windowsNll(chunk) : [await windowNll(chunk[0])];
    for (const w of sums) {
      sum += w.sum;
      count += w.count;
    }
    opts.onProgress?.(i + chunk.length, windows.length);
  }
  const nll = sum / count;
  return { sum, count, nll, ppl: Math.exp(nll), seconds: (performance.now() - start) / 1000 };
}
