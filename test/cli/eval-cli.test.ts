// prunelab eval as a user runs it (main() in-process): the --json contract against the independent float64 reference,
// the table, and one-line typed errors for bad task flags and files.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '@huggingface/tokenizers';
import { runCli } from '../helpers/cli.ts';
import { fixture, STORIES_HF } from '../helpers/fixtures.ts';
import { readHubTensors } from '../helpers/hf-reference/models.ts';
import { referenceDocumentScore, referenceLoglikelihood, type ReferenceModel } from '../helpers/zeroshot-reference.ts';
import { loadTaskData } from '../../src/core/zeroshot/task-data.ts';
import { ZERO_SHOT_TASKS } from '../../src/core/zeroshot/task-registry.ts';

const HELLASWAG = fixture('tasks/tinystories-hellaswag.jsonl');
const ARC = fixture('tasks/tinystories-arc.jsonl');
const LIMIT = 8;
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

let ref: ReferenceModel;
beforeAll(() => {
  const config = JSON.parse(readFileSync(join(STORIES_HF, 'config.json'), 'utf8'));
  ref = {
    config,
    tensors: readHubTensors(new Uint8Array(readFileSync(join(STORIES_HF, 'model.safetensors')))),
    tokenizer: new Tokenizer(JSON.parse(readFileSync(join(STORIES_HF, 'tokenizer.json'), 'utf8')),
      JSON.parse(readFileSync(join(STORIES_HF, 'tokenizer_config.json'), 'utf8'))),
    maxLength: config.max_position_embeddings,
  };
});

/** The reference's acc and acc_norm over the first `limit` documents of a fixture file. */
async function referenceAccuracy(name: 'hellaswag' | 'arc_easy', path: string, limit: number) {
  const data = await loadTaskData(ZERO_SHOT_TASKS[name], new Uint8Array(readFileSync(path)), path, limit);
  const scores = data.documents.map(({ doc, at }) => {
    const r = data.task.requests(doc, at);
    const lls = r.contexts.map((context, i) => referenceLoglikelihood(ref, { context, continuation: r.continuations[i] }).logprob);
    return referenceDocumentScore(lls, r.choices, r.gold);
  });
  return { acc: scores.reduce((s, x) => s + x.acc, 0) / limit, accNorm: scores.reduce((s, x) => s + x.accNorm, 0) / limit };
}

describe('prunelab eval', () => {
  it('--json: per task acc / acc_norm equal to the float64 reference, with the protocol (documents, limit, BOS, data hashes, model)', async () => {
    const r = await runCli(['eval', '--model', STORIES_HF, '--tasks', 'hellaswag,arc_easy', '--data', `hellaswag=${HELLASWAG},arc_easy=${ARC}`,
      '--limit', String(LIMIT), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(out.model).toBe(STORIES_HF);
    expect(out.protocol).toMatchObject({ addBos: true, bosId: 1, maxLength: 512, numFewshot: 0, targetDelimiter: ' ' });
    expect(out.protocol.modelHash).toMatch(/^[0-9a-f]{64}$/);
    expect(out.tasks.map((t: { task: string }) => t.task)).toEqual(['hellaswag', 'arc_easy']);
    for (const [t, name, path] of [[out.tasks[0], 'hellaswag', HELLASWAG], [out.tasks[1], 'arc_easy', ARC]] as const) {
      expect(t).toMatchObject({ version: '1.0', documents: LIMIT, limit: LIMIT, requests: 4 * LIMIT, dataFile: path, dataSha256: sha256(path) });
      expect(t.perDocument).toBeUndefined();
      const want = await referenceAccuracy(name, path, LIMIT);
      expect(t.acc.value).toBe(want.acc);
      expect(t.accNorm.value).toBe(want.accNorm);
      expect(t.acc.stderr).toBeCloseTo(Math.sqrt((want.acc * (1 - want.acc) * LIMIT) / (LIMIT - 1) / LIMIT), 12);
    }
  });

  it('prints a table with acc / acc_norm ± stderr in percent and the protocol line; acc only where lm-eval reports only acc', async () => {
    // boolq has 2 documents, fewer than the limit: the table counts what was evaluated and states the limit.
    const dir = mkdtempSync(join(tmpdir(), 'prunelab-eval-'));
    const boolq = join(dir, 'boolq.jsonl');
    writeFileSync(boolq, [{ passage: 'Tom has a red ball.', question: 'does tom have a ball', label: 1 },
      { passage: 'The cat is asleep.', question: 'is the cat awake', label: 0 }].map((d) => JSON.stringify(d)).join('\n'));
    const r = await runCli(['eval', '--model', STORIES_HF, '--tasks', 'boolq,arc_easy', '--data', `boolq=${boolq},arc_easy=${ARC}`, '--limit', '3']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^task\s+version\s+docs\s+acc %\s+acc_norm %$/);
    expect(lines[1]).toMatch(/^boolq\s+2\.0\s+2\s+\d+\.\d\d ± \d+\.\d\d\s+-$/);
    expect(lines[2]).toMatch(/^arc_easy\s+1\.0\s+3\s+\d+\.\d\d ± \d+\.\d\d\s+\d+\.\d\d ± \d+\.\d\d$/);
    expect(lines[3]).toMatch(/^0-shot, lm-eval multiple_choice; BOS on \(id 1\); max length 512; model [0-9a-f]{12}; data sha256 boolq [0-9a-f]{12} \(limit 3\), arc_easy [0-9a-f]{12} \(limit 3\); \d+\.\d s$/);
  });

  it('bad flags and files: one line on stderr with the typed error, exit 1', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--tasks', 'hellaswagg', '--data', `hellaswagg=${HELLASWAG}`], /^prunelab: UnknownTask: unknown task "hellaswagg"; the tasks are boolq, rte/],
      [['--tasks', 'hellaswag,arc_easy', '--data', `hellaswag=${HELLASWAG}`], /^prunelab: BadRequest: --data has no file for task "arc_easy"/],
      [['--tasks', 'hellaswag', '--data', `hellaswag=${HELLASWAG},piqa=${ARC}`], /^prunelab: BadRequest: --data gives a file for "piqa", which --tasks does not name/],
      [['--tasks', 'hellaswag', '--data', HELLASWAG], /^prunelab: BadRequest: --data takes TASK=FILE pairs/],
      [['--tasks', 'hellaswag', '--data', 'hellaswag=/nonexistent/h.jsonl'], /^prunelab: BadRequest: cannot read task file \/nonexistent\/h\.jsonl/],
      [['--tasks', 'hellaswag', '--data', `hellaswag=${HELLASWAG}`, '--limit', '0'], /^prunelab: BadRequest: --limit must be at least 1/],
      [['--tasks', 'hellaswag', '--data', `hellaswag=${ARC}`], /^prunelab: BadTaskDocument: .*tinystories-arc\.jsonl line 1: fields "activity_label", "ctx_a", "ctx_b", "endings", "label" missing/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['eval', '--model', STORIES_HF, ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });
});
