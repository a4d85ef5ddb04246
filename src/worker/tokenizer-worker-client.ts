// The studio worker's handle on its tokenizer worker (docs/design.md §8). @huggingface/tokenizers encodes a whole text
// in one synchronous call that nothing can interrupt (a 1 MB text, or a tokenizer.json whose Split regex backtracks
// for minutes), so untrusted evaluation / calibration text is encoded in a worker of its own: cancelling terminates
// it, the job fails with Cancelled at once, and the next text starts a fresh worker. One text at a time, in order.
import { Cancelled, PrunelabError } from '../core/errors.ts';
import { HfTokenizer, type HfTokenizerSource } from '../core/formats/hf-tokenizer.ts';
import type { TextTokenizer } from '../core/model/loaded-model.ts';
import type { FromTokenizer, ToTokenizer } from './tokenizer-host.ts';

/** The tokenizer worker died (out of memory, failed to start) while encoding a text. */
export class TokenizerWorkerFailed extends PrunelabError {
  constructor(why: string) {
    super('TokenizerWorkerFailed', `The tokenization worker stopped (${why.slice(0, 200)}). Run the job again; if it fails again, the text may be too large for this tab.`);
  }
}

export interface TokenizerPort {
  post(m: ToTokenizer): void;
  terminate(): void;
}
/** Starts a worker running tokenizerHost; `onFailure` when it dies or a message cannot be read. */
export type SpawnTokenizer = (onMessage: (m: FromTokenizer) => void, onFailure: (why: string) => void) => TokenizerPort;

interface Job { id: number; texts: string[]; resolve: (ids: number[][]) => void; reject: (e: unknown) => void; done: () => void }

export class TokenizerWorker {
  private port: TokenizerPort | null = null;
  private readonly queue: Job[] = [];
  private running: Job | null = null;
  private nextId = 1;
  /** Workers started so far (a test checks that cancel starts a fresh one). */
  started = 0;

  constructor(private readonly source: HfTokenizerSource, private readonly spawn: SpawnTokenizer = spawnBrowserWorker) {}

  /** The text's ids as HfTokenizer.encode gives them (no BOS); rejects with Cancelled as soon as `signal` aborts. */
  async encode(text: string, signal?: AbortSignal): Promise<number[]> {
    return (await this.encodeMany([text], signal))[0];
  }

  /** encode of every text, in one request (zero-shot documents: thousands of short texts). */
  encodeMany(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (signal?.aborted) return Promise.reject(new Cancelled('tokenization'));
    return new Promise<number[][]>((resolve, reject) => {
      const onAbort = () => this.drop(job, new Cancelled('tokenization'));
      const job: Job = { id: this.nextId++, texts, resolve, reject, done: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Ends the worker (the model is unloaded); texts still waiting fail with Cancelled. */
  terminate(): void {
    for (const job of [...this.queue, ...(this.running ? [this.running] : [])]) this.drop(job, new Cancelled('tokenization (the model was unloaded)'));
    this.kill();
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    const job = this.running = this.queue.shift()!;
    try {
      this.ensurePort().post({ kind: 'encode', id: job.id, texts: job.texts });
    } catch (e) {
      this.kill();
      this.settle(job, new TokenizerWorkerFailed(`it could not be started: ${String((e as Error)?.message ?? e)}`));
    }
  }

  private ensurePort(): TokenizerPort {
    if (this.port) return this.port;
    // Replies and failures of a worker that was since terminated are ignored.
    const port: TokenizerPort = this.spawn(
      (m) => { if (this.port === port) this.reply(m); },
      (why) => { if (this.port === port) this.died(why); });
    this.port = port;
    this.started++;
    port.post({ kind: 'load', source: this.source });
    return port;
  }

  private reply(m: FromTokenizer): void {
    const job = this.running;
    if (!job || m.id !== job.id) return;
    this.settle(job, 'ids' in m ? Array.from(m.ends, (end, k) => Array.from(m.ids.subarray(k ? m.ends[k - 1] : 0, end)))
      : new PrunelabError(m.error.code, m.error.message));
  }

  private died(why: string): void {
    this.kill();
    if (this.running) this.settle(this.running, new TokenizerWorkerFailed(why));
  }

  /** A waiting text leaves the queue; the running one takes its worker with it (nothing else can stop it). */
  private drop(job: Job, e: unknown): void {
    const waiting = this.queue.indexOf(job);
    if (waiting >= 0) {
      this.queue.splice(waiting, 1);
      job.done();
      job.reject(e);
    } else if (this.running === job) {
      this.kill();
      this.settle(job, e);
    }
  }

  /** Finishes the running job and starts the next (in a fresh worker when this one was killed). */
  private settle(job: Job, result: number[][] | unknown): void {
    if (this.running === job) this.running = null;
    job.done();
    if (Array.isArray(result)) job.resolve(result);
    else job.reject(result);
    this.pump();
  }

  private kill(): void {
    this.port?.terminate();
    this.port = null;
  }
}

/** worker.encodeMany that keeps every text's ids and sends only new texts: a search's zero-shot fitness encodes the
 * same documents at every evaluation. */
export function rememberingEncode(worker: TokenizerWorker): (texts: string[], signal?: AbortSignal) => Promise<number[][]> {
  const known = new Map<string, number[]>();
  return async (texts, signal) => {
    const missing = [...new Set(texts.filter((t) => !known.has(t)))];
    if (missing.length > 0) (await worker.encodeMany(missing, signal)).forEach((ids, k) => known.set(missing[k], ids));
    return texts.map((t) => known.get(t)!);
  };
}

/** The studio's tokenizer worker for `tokenizer` where it needs one: Hugging Face tokenizers, which encode a text in one
 * call (llama2.c / GGUF tokenizers encode in parts and stop between them, see windows.ts). */
export function tokenizerWorkerFor(tokenizer: TextTokenizer, spawn?: SpawnTokenizer): TokenizerWorker | undefined {
  return tokenizer instanceof HfTokenizer ? new TokenizerWorker(tokenizer.source, spawn) : undefined;
}

/** A nested module worker (Vite bundles tokenizer-worker.ts as its own chunk, vite.config.ts `worker`). */
function spawnBrowserWorker(onMessage: (m: FromTokenizer) => void, onFailure: (why: string) => void): TokenizerPort {
  const worker = new Worker(new URL('./tokenizer-worker.ts', import.meta.url), { type: 'module', name: 'prunelab-tokenizer' });
  worker.addEventListener('message', (e: MessageEvent<FromTokenizer>) => onMessage(e.data));
  worker.addEventListener('error', (e) => { e.preventDefault(); onFailure(e.message || 'it failed to start'); });
  worker.addEventListener('messageerror', () => onFailure('a message from it could not be read'));
  return { post: (m) => worker.postMessage(m), terminate: () => worker.terminate() };
}
