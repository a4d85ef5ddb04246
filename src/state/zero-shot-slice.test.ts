// The Zero-shot panel's slice against a fake worker: a picked file is read and checked in the page (SHA-256 as
// node:crypto computes it, document count, the core's TaskDataError naming line and field), a run evaluates the dense
// model and then the shown prune by its id (dense reused while model, data and limit stay), progress, cancel, the
// share link (tasks, hashes and limit; never the data; links without it still open), the export request and the
// run history (IndexedDB) carrying the pair.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { createHash } from 'node:crypto';
import { strToU8, zlibSync } from 'fflate';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  ExportJobRequest, ModelSummary, PruneOutcome, ZeroShotJobOutcome, ZeroShotJobProgress, ZeroShotJobRequest,
} from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { connectPersistence } from './persist-sync.ts';
import { idbPersistence } from './persistence.ts';
import { decodeConfig, encodeConfig, payloadFromHash } from './share-codec.ts';
import { createStudioStore } from './studio-store.ts';
import { linkDataMismatch } from './zero-shot-link.ts';

const FP = 'cc33'.repeat(16);
const adapter = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true, maxBindingBytes: 2 ** 30, maxBufferBytes: 2 ** 30 };
const HELLASWAG = [0, 1, 2].map((i) => JSON.stringify({
  activity_label: 'Story', ctx_a: `Tom ran ${i} times.`, ctx_b: 'then he', ctx: `Tom ran ${i} times. Then he`,
  endings: ['fell.', 'sat.', 'ate.', 'slept.'], label: String(i),
})).join('\n');
const ARC_BAD = [
  JSON.stringify({ id: 'a', question: 'Sun is ...', choices: { text: ['hot', 'cold'], label: ['A', 'B'] }, answerKey: 'A' }),
  JSON.stringify({ id: 'b', question: 'Ice is ...', choices: { text: ['hot', 'cold'], label: ['A', 'B'] } }),
].join('\n');
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function outcome(sparsity: number): PruneOutcome {
  return {
    pruneId: `prune-${sparsity}`, request: { metric: 'wanda', sparsity, allocation: 'uniform' },
    result: { allocation: Array(5).fill(sparsity), achievedSparsity: Array(5).fill(sparsity), seconds: 0.1 },
    ppl: 12, nll: Math.log(12), densePpl: 4, tokens: 508, windows: 4, seqLen: 128,
    calibration: { source: 'evaluation-text', textHash: 't', offsetTokens: 512, windows: 4, seqLen: 128 },
    modelHash: FP, textHash: 't', seconds: 1, evalSeconds: 0.5,
  };
}

/** What the worker would answer; acc differs between dense and pruned so the columns can be told apart. */
function answer(req: ZeroShotJobRequest): ZeroShotJobOutcome {
  const acc = req.pruneId ? 0.25 : 0.5;
  return {
    tasks: req.tasks.map((t) => ({
      task: t.task, version: '1.0', dataset: { path: 'Rowan/hellaswag', name: null, split: 'validation' }, metrics: ['acc', 'acc_norm'],
      acc: { value: acc, stderr: 0.1 }, accNorm: { value: acc + 0.1, stderr: 0.1 }, documents: req.limit ?? 3, limit: req.limit ?? null,
      requests: 12, truncated: 0, dataFile: t.file.name, dataSha256: sha(HELLASWAG), seconds: 0.1,
    })),
    seconds: 0.2,
    protocol: { harness: 'lm-evaluation-harness multiple_choice, 0-shot, HF causal loglikelihood', numFewshot: 0, targetDelimiter: ' ',
      addBos: true, bosId: 1, maxLength: 512, modelHash: FP, prunelabVersion: 'test' },
    pruneId: req.pruneId ?? null,
  };
}

function client(over: Partial<StudioClient> = {}) {
  const calls: ZeroShotJobRequest[] = [];
  const c = {
    init: async () => adapter,
    loadModel: async () => ({ name: 'stories260K', layers: 5, heads: 8, kvHeads: 4, maxPositions: 512, fingerprint: FP } as ModelSummary),
    prune: async (req: { sparsity: number }) => outcome(req.sparsity),
    zeroShot: async (req: ZeroShotJobRequest, onProgress?: (p: ZeroShotJobProgress) => void) => {
      calls.push(req);
      onProgress?.({ task: req.tasks[0].task, index: 0, tasks: req.tasks.length, done: 6, total: 12 });
      return answer(req);
    },
    cancel: async () => {},
    watchDevice: async () => {},
    dispose: () => {},
    ...over,
  } as unknown as StudioClient;
  return { c, calls };
}

async function studio(c: StudioClient, now = () => 0) {
  const store = createStudioStore(c, { hasWebGpu: true, now });
  await store.getState().init();
  await store.getState().loadModelFiles([new File(['{}'], 'config.json')]);
  store.getState().setTextFile(new File(['Once upon a time'], 'text.txt'));
  store.getState().setSettings({ seqLen: 128, maxWindows: 4 });
  return store;
}

beforeEach(() => { globalThis.indexedDB = new IDBFactory(); });

describe('zero-shot slice', () => {
  it('reads a picked file in the page: its SHA-256 and documents, or the core\'s error naming the line and field', async () => {
    const store = await studio(client().c);
    await store.getState().pickZeroShotFile('hellaswag', new File([HELLASWAG], 'hs.jsonl'));
    let z = store.getState().zeroShot;
    expect(z.settings.tasks).toEqual(['hellaswag']);
    expect(z.files.hellaswag).toMatchObject({ sha256: sha(HELLASWAG), documents: 3, error: null });

    await store.getState().pickZeroShotFile('arc_easy', new File([ARC_BAD], 'arc.jsonl'));
    z = store.getState().zeroShot;
    expect(z.settings.tasks).toEqual(['hellaswag', 'arc_easy']); // lm-eval's order, whatever the picking order
    expect(z.files.arc_easy?.error?.code).toBe('BadTaskDocument');
    expect(z.files.arc_easy?.error?.message).toMatch(/^arc\.jsonl line 2: field "answerKey" missing/);
    await store.getState().runZeroShot();
    expect(store.getState().zeroShot.error?.message).toMatch(/The arc_easy file cannot be used: arc\.jsonl line 2/);

    await store.getState().pickZeroShotFile('arc_easy', new File([''], 'empty.jsonl'));
    expect(store.getState().zeroShot.files.arc_easy?.error?.code).toBe('EmptyTaskData');
    await store.getState().pickZeroShotFile('arc_easy', null);
    store.getState().toggleZeroShotTask('arc_easy', false);
    expect(store.getState().zeroShot.files.arc_easy).toBeUndefined();
    expect(store.getState().zeroShot.settings.tasks).toEqual(['hellaswag']);
  });

  it('refuses to run without a task or a file for each picked task', async () => {
    const { c, calls } = client();
    const store = await studio(c);
    await store.getState().runZeroShot();
    expect(store.getState().zeroShot.error).toEqual({ code: 'BadRequest', message: 'Pick at least one task.' });
    store.getState().toggleZeroShotTask('piqa', true);
    await store.getState().runZeroShot();
    expect(store.getState().zeroShot.error?.message).toBe('Choose a data file for piqa.');
    expect(calls).toEqual([]);
  });

  it('runs dense only without a prune, then dense (reused) and the shown prune by its id; progress and ETA', async () => {
    let t = 0;
    const seen: Array<[string | null, number | null]> = [];
    const { c, calls } = client({
      zeroShot: (async (req: ZeroShotJobRequest, onProgress?: (p: ZeroShotJobProgress) => void) => {
        calls.push(req);
        t += 1000;
        onProgress?.({ task: 'hellaswag', index: 0, tasks: 1, done: 6, total: 12 });
        const z = store.getState().zeroShot;
        seen.push([z.phase, z.etaSeconds]);
        return answer(req);
      }) as StudioClient['zeroShot'],
    });
    const store = await studio(c, () => t);
    await store.getState().pickZeroShotFile('hellaswag', new File([HELLASWAG], 'hs.jsonl'));
    store.getState().setZeroShotLimit(2);
    await store.getState().runZeroShot();
    let z = store.getState().zeroShot;
    expect(z.status).toBe('done');
    expect(z.dense?.tasks[0].acc.value).toBe(0.5);
    expect(z.pruned).toBeNull();
    expect(calls.map((r) => [r.limit, r.pruneId, r.tasks.map((x) => x.task)])).toEqual([[2, undefined, ['hellaswag']]]);

    await store.getState().commitSparsity(0.5);
    await store.getState().runZeroShot();
    z = store.getState().zeroShot;
    expect(calls.map((r) => r.pruneId)).toEqual([undefined, 'prune-0.5']); // the dense result was reused
    expect(z.pruned?.pruneId).toBe('prune-0.5');
    expect(z.pruned?.tasks[0].acc.value).toBe(0.25);
    expect(z.prunedLabel).toBe('Wanda · UNIFORM 50%');
    expect(seen).toEqual([['dense', 1], ['pruned', 1]]); // half the requests in 1 s: 1 s left

    store.getState().setZeroShotLimit(3); // other documents: the dense model is evaluated again
    await store.getState().runZeroShot();
    expect(calls.map((r) => [r.limit, r.pruneId])).toEqual([[2, undefined], [2, 'prune-0.5'], [3, undefined], [3, 'prune-0.5']]);
  });

  it('is cancelled through the worker\'s one cancel', async () => {
    let cancelled = false;
    const { c } = client({
      zeroShot: (async () => {
        await vi.waitFor(() => expect(cancelled).toBe(true));
        throw Object.assign(new Error('zero-shot cancelled'), { code: 'Cancelled' });
      }) as StudioClient['zeroShot'],
      cancel: (async () => { cancelled = true; }) as StudioClient['cancel'],
    });
    const store = await studio(c);
    await store.getState().pickZeroShotFile('hellaswag', new File([HELLASWAG], 'hs.jsonl'));
    const running = store.getState().runZeroShot();
    expect(store.getState().gpuJob).toBe('zeroShot');
    await store.getState().cancelZeroShot();
    await running;
    expect(store.getState().zeroShot).toMatchObject({ status: 'cancelled', error: null, phase: null, dense: null });
    expect(store.getState().gpuJob).toBeNull();
  });

  it('puts tasks, data hashes and limit in the share link, never the data; opening it picks them; old links still open', async () => {
    const store = await studio(client().c);
    const before = store.getState().currentConfig()!;
    expect(before.zeroShot).toBeUndefined();
    const old = encodeConfig(before); // a link made before the panel existed
    await store.getState().pickZeroShotFile('hellaswag', new File([HELLASWAG], 'hs.jsonl'));
    store.getState().toggleZeroShotTask('piqa', true);
    store.getState().setZeroShotLimit(20);
    const config = store.getState().currentConfig()!;
    expect(config.zeroShot).toEqual({ tasks: [{ name: 'hellaswag', hash: sha(HELLASWAG) }, { name: 'piqa' }], limit: 20 });
    const url = store.getState().shareLink('http://studio/');
    expect(url.ok && url.url).not.toContain('Tom ran');
    const decoded = decodeConfig(payloadFromHash(new URL((url as { url: string }).url).hash)!);
    expect(decoded.ok && decoded.config.zeroShot).toEqual(config.zeroShot);

    const other = await studio(client().c);
    other.getState().openLink(`#c=${old}`);
    expect(other.getState().share.linkError).toBeNull();
    expect(other.getState().zeroShot.settings).toEqual({ tasks: [], limit: null });
    other.getState().openLink((url as { url: string }).url.slice('http://studio/'.length));
    expect(other.getState().zeroShot.settings).toEqual({ tasks: ['hellaswag', 'piqa'], limit: 20 });
    // The link's hash is kept until a file is picked, and a different file is named as not the link's data.
    expect(other.getState().currentConfig()?.zeroShot?.tasks[0]).toEqual({ name: 'hellaswag', hash: sha(HELLASWAG) });
    const changed = `${HELLASWAG}\n`;
    await other.getState().pickZeroShotFile('hellaswag', new File([changed], 'hs.jsonl'));
    expect(linkDataMismatch(other.getState(), 'hellaswag')).toEqual({ link: sha(HELLASWAG), file: sha(changed) });
    expect(() => encodeConfig({ ...config, zeroShot: { tasks: [{ name: 'hellaswag' }, { name: 'hellaswag' }] } })).toThrow(/a task is named twice/);
    // A link cannot carry documents: the schema refuses any field but name and hash.
    const smuggled = { ...config, zeroShot: { tasks: [{ name: 'hellaswag', hash: sha(HELLASWAG), data: HELLASWAG }] } };
    const bytes = zlibSync(strToU8(JSON.stringify(smuggled)));
    const payload = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const refused = decodeConfig(payload);
    expect(refused.ok === false && refused.message).toMatch(/zeroShot\.tasks\.0: Unrecognized key/);
  });

  it('hands the pair to the export of the same run only, and saves it with the run in the history', async () => {
    const exports: ExportJobRequest[] = [];
    const { c } = client({
      exportModel: (async (req: ExportJobRequest) => { exports.push(req); throw Object.assign(new Error('stop'), { code: 'Cancelled' }); }) as StudioClient['exportModel'],
    });
    const store = await studio(c);
    let t = 1000;
    const sync = connectPersistence(store, idbPersistence(), { now: () => ++t });
    await store.getState().loadModelFiles([new File(['{}'], 'config.json')]); // the connection sees the model load
    store.getState().setTextFile(new File(['Once upon a time'], 'text.txt'));
    await store.getState().pickZeroShotFile('hellaswag', new File([HELLASWAG], 'hs.jsonl'));
    await store.getState().commitSparsity(0.5);
    await store.getState().runZeroShot();
    await store.getState().runExport({ kind: 'zip' });
    expect(exports[0].zeroShot?.pruned.pruneId).toBe('prune-0.5');
    expect(exports[0].zeroShot?.dense.pruneId).toBeNull();

    await sync.flush();
    await vi.waitFor(() => expect(store.getState().history.runs[0]?.zeroShot).toBeDefined());
    const saved = (await idbPersistence().load(FP)).runs;
    expect(saved).toHaveLength(1);
    expect(saved[0].zeroShot?.pruned.tasks[0].acc.value).toBe(0.25);
    expect(saved[0].zeroShot?.dense.tasks[0].acc.value).toBe(0.5);
    expect(saved[0].zeroShot?.pruned).not.toHaveProperty('pruneId');

    await store.getState().commitSparsity(0.3); // another run: the pair is not this run's
    await store.getState().runExport({ kind: 'zip' });
    expect(exports[1].zeroShot).toBeUndefined();
    sync.disconnect();
  });
});
