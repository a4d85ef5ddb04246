// What the worker keeps per loaded model for pruning: tokenized texts (a 1 MB text takes seconds to
// tokenize), the Pruner with its calibration windows (rebuilt only when the calibration changes) and the
// dense perplexity per text + protocol (the slider compares every pruned number with it).
import { BadRequest, Cancelled } from '../core/errors.ts';
import { accumulateNll } from '../core/engine/nll-accumulator.ts';
import { batchOf } from '../core/engine/perplexity.ts';
import { forgetApplied } from './current-prune.ts';
import type { Engine } from '../core/engine/engine.ts';
import { sha256Hex, tokenizeForEvalCancellable } from '../core/engine/windows.ts';
import type { TokenizerWorker } from './tokenizer-worker-client.ts';
import { evaluationAndCalibration } from '../core/engine/calibration-windows.ts';
import { Pruner } from '../core/prune/pruner.ts';
import type { CalibrationSpec, PruneJobOptions } from './api.ts';

export interface Tokenized { ids: number[]; hash: string }
export interface WindowNll { ppl: number; nll: number; tokens: number; seconds: number }

/** Files cross the worker boundary as copies, so they are recognised by name, size and date; strings by their whole content. */
const textKey = (t: File | string) => (typeof t === 'string' ? `s:${t}` : `f:${t.name}:${t.size}:${t.lastModified}`);

export class PruneSession {
  /** Tokenizations by text, with the signal that can stop each. */
  private texts = new Map<string, { promise: Promise<Tokenized>; signal?: AbortSignal }>();
  private current: { key: string; pruner: Pruner } | null = null;
  private densePpl = new Map<string, WindowNll>();

  /** `tokenizerWorker`: where a Hugging Face tokenizer encodes texts so that cancel can stop it (the studio's). */
  constructor(readonly engine: Engine, readonly tokenizerWorker?: TokenizerWorker) {}

  /** The text's ids, tokenized once; `signal` stops a tokenization this call started (between the tokenizer's
   * parts, or by terminating the tokenizer worker, see tokenizeForEvalCancellable). A call that waits on a
   * tokenization another signal can stop, and did, tokenizes again under its own. */
  tokens(text: File | string, signal?: AbortSignal): Promise<Tokenized> {
    const key = textKey(text);
    const hit = this.texts.get(key);
    if (!hit) {
      const started = (async () => {
        const content = typeof text === 'string' ? text : await text.text();
        if (content.trim().length === 0) throw new BadRequest('the evaluation text is empty');
        return { ids: await tokenizeForEvalCancellable(this.engine.model.tokenizer, content, signal,
          this.tokenizerWorker && ((t, sig) => this.tokenizerWorker!.encode(t, sig))), hash: await sha256Hex(content) };
      })();
      started.catch(() => { if (this.texts.get(key)?.promise === started) this.texts.delete(key); });
      this.texts.set(key, { promise: started, signal });
      return started;
    }
    if (hit.signal === signal) return hit.promise;
    return hit.promise.catch((e) => {
      if (!(e instanceof Cancelled) || signal?.aborted) throw e;
      return this.tokens(text, signal);
    });
  }

  /** Evaluation windows from the start of the text, and calibration windows after them (or from calibText). */
  async windows(opts: PruneJobOptions, signal?: AbortSignal): Promise<{ text: Tokenized; evaluation: number[][]; calibration: number[][]; spec: CalibrationSpec }> {
    const text = await this.tokens(opts.text, signal);
    const separate = opts.calibText !== undefined;
    const source = separate ? await this.tokens(opts.calibText!, signal) : text;
    const { evaluation, calibration, offsetTokens } = evaluationAndCalibration(text.ids, opts.seqLen, opts.evalWindows,
      opts.calibWindows, separate ? source.ids : undefined);
    const spec: CalibrationSpec = { source: separate ? 'calibration-text' : 'evaluation-text', textHash: source.hash,
      offsetTokens, windows: calibration.length, seqLen: opts.seqLen };
    return { text, evaluation, calibration, spec };
  }

  /** The pruner for these calibration windows: reused while the calibration stays the same. */
  async pruner(calibration: number[][], spec: CalibrationSpec): Promise<Pruner> {
    const key = JSON.stringify(spec);
    if (this.current?.key === key) return this.current.pruner;
    this.dropPruner();
    const pruner = await Pruner.create(this.engine, calibration);
    this.current = { key, pruner };
    return pruner;
  }

  /** exp(mean NLL) over the windows, accumulated exactly as evaluatePerplexity does (batched windows alike). */
  async evaluate(windows: number[][], signal: AbortSignal, onWindow?: (done: number, total: number) => void): Promise<WindowNll> {
    const { ppl, nll, count, seconds } = await accumulateNll(windows, (w) => this.engine.windowNll(w),
      { signal, onProgress: onWindow, what: 'evaluation', batch: batchOf(this.engine, windows) });
    return { ppl, nll, tokens: count, seconds };
  }

  /** Dense perplexity on these windows, computed once per text + protocol. */
  async dense(text: Tokenized, windows: number[][], signal: AbortSignal): Promise<WindowNll> {
    const key = `${text.hash}/${windows.length}x${windows[0].length}`;
    const hit = this.densePpl.get(key);
    if (hit) return hit;
    this.makeDense();
    // One untimed window first: the timing is compared with pruned runs' (tokens/s, a structured run's speedup), and
    // a first evaluation at this window size also pays for building its forward plan.
    await this.engine.windowNll(windows[0]);
    const result = await this.evaluate(windows, signal);
    this.densePpl.set(key, result);
    return result;
  }

  /** Back to the dense model (the dense perplexity panel and generation evaluate the unpruned weights). */
  makeDense(): void {
    forgetApplied(this);
    this.current?.pruner.reset();
  }

  private dropPruner(): void {
    this.current?.pruner.destroy();
    this.current = null;
  }

  destroy(): void {
    this.tokenizerWorker?.terminate();
    this.dropPruner();
    this.texts.clear();
    this.densePpl.clear();
  }
}
