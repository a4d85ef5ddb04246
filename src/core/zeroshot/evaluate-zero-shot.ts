// Zero-shot multiple-choice accuracy of the engine's model (dense, or through whatever masks / compacted layers the
// engine currently runs) on each task's documents, computed as lm-eval-harness computes it.
import type { Engine } from '../engine/engine.ts';
import type { TextTokenizer } from '../model/loaded-model.ts';
import { PRUNELAB_VERSION } from '../version.ts';
import { describePlace } from './doc-fields.ts';
import { taskRequests } from './task-requests.ts';
import { RequestEncoder, type TokenizedRequest } from './context-continuation.ts';
import { scoreLoglikelihoods } from './loglikelihood.ts';
import { meanWithStderr, scoreDocument } from './choice-metrics.ts';
import { TARGET_DELIMITER, type ChoiceRequests } from './task-definition.ts';
import type { TaskData } from './task-data.ts';
import type { TaskResult, ZeroShotReport } from './zero-shot-report.ts';

export interface ZeroShotOptions {
  /** BOS before each context; default: what the tokenizer config asks for (lm-eval's HF default). */
  addBos?: boolean;
  signal?: AbortSignal;
  onProgress?: (task: string, requestsDone: number, requestsTotal: number) => void;
  /** Encodes the documents' texts where `signal` can stop it (the studio's tokenizer worker): tokenizer.encode's ids. */
  encodeElsewhere?: (texts: string[], signal?: AbortSignal) => Promise<number[][]>;
}

/** Every document's requests, tokenized; throws the first bad document's TaskDataError before any GPU work. */
export function tokenizeTask(data: TaskData, encoder: RequestEncoder): { docs: ChoiceRequests[]; requests: TokenizedRequest[] } {
  const docs = taskRequests(data);
  const requests = docs.flatMap((r, k) =>
    r.contexts.map((c, i) => encoder.encode(c, r.continuations[i], `${describePlace(data.documents[k].at)} choice ${i}`)));
  return { docs, requests };
}

/** `tokenizer` with every text the tasks' requests encode already encoded by `encode` (looked up, not re-encoded). */
export async function preEncoded(tokenizer: TextTokenizer, tasks: TaskData[], encode: NonNullable<ZeroShotOptions['encodeElsewhere']>,
  signal?: AbortSignal): Promise<TextTokenizer> {
  const texts = new Set<string>();
  for (const data of tasks) {
    for (const r of taskRequests(data)) r.contexts.forEach((c, i) => { for (const t of RequestEncoder.texts(c, r.continuations[i])) texts.add(t); });
  }
  const list = [...texts];
  const ids = await encode(list, signal);
  const known = new Map(list.map((t, k) => [t, ids[k]]));
  return {
    vocabSize: tokenizer.vocabSize, baseVocabSize: tokenizer.baseVocabSize, bosId: tokenizer.bosId, eosId: tokenizer.eosId, addBos: tokenizer.addBos,
    encode: (t) => known.get(t)?.slice() ?? tokenizer.encode(t),
    decode: (d, previous) => tokenizer.decode(d, previous),
  };
}

export async function evaluateZeroShot(engine: Engine, tasks: TaskData[], opts: ZeroShotOptions = {}): Promise<ZeroShotReport> {
  const start = performance.now();
  const tokenizer = opts.encodeElsewhere
    ? await preEncoded(engine.model.tokenizer, tasks, opts.encodeElsewhere, opts.signal) : engine.model.tokenizer;
  const addBos = opts.addBos ?? tokenizer.addBos;
  const encoder = new RequestEncoder(tokenizer, addBos);
  const maxLength = engine.spec.maxPositions;
  const tokenized = tasks.map((t) => tokenizeTask(t, encoder));   // all data checked before the first forward
  const results: TaskResult[] = [];
  for (const [k, data] of tasks.entries()) {
    const taskStart = performance.now();
    const { docs, requests } = tokenized[k];
    const lls = await scoreLoglikelihoods(engine, requests, {
      signal: opts.signal,
      onProgress: (done, total) => opts.onProgress?.(data.task.name, done, total),
    });
    let next = 0;
    const perDocument = docs.map((d) => {
      const mine = lls.slice(next, next += d.choices.length);
      return scoreDocument(mine.map((r) => r.logprob), mine.map((r) => r.isGreedy), d.choices, d.gold);
    });
    results.push({
      task: data.task.name,
      version: data.task.version,
      dataset: data.task.dataset,
      metrics: data.task.metrics,
      acc: meanWithStderr(perDocument.map((d) => d.acc)),
      accNorm: data.task.metrics.includes('acc_norm') ? meanWithStderr(perDocument.map((d) => d.accNorm)) : null,
      documents: docs.length,
      limit: data.limit,
      requests: requests.length,
      truncated: requests.filter((r) => r.context.length + r.continuation.length > maxLength + 1).length,
      dataFile: data.file,
      dataSha256: data.sha256,
      ...(data.hub ? { dataHub: data.hub } : {}),
      seconds: (performance.now() - taskStart) / 1000,
      perDocument,
    });
  }
  return {
    tasks: results,
    seconds: (performance.now() - start) / 1000,
    protocol: {
      harness: 'lm-evaluation-harness multiple_choice, 0-shot, HF causal loglikelihood',
      numFewshot: 0,
      targetDelimiter: TARGET_DELIMITER,
      addBos: addBos && tokenizer.bosId !== null,
      bosId: tokenizer.bosId,
      maxLength,
      modelHash: engine.model.fingerprint,
      prunelabVersion: PRUNELAB_VERSION,
    },
  };
}
