// prunelab prune --tasks / --data: 0-shot accuracy of the dense and the pruned model in one run. The dense numbers
// equal prunelab eval on the model; the pruned ones equal prunelab eval on the exported (masked) folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { fixture, STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';

const HELLASWAG = fixture('tasks/tinystories-hellaswag.jsonl');
const ARC = fixture('tasks/tinystories-arc.jsonl');
const taskFlags = ['--tasks', 'hellaswag,arc_easy', '--data', `hellaswag=${HELLASWAG},arc_easy=${ARC}`, '--limit', '12'];
const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const tmp = mkdtempSync(join(tmpdir(), 'prunelab-prune-zero-shot-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Metric = { value: number; stderr: number | null };
type Task = { task: string; documents: number; acc: Metric; accNorm: Metric | null; dataSha256: string };
const scores = (tasks: Task[]) => tasks.map((t) => ({ task: t.task, documents: t.documents, acc: t.acc, accNorm: t.accNorm, data: t.dataSha256 }));

describe('prunelab prune with zero-shot tasks', () => {
  it('--json: zeroShot.dense equals prunelab eval of the model, zeroShot.pruned equals prunelab eval of the exported folder', async () => {
    const out = join(tmp, 'wanda50');
    const r = await runCli(['prune', '--model', STORIES_HF, '--text', TINYSTORIES_TEXT, '--calib', TINYSTORIES_TEXT, '--calib-offset', '100000',
      '--calib-windows', '4', '--seq-len', '128', '--windows', '2', '--method', 'wanda', '--alloc', 'uniform', '--sparsity', '0.5',
      ...taskFlags, '--out', out, '--format', 'masked', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pruned = last(r.stdout);
    expect(pruned.zeroShot.dense.tasks.map((t: Task) => t.documents)).toEqual([12, 12]);

    const dense = await runCli(['eval', '--model', STORIES_HF, ...taskFlags, '--json']);
    expect(dense.code).toBe(0);
    expect(scores(pruned.zeroShot.dense.tasks)).toEqual(scores(last(dense.stdout).tasks));

    const exported = await runCli(['eval', '--model', out, ...taskFlags, '--json']);
    expect(exported.code).toBe(0);
    expect(scores(pruned.zeroShot.pruned.tasks)).toEqual(scores(last(exported.stdout).tasks));
    expect(pruned.zeroShot.pruned.protocol).toMatchObject({ addBos: true, maxLength: 512 });
    // 50% Wanda changes the predictions (acc_norm here: 50% -> 25% and 0% -> 17% on these 12 documents).
    expect(scores(pruned.zeroShot.pruned.tasks)).not.toEqual(scores(pruned.zeroShot.dense.tasks));
  });

  it('prints dense and pruned side by side; a bad task flag fails before the model opens', async () => {
    const r = await runCli(['prune', '--model', STORIES_HF, '--text', TINYSTORIES_TEXT, '--calib', TINYSTORIES_TEXT, '--calib-offset', '100000',
      '--calib-windows', '2', '--seq-len', '64', '--windows', '1', '--method', 'magnitude', '--alloc', 'uniform', '--sparsity', '0.3',
      '--tasks', 'arc_easy', '--data', `arc_easy=${ARC}`, '--limit', '4']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const header = lines.findIndex((l) => l.startsWith('task '));
    expect(lines[header]).toMatch(/^task\s+version\s+docs\s+dense acc %\s+pruned acc %\s+dense acc_norm %\s+pruned acc_norm %$/);
    expect(lines[header + 1]).toMatch(/^arc_easy\s+1\.0\s+4(\s+\d+\.\d\d ± \d+\.\d\d){4}$/);
    expect(lines[header + 2]).toMatch(/^0-shot, lm-eval multiple_choice; BOS on \(id 1\); .*arc_easy [0-9a-f]{12} \(limit 4\)$/);
    const bad = await runCli(['prune', '--model', STORIES_HF, '--text', TINYSTORIES_TEXT, '--calib', TINYSTORIES_TEXT, '--method', 'wanda',
      '--alloc', 'uniform', '--sparsity', '0.5', '--tasks', 'arc_easy']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^prunelab: BadRequest: --data is required\n$/);
  });
});
