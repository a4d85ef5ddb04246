// The tokenizer worker (tokenizer-worker-client.ts) gives the in-process ids, and cancel stops a tokenization that
// would run for hours (a Split regex that backtracks polynomially: 200 "a"s take 4 s in-process, 3,000 far longer).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../core/engine/engine.ts';
import { tokenizeForEval, tokenizeForEvalCancellable } from '../core/engine/windows.ts';
import { Cancelled, PrunelabError } from '../core/errors.ts';
import { HfTokenizer, type HfTokenizerSource } from '../core/formats/hf-tokenizer.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../../test/helpers/fixtures.ts';
import { spawnNodeTokenizer } from '../../test/helpers/tokenizer-worker-node.ts';
import { preEncoded, tokenizeTask } from '../core/zeroshot/evaluate-zero-shot.ts';
import { RequestEncoder } from '../core/zeroshot/context-continuation.ts';
import { loadTaskData } from '../core/zeroshot/task-data.ts';
import { taskByName } from '../core/zeroshot/task-registry.ts';
import { fixture } from '../../test/helpers/fixtures.ts';
import { PruneSession } from './prune-session.ts';
import { rememberingEncode, TokenizerWorker, TokenizerWorkerFailed, tokenizerWorkerFor, type SpawnTokenizer } from './tokenizer-worker-client.ts';

const json = (f: string) => JSON.parse(readFileSync(join(STORIES_HF, f), 'utf8')) as Record<string, unknown>;
const stories = (): HfTokenizerSource => ({ tokenizerJson: json('tokenizer.json'), tokenizerConfig: json('tokenizer_config.json'), fallbackBos: 1, fallbackEos: 2 });
/** Passes the load checks (no nested quantifier) but backtracks as n^4 on a run of "a"s without a "b". */
const backtracking = (): HfTokenizerSource => {
  const s = stories();
  s.tokenizerJson.pre_tokenizer = { type: 'Split', pattern: { Regex: 'a*a*a*a*b' }, behavior: 'Isolated', invert: false };
  return s;
};
const build = (s: HfTokenizerSource) => new HfTokenizer(s.tokenizerJson, s.tokenizerConfig, s.fallbackBos, s.fallbackEos);
const text = readFileSync(TINYSTORIES_TEXT, 'utf8').slice(0, 60_000);

const workers: TokenizerWorker[] = [];
const worker = (s: HfTokenizerSource, spawn: SpawnTokenizer = spawnNodeTokenizer) => { const w = new TokenizerWorker(s, spawn); workers.push(w); return w; };
afterEach(() => { for (const w of workers.splice(0)) w.terminate(); });

/** Rejects with what `p` rejects with, and how many ms after `since` it did. */
async function rejection(p: Promise<unknown>, since: () => number): Promise<{ error: unknown; ms: number }> {
  try { await p; } catch (error) { return { error, ms: performance.now() - since() }; }
  throw new Error('expected a rejection');
}

describe('tokenizer worker', () => {
  it('encodes to the in-process ids; BOS is added by windows.ts as in-process', async () => {
    const w = worker(stories());
    const inProcess = build(stories());
    expect(await w.encode(text)).toEqual(inProcess.encode(text));
    const viaWorker = build(stories()); // a fresh tokenizer: windows.ts caches ids per tokenizer object
    expect(await tokenizeForEvalCancellable(viaWorker, text, undefined, (t, s) => w.encode(t, s))).toEqual(tokenizeForEval(inProcess, text));
    const slow = backtracking(), short = text.slice(0, 3_000);
    expect(await worker(slow).encode(short)).toEqual(build(slow).encode(short));
  });

  it('cancel rejects with Cancelled at once, ends the worker, and the next text runs in a fresh one', async () => {
    const w = worker(backtracking());
    const c = new AbortController();
    const stuck = w.encode('a'.repeat(3_000), c.signal);
    const waiting = w.encode('Once upon a time'); // queued behind it: runs once the stuck one is cancelled
    await new Promise((r) => setTimeout(r, 500));
    let abortedAt = 0;
    c.abort();
    abortedAt = performance.now();
    const { error, ms } = await rejection(stuck, () => abortedAt);
    expect(error).toBeInstanceOf(Cancelled);
    expect(ms).toBeLessThan(200);
    expect(await waiting).toEqual(build(backtracking()).encode('Once upon a time'));
    expect(w.started).toBe(2);
    // An already-aborted signal never reaches the worker.
    await expect(w.encode('x', AbortSignal.abort())).rejects.toBeInstanceOf(Cancelled);
  });

  it('a PruneSession job cancelled while its HF text tokenizes fails with Cancelled promptly', async () => {
    const tokenizer = build(backtracking());
    const session = new PruneSession({ model: { tokenizer } } as unknown as Engine, tokenizerWorkerFor(tokenizer, spawnNodeTokenizer));
    const c = new AbortController();
    const job = session.tokens('a'.repeat(3_000), c.signal);
    setTimeout(() => c.abort(), 300);
    const t0 = performance.now();
    await expect(job).rejects.toBeInstanceOf(Cancelled);
    expect(performance.now() - t0).toBeLessThan(3_000); // the encode alone would take hours
    const ok = await session.tokens('Once upon a time');
    expect(ok.ids).toEqual([tokenizer.bosId, ...tokenizer.encode('Once upon a time')]);
    session.destroy();
  });

  it('a tokenizer that fails in the worker, or a worker that dies, is a typed error, never a raw one', async () => {
    const broken = stories();
    broken.tokenizerJson = { ...broken.tokenizerJson, model: 'not an object' };
    const e = await rejection(worker(broken).encode('hello'), () => 0);
    expect(e.error).toBeInstanceOf(PrunelabError);
    expect((e.error as PrunelabError).code).toBe('BadModelFile');
    expect((e.error as Error).message).toMatch(/tokenizer.json: "model" must be an object/);

    let spawns = 0;
    const dying: SpawnTokenizer = (_onMessage, onFailure) => {
      spawns++;
      return { post: (m) => { if (m.kind === 'encode') setTimeout(() => onFailure('out of memory'), 10); }, terminate: () => {} };
    };
    const w = worker(stories(), dying);
    const died = await rejection(w.encode('hello'), () => 0);
    expect(died.error).toBeInstanceOf(TokenizerWorkerFailed);
    expect((died.error as PrunelabError).code).toBe('TokenizerWorkerFailed');
    expect((died.error as Error).message).toMatch(/out of memory/);
    await expect(w.encode('again')).rejects.toBeInstanceOf(TokenizerWorkerFailed);
    expect(spawns).toBe(2); // a dead worker is replaced by the next text's
    const unstartable = worker(stories(), () => { throw new TypeError('Worker is not defined'); });
    await expect(unstartable.encode('hello')).rejects.toBeInstanceOf(TokenizerWorkerFailed);
  });

  it('zero-shot documents: every text the requests encode comes from the worker, to the in-process requests; cancel stops it', async () => {
    const tasks = await Promise.all([['hellaswag', 'tinystories-hellaswag.jsonl'], ['arc_easy', 'tinystories-arc.jsonl']].map(([name, file]) =>
      loadTaskData(taskByName(name), readFileSync(fixture('tasks', file)), file, 40)));
    const tokenizer = build(stories());
    let inProcess = 0;
    const counting = Object.assign(Object.create(tokenizer) as HfTokenizer, { encode: (t: string) => { inProcess++; return tokenizer.encode(t); } });
    const w = worker(stories());
    const viaWorker = await preEncoded(counting, tasks, (texts, s) => w.encodeMany(texts, s));
    for (const data of tasks) {
      expect(tokenizeTask(data, new RequestEncoder(viaWorker, true))).toEqual(tokenizeTask(data, new RequestEncoder(tokenizer, true)));
    }
    expect(inProcess).toBe(0);
    // The search's fitness encodes the same documents at every evaluation: once through the worker.
    const sent: number[] = [];
    const many = w.encodeMany.bind(w);
    w.encodeMany = (texts, s) => { sent.push(texts.length); return many(texts, s); };
    const remembering = rememberingEncode(w);
    const first = await preEncoded(counting, tasks, remembering), again = await preEncoded(counting, tasks, remembering);
    expect(tokenizeTask(tasks[0], new RequestEncoder(again, false))).toEqual(tokenizeTask(tasks[0], new RequestEncoder(first, false)));
    expect(sent.length).toBe(1);
    expect(inProcess).toBe(0);

    const slow = worker(backtracking());
    const c = new AbortController();
    const stuck = slow.encodeMany(['Once upon a time', 'a'.repeat(3_000)], c.signal);
    setTimeout(() => c.abort(), 300);
    await expect(stuck).rejects.toBeInstanceOf(Cancelled);
  });

  it('only Hugging Face tokenizers get a worker (llama2.c / GGUF tokenizers stop between parts)', () => {
    const parts = { vocabSize: 3, bosId: 1, eosId: 2, addBos: true, encode: () => [], *encodeParts() { yield []; }, decode: () => '' };
    expect(tokenizerWorkerFor(parts)).toBeUndefined();
    const w = tokenizerWorkerFor(build(stories()), spawnNodeTokenizer);
    expect(w).toBeInstanceOf(TokenizerWorker);
    w!.terminate();
  });
});
