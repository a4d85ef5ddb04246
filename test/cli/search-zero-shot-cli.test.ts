// prunelab search with zero-shot tasks (issue 14 §4): --tasks / --data / --limit evaluate the dense model and the best
// vector's pruned model as prune --tasks does (the same numbers as prune with that vector); one-line errors for an
// unknown --fitness and a zero-shot fitness without tasks. --fitness zeroshot (issue 14 §6): the fitness is 1 - mean
// acc_norm of the tasks, the best's fitness equals its final zero-shot evaluation, every individual's is a multiple of
// 1 / documents, and a state made under this fitness is refused by a perplexity run.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { fixture, STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';

const HELLASWAG = fixture('tasks/tinystories-hellaswag.jsonl');
const ARC = fixture('tasks/tinystories-arc.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'prunelab-search-zero-shot-'));
// 40 KB of TinyStories (~11k tokens): search and prune tokenize their whole texts, which takes most of a run on the full file.
const TEXT = join(dir, 'stories-40k.txt');
writeFileSync(TEXT, readFileSync(TINYSTORIES_TEXT, 'utf8').slice(0, 40_000));
// --variant blocked16x16 skips the matmul autotune (most of a SwiftShader CLI call); every call here uses that kernel.
const common = ['--model', STORIES_HF, '--variant', 'blocked16x16', '--text', TEXT, '--calib', TEXT, '--calib-offset', '4000',
  '--calib-windows', '2', '--seq-len', '64', '--windows', '2'];
// Population 2 (the uniform vector and OWL's), one generation of one mutation: 3 evaluations.
const search = ['search', ...common, '--target', '0.3', '--population', '2', '--generations', '1', '--crossovers', '0', '--mutations', '1'];
const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Metric = { value: number; stderr: number | null };
type Task = { task: string; documents: number; acc: Metric; accNorm: Metric | null; dataSha256: string };
const scores = (tasks: Task[]) => tasks.map((t) => ({ task: t.task, documents: t.documents, acc: t.acc, accNorm: t.accNorm, data: t.dataSha256 }));

describe('prunelab search with zero-shot tasks', () => {
  it('--tasks: dense and best-pruned accuracy equal prunelab prune with the best vector (perplexity fitness)', async () => {
    const tasks = ['--tasks', 'hellaswag,arc_easy', '--data', `hellaswag=${HELLASWAG},arc_easy=${ARC}`, '--limit', '3'];
    const r = await runCli([...search, ...tasks, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = last(r.stdout);
    expect(out.fitness).toBe('ppl');
    expect(out.protocol.fitness).toBeUndefined();
    expect(out.best.ppl).toBe(out.best.fitness);
    expect(out.ratio).toBe(out.best.ppl / out.uniform.ppl);
    const p = await runCli(['prune', ...common, '--structured', 'wanda-sp', '--alloc', JSON.stringify(out.best.rates),
      '--sparsity', String(mean(out.best.rates)), ...tasks, '--json']);
    expect(p.code, p.stderr).toBe(0);
    const pruned = last(p.stdout);
    expect(pruned.ppl).toBe(out.best.ppl);
    const source = { file: TEXT, sha256: createHash('sha256').update(readFileSync(TEXT)).digest('hex'), format: 'text' };
    for (const o of [out, pruned]) expect([o.textSource, o.calibSource]).toEqual([source, source]);
    expect(scores(out.zeroShot.dense.tasks)).toEqual(scores(pruned.zeroShot.dense.tasks));
    expect(scores(out.zeroShot.pruned.tasks)).toEqual(scores(pruned.zeroShot.pruned.tasks));
    expect(out.zeroShot.pruned.tasks.map((t: Task) => t.documents)).toEqual([3, 3]);
  }, 300_000);

  it('an unknown fitness and a zero-shot fitness without tasks are one-line errors before the model opens', async () => {
    const bad = await runCli([...search, '--fitness', 'accuracy']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('prunelab: BadRequest: unknown fitness "accuracy" (expected ppl or zeroshot: perplexity, or the mean zero-shot acc_norm of the given tasks)\n');
    const none = await runCli([...search, '--fitness', 'zeroshot']);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('prunelab: BadRequest: --fitness zeroshot needs --tasks and --data (the tasks whose mean acc_norm is the fitness)\n');
  });
});

describe('prunelab search --fitness zeroshot', () => {
  it('--fitness zeroshot: fitness is 1 - mean acc_norm, the best\'s fitness is its final evaluation; resuming under ppl is refused', async () => {
    const state = join(dir, 'zs.json');
    const tasks = ['--tasks', 'arc_easy', '--data', `arc_easy=${ARC}`, '--limit', '6'];
    const r = await runCli([...search, '--fitness', 'zeroshot', ...tasks, '--state', state, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = last(r.stdout);
    expect(out.fitness).toBe('zeroshot');
    expect(out.protocol.fitness).toMatch(/^zeroshot 1-mean\(acc_norm\|acc\): arc_easy [0-9a-f]{64} limit 6$/);
    const [dense] = out.zeroShot.dense.tasks as Task[];
    const [pruned] = out.zeroShot.pruned.tasks as Task[];
    expect(out.denseFitness).toBe(1 - dense.accNorm!.value);
    expect(out.best.fitness).toBe(1 - pruned.accNorm!.value);
    const history = JSON.parse(readFileSync(state, 'utf8')).history as Array<{ fitness: number }>;
    expect(history).toHaveLength(3);
    for (const e of history) expect(Number.isInteger(Math.round((1 - e.fitness) * 6 * 1e9) / 1e9)).toBe(true); // k of 6 documents
    expect(out.best.fitness).toBe(Math.min(...history.map((e) => e.fitness)));
    expect(out.best.ppl).toBeGreaterThan(out.densePpl);
    expect(Math.abs(mean(out.best.rates) - 0.3)).toBeLessThan(1e-9);
    const again = await runCli([...search, '--state', state]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^prunelab: BadRequest: --state \S+ was made with fitness = zeroshot 1-mean\(acc_norm\|acc\): arc_easy [0-9a-f]{64} limit 6, this run has \(none\): resume with the same model, texts and options\n$/);
  }, 300_000);
});
