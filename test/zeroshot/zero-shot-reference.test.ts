// Zero-shot accuracy on the GPU engine against the independent float64 reference (test/helpers/zeroshot-reference.ts)
// on stories260K with the TinyStories task sets in HellaSwag's and ARC's schemas: per document the same acc and
// acc_norm, log-likelihoods within 1e-4, the same is_greedy; and the model scores above chance (25%).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '@huggingface/tokenizers';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { evaluateZeroShot } from '../../src/core/zeroshot/evaluate-zero-shot.ts';
import { loadTaskData, type TaskData } from '../../src/core/zeroshot/task-data.ts';
import { ZERO_SHOT_TASKS } from '../../src/core/zeroshot/task-registry.ts';
import type { ZeroShotTask } from '../../src/core/zeroshot/task-definition.ts';
import { fixture, STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';
import { readHubTensors } from '../helpers/hf-reference/models.ts';
import { referenceDocumentScore, referenceLoglikelihood, type ReferenceModel } from '../helpers/zeroshot-reference.ts';

let gpu: Gpu, engine: Engine, ref: ReferenceModel;
beforeAll(async () => {
  gpu = await createGpu();
  engine = await Engine.create(gpu, await loadModel(await pathSources(STORIES_HF)));
  const config = JSON.parse(readFileSync(join(STORIES_HF, 'config.json'), 'utf8'));
  ref = {
    config,
    tensors: readHubTensors(new Uint8Array(readFileSync(join(STORIES_HF, 'model.safetensors')))),
    tokenizer: new Tokenizer(JSON.parse(readFileSync(join(STORIES_HF, 'tokenizer.json'), 'utf8')),
      JSON.parse(readFileSync(join(STORIES_HF, 'tokenizer_config.json'), 'utf8'))),
    maxLength: config.max_position_embeddings,
  };
});
afterAll(() => { engine?.destroy(); gpu?.destroy(); });

async function fixtureTask(task: ZeroShotTask, file: string): Promise<TaskData> {
  return loadTaskData(task, new Uint8Array(readFileSync(fixture('tasks', file))), file);
}

/** The reference's per-document acc / acc_norm / log-likelihoods / greedy flags for a task's documents. */
function referenceScores(data: TaskData) {
  return data.documents.map(({ doc, at }) => {
    const r = data.task.requests(doc, at);
    const lls = r.contexts.map((context, i) => referenceLoglikelihood(ref, { context, continuation: r.continuations[i] }));
    return { lls: lls.map((l) => l.logprob), greedy: lls.map((l) => l.isGreedy), gold: r.gold, ...referenceDocumentScore(lls.map((l) => l.logprob), r.choices, r.gold) };
  });
}

// acc is above chance (25%) on both sets. acc_norm is too on the HellaSwag-schema set, but not on the ARC-schema one
// (22 / 88 = 25.0%): its choices are single words, and dividing by their length in characters favours long words.
describe.each([
  ['hellaswag', 'tinystories-hellaswag.jsonl', 100, true],
  ['arc_easy', 'tinystories-arc.jsonl', 88, false],
] as const)('stories260K on %s (%s)', (name, file, count, accNormAboveChance) => {
  it('equals the float64 reference: every document\'s acc and acc_norm, log-likelihoods within 1e-4, is_greedy; acc above chance', async () => {
    const data = await fixtureTask(ZERO_SHOT_TASKS[name], file);
    const report = await evaluateZeroShot(engine, [data]);
    const [got] = report.tasks;
    const want = referenceScores(data);
    expect(got.documents).toBe(count);
    expect(report.protocol).toMatchObject({ addBos: true, bosId: 1, maxLength: 512, numFewshot: 0, targetDelimiter: ' ', modelHash: engine.model.fingerprint });
    got.perDocument.forEach((d, i) => {
      d.lls.forEach((ll, k) => expect(Math.abs(ll - want[i].lls[k]), `document ${i} choice ${k}`).toBeLessThan(1e-4));
      expect(d.goldGreedy, `document ${i} is_greedy`).toBe(want[i].greedy[want[i].gold]);
    });
    expect(got.perDocument.map((d) => d.acc)).toEqual(want.map((w) => w.acc));
    expect(got.perDocument.map((d) => d.accNorm)).toEqual(want.map((w) => w.accNorm));
    const acc = want.reduce((s, w) => s + w.acc, 0) / count, accNorm = want.reduce((s, w) => s + w.accNorm, 0) / count;
    expect(got.acc.value).toBe(acc);
    expect(got.accNorm!.value).toBe(accNorm);
    // The sample standard error of a 0/1 mean: sqrt(p (1 - p) n / (n - 1) / n).
    expect(got.acc.stderr!).toBeCloseTo(Math.sqrt((acc * (1 - acc) * count) / (count - 1) / count), 12);
    expect(acc).toBeGreaterThan(0.25);
    if (accNormAboveChance) expect(accNorm).toBeGreaterThan(0.25);
    console.log(`stories260K ${name}: acc ${acc.toFixed(4)} ± ${got.acc.stderr!.toFixed(4)}, acc_norm ${accNorm.toFixed(4)} ± ${got.accNorm!.stderr!.toFixed(4)} (${count} documents, ${report.seconds.toFixed(1)} s on the GPU path)`);
  });
});

it('a context longer than the model\'s 512 positions is cut from the left exactly as the reference cuts it', async () => {
  // A boolq document whose passage alone exceeds max_length: every request runs alone (no shared KV prefix).
  const passage = readFileSync(TINYSTORIES_TEXT, 'utf8').slice(0, 2600).replace(/\n+/g, ' ');
  const line = JSON.stringify({ passage, question: 'did the story end well', label: 1 });
  const data = await loadTaskData(ZERO_SHOT_TASKS.boolq, new TextEncoder().encode(`${line}\n`), 'long.jsonl');
  const [got] = (await evaluateZeroShot(engine, [data])).tasks;
  expect(got.truncated).toBe(2);
  const [want] = referenceScores(data);
  got.perDocument[0].lls.forEach((ll, k) => expect(Math.abs(ll - want.lls[k])).toBeLessThan(1e-4));
  expect(got.perDocument[0].acc).toBe(want.acc);
});
