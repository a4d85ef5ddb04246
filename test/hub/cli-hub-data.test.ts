// Task data from a Hub dataset in the CLI (issue 14 §3), against the Hub stand-in at $HF_ENDPOINT: task files as
// hf://datasets/... references (JSONL and Parquet) give prunelab eval's numbers on the same documents read locally,
// with the file's SHA-256 and the revision. WikiText-2 from Parquet and the errors: cli-hub-wikitext.test.ts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { fixture, STORIES_HF } from '../helpers/fixtures.ts';
import { type HubStandIn, startHubStandIn } from '../helpers/hub-stand-in.ts';

const HELLASWAG = fixture('tasks/tinystories-hellaswag.jsonl');
const ARC = fixture('tasks/tinystories-arc.jsonl');
const TASKS_ID = 'prunelab-test/tinystories-tasks';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const parquet = (columns: Array<{ name: string; data: unknown[] }>) => new Uint8Array(parquetWriteBuffer({ columnData: columns }));

// ARC's fixture documents as the Hub's Parquet conversion stores them (choices a struct of two lists).
const arcDocs = readFileSync(ARC, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const arcParquet = parquet(['id', 'question', 'choices', 'answerKey'].map((name) => ({ name, data: arcDocs.map((d) => d[name]) })));
let hub: HubStandIn;
beforeAll(async () => {
  hub = await startHubStandIn();
  hub.addDataset(TASKS_ID, new Map([['hellaswag/validation.jsonl', new Uint8Array(readFileSync(HELLASWAG))], ['arc/test.parquet', arcParquet]]),
    { revision: 'r1' });
});
afterAll(() => hub.close());

const env = () => ({ HF_ENDPOINT: hub.url });
type Task = { task: string; documents: number; acc: unknown; accNorm: unknown; dataSha256: string; dataHub?: object };
const scores = (tasks: Task[]) => tasks.map((t) => ({ task: t.task, documents: t.documents, acc: t.acc, accNorm: t.accNorm }));

describe('CLI hub: dataset files', () => {
  it('eval --data hf://datasets/...@rev/file (JSONL, Parquet) equals the local files, with SHA-256 and revision', async () => {
    const hubData = `hellaswag=hf://datasets/${TASKS_ID}@r1/hellaswag/validation.jsonl,arc_easy=hub:datasets/${TASKS_ID}/resolve/r1/arc/test.parquet`;
    // --variant: no matmul autotune (most of a SwiftShader CLI call); both runs use the same kernel.
    const flags = ['--tasks', 'hellaswag,arc_easy', '--limit', '4', '--variant', 'blocked16x16', '--json'];
    const viaHub = await runCli(['eval', '--model', STORIES_HF, '--data', hubData, ...flags], env());
    expect(viaHub.stderr).toBe('');
    expect(viaHub.code).toBe(0);
    const local = await runCli(['eval', '--model', STORIES_HF, '--data', `hellaswag=${HELLASWAG},arc_easy=${ARC}`, ...flags]);
    expect(local.code).toBe(0);
    const [h, a] = last(viaHub.stdout).tasks as Task[];
    expect(scores([h, a])).toEqual(scores(last(local.stdout).tasks));
    expect(h.dataSha256).toBe(sha256(readFileSync(HELLASWAG)));
    expect(a.dataSha256).toBe(sha256(arcParquet));
    expect(h.dataHub).toEqual({ kind: 'dataset', id: TASKS_ID, revision: 'r1', file: 'hellaswag/validation.jsonl',
      url: `${hub.url}/datasets/${TASKS_ID}/resolve/r1/hellaswag/validation.jsonl` });
    expect(a.dataHub).toMatchObject({ id: TASKS_ID, revision: 'r1', file: 'arc/test.parquet' });
    expect(last(local.stdout).tasks[0].dataHub).toBeUndefined();
  }, 120_000);

});
