// A zero-shot task's data from a Hub dataset, against a fake worker: the typed reference (owner/name@rev/file,
// hf://datasets/..., the Hub URL) is parsed in the page (a malformed one fails before any request), fetched with the
// Hub slice's base URL and cache setting and a per-task cancel, then checked exactly like a picked file (SHA-256,
// documents, TaskDataError naming line and field); the run sends the origin to the worker (results name it); the
// share link carries the reference (an opened link fills the row, old links still open); a 404, a network failure or
// a cancel says so in the row and leaves the file picked before.
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { HubError } from '../core/hub/hub-errors.ts';
import { hubDatasetRefText, parseHubDatasetInput } from '../core/hub/hub-dataset-ref.ts';
import type { HubDataFileJob, HubFileResult, HubProgress, ModelSummary, ZeroShotJobRequest } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { StudioError } from '../worker/error-info.ts';
import { decodeConfig, encodeConfig, payloadFromHash } from './share-codec.ts';
import { createStudioStore } from './studio-store.ts';
import { hubRefPlaceholder } from './zero-shot-hub.ts';

const FP = 'dd44'.repeat(16);
const adapter = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true, maxBindingBytes: 2 ** 30, maxBufferBytes: 2 ** 30 };
const ARC = [0, 1].map((i) => JSON.stringify({
  id: `q${i}`, question: `Sun ${i} is ...`, choices: { text: ['hot', 'cold'], label: ['A', 'B'] }, answerKey: 'A',
})).join('\n');
const ARC_BAD = JSON.stringify({ id: 'a', question: 'Sun is ...', choices: { text: ['hot', 'cold'], label: ['A', 'B'] } });
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const REF = 'allenai/ai2_arc@main/ARC-Easy/test-00000-of-00001.jsonl';

/** What the worker's fetchHubDataFile answers for `body`, as fetchHubFile would. */
function got(job: HubDataFileJob, body: string, fromCache = false): HubFileResult {
  const revision = job.revision ?? 'main';
  const url = `${job.base}/datasets/${job.dataset}/resolve/${encodeURIComponent(revision)}/${job.file}`;
  return {
    blob: new Blob([body]), origin: { kind: 'dataset', id: job.dataset, revision, file: job.file, url },
    label: job.dataset, fromCache, downloadedBytes: fromCache ? 0 : body.length, seconds: 0.25,
  };
}

function client(fetchHubDataFile: (job: HubDataFileJob, onDownload?: (p: HubProgress) => void) => Promise<HubFileResult>,
  over: Partial<StudioClient> = {}) {
  const jobs: HubDataFileJob[] = [];
  const runs: ZeroShotJobRequest[] = [];
  const cancelled: Array<string | undefined> = [];
  const c = {
    init: async () => adapter,
    loadModel: async () => ({ name: 'stories260K', layers: 5, heads: 8, kvHeads: 4, maxPositions: 512, fingerprint: FP } as ModelSummary),
    fetchHubDataFile: async (job: HubDataFileJob, onDownload?: (p: HubProgress) => void) => { jobs.push(job); return fetchHubDataFile(job, onDownload); },
    cancelDownloads: async (kind?: string) => { cancelled.push(kind); },
    zeroShot: async (req: ZeroShotJobRequest) => { runs.push(req); throw new StudioError('Cancelled', 'stop here'); },
    hubCache: async () => ({ files: 0, bytes: 0 }),
    cancel: async () => {},
    watchDevice: async () => {},
    dispose: () => {},
    ...over,
  } as unknown as StudioClient;
  return { c, jobs, runs, cancelled };
}

async function studio(c: StudioClient) {
  const store = createStudioStore(c, { hasWebGpu: true, now: () => 0 });
  await store.getState().init();
  await store.getState().loadModelFiles([new File(['{}'], 'config.json')]);
  return store;
}

describe('Hub dataset file references as the task rows take them', () => {
  it('reads the bare, hf:// and URL forms alike; the canonical form round-trips', () => {
    const arc = { id: 'allenai/ai2_arc', revision: 'main', file: 'ARC-Easy/test-00000-of-00001.parquet' };
    for (const input of [
      'allenai/ai2_arc@main/ARC-Easy/test-00000-of-00001.parquet',
      '  hf://datasets/allenai/ai2_arc@main/ARC-Easy/test-00000-of-00001.parquet ',
      'datasets/allenai/ai2_arc/resolve/main/ARC-Easy/test-00000-of-00001.parquet',
      'https://huggingface.co/datasets/allenai/ai2_arc/blob/main/ARC-Easy/test-00000-of-00001.parquet',
      'https://huggingface.co/datasets/allenai/ai2_arc/resolve/main/ARC-Easy/test-00000-of-00001.parquet?download=true',
    ]) expect(parseHubDatasetInput(input), input).toEqual(arc);
    expect(parseHubDatasetInput('Rowan/hellaswag/data/validation.jsonl')).toEqual({ id: 'Rowan/hellaswag', file: 'data/validation.jsonl' });
    const pr = { id: 'a/b', revision: 'refs/convert/parquet', file: 'default/validation/0000.parquet' };
    expect(hubDatasetRefText(pr)).toBe('hf://datasets/a/b@refs%2Fconvert%2Fparquet/default/validation/0000.parquet');
    expect(parseHubDatasetInput(hubDatasetRefText(pr))).toEqual(pr);
  });

  it('a malformed reference is BadHubId naming what is wrong, in the forms the field takes', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /it is empty/],
      ['allenai/ai2_arc', /names no file inside the repository/],
      ['allenai/ai2_arc@/x.parquet', /the revision is empty/],
      ['s3://bucket/x.parquet', /only hf:\/\/, hub: and http\(s\) Hub URLs/],
      ['https://huggingface.co/datasets/allenai/ai2_arc/tree/main', /names a file as \/datasets\/owner\/name\/resolve/],
      ['all enai/ai2_arc/x.parquet', /not a Hugging Face dataset id/],
    ];
    for (const [input, message] of cases) {
      let error: unknown = null;
      try { parseHubDatasetInput(input); } catch (e) { error = e; }
      expect(error, input).toBeInstanceOf(HubError);
      expect((error as HubError).code, input).toBe('BadHubId');
      expect((error as HubError).message, input).toMatch(message);
    }
  });

  it('each task row suggests lm-eval\'s dataset in the Hub\'s Parquet layout', () => {
    expect(hubRefPlaceholder('arc_easy')).toBe('allenai/ai2_arc@main/ARC-Easy/test-00000-of-00001.parquet');
    expect(hubRefPlaceholder('hellaswag')).toBe('Rowan/hellaswag@main/data/validation-00000-of-00001.parquet');
    expect(hubRefPlaceholder('boolq')).toBe('aps/super_glue@main/boolq/validation-00000-of-00001.parquet');
  });
});

describe('zero-shot data from the Hub', () => {
  it('fetches with progress, checks the data like a picked file and sends its origin with the run', async () => {
    let progressSeen = false;
    const { c, jobs, runs } = client(async (job, onDownload) => {
      onDownload?.({ file: job.file, loaded: 10, total: ARC.length, downloaded: 10, files: 1, filesDone: 0 } as HubProgress);
      progressSeen = store.getState().zeroShot.hub.arc_easy?.progress?.loaded === 10;
      return got(job, ARC);
    });
    const store = await studio(c);
    store.getState().setHubSettings({ base: 'http://hub.test', useCache: false });
    store.getState().setZeroShotHubRef('arc_easy', REF);
    await store.getState().fetchZeroShotHubData('arc_easy');
    expect(progressSeen).toBe(true);
    expect(jobs).toEqual([{ base: 'http://hub.test', dataset: 'allenai/ai2_arc', revision: 'main', file: 'ARC-Easy/test-00000-of-00001.jsonl',
      useCache: false, download: 'task:arc_easy' }]);
    const z = store.getState().zeroShot;
    expect(z.settings.tasks).toEqual(['arc_easy']);
    expect(z.hub.arc_easy).toMatchObject({ input: REF, status: 'done', error: null });
    expect(z.files.arc_easy).toMatchObject({ sha256: sha(ARC), documents: 2, error: null });
    expect(z.files.arc_easy?.file.name).toBe('test-00000-of-00001.jsonl');
    expect(z.files.arc_easy?.hub).toMatchObject({ ref: `hf://datasets/${REF}`, fromCache: false, downloadedBytes: ARC.length,
      origin: { id: 'allenai/ai2_arc', revision: 'main', file: 'ARC-Easy/test-00000-of-00001.jsonl' } });

    await store.getState().runZeroShot();
    expect(runs[0].tasks.map((t) => [t.task, t.hub?.url])).toEqual([
      ['arc_easy', 'http://hub.test/datasets/allenai/ai2_arc/resolve/main/ARC-Easy/test-00000-of-00001.jsonl']]);
  });

  it('a file in the wrong schema fails as a picked one does: the line and the field', async () => {
    const { c } = client(async (job) => got(job, ARC_BAD));
    const store = await studio(c);
    store.getState().setZeroShotHubRef('arc_easy', REF);
    await store.getState().fetchZeroShotHubData('arc_easy');
    const f = store.getState().zeroShot.files.arc_easy;
    expect(f?.error?.code).toBe('BadTaskDocument');
    expect(f?.error?.message).toMatch(/^test-00000-of-00001\.jsonl line 1: field "answerKey" missing/);
  });

  it('a malformed reference, a 404 and a network failure are typed errors in the row; the picked file stays', async () => {
    let fail: Error = new StudioError('HubNotFound', '"allenai/ai2_arc" at revision "main" has no file ARC-Easy/nope.parquet (HTTP 404)');
    const { c, jobs } = client(async () => { throw fail; });
    const store = await studio(c);
    await store.getState().pickZeroShotFile('arc_easy', new File([ARC], 'arc.jsonl'));
    const picked = store.getState().zeroShot.files.arc_easy;

    store.getState().setZeroShotHubRef('arc_easy', 'allenai/ai2_arc');
    await store.getState().fetchZeroShotHubData('arc_easy');
    expect(jobs).toEqual([]); // nothing fetched
    expect(store.getState().zeroShot.hub.arc_easy).toMatchObject({ input: 'allenai/ai2_arc', status: 'error', error: { code: 'BadHubId' } });
    expect(store.getState().zeroShot.hub.arc_easy?.error?.message).toMatch(/names no file inside the repository/);

    store.getState().setZeroShotHubRef('arc_easy', 'allenai/ai2_arc@main/ARC-Easy/nope.parquet');
    expect(store.getState().zeroShot.hub.arc_easy).toMatchObject({ status: 'idle', error: null }); // editing clears the error
    await store.getState().fetchZeroShotHubData('arc_easy');
    expect(store.getState().zeroShot.hub.arc_easy?.error).toEqual({ code: 'HubNotFound', message: expect.stringMatching(/HTTP 404/) });

    fail = new StudioError('HubNetworkError', 'could not reach http://hub.test (Failed to fetch)');
    await store.getState().fetchZeroShotHubData('arc_easy');
    const z = store.getState().zeroShot;
    expect(z.hub.arc_easy).toMatchObject({ input: 'allenai/ai2_arc@main/ARC-Easy/nope.parquet', status: 'error', error: { code: 'HubNetworkError' } });
    expect(z.files.arc_easy).toBe(picked);
  });

  it('cancels only its own task\'s download; the row says cancelled and keeps the file', async () => {
    let release: (() => void) | null = null;
    const { c, cancelled } = client(() => new Promise((_, reject) => {
      release = () => reject(new StudioError('Cancelled', 'download cancelled'));
    }), {});
    const store = await studio(c);
    await store.getState().pickZeroShotFile('arc_easy', new File([ARC], 'arc.jsonl'));
    store.getState().setZeroShotHubRef('arc_easy', REF);
    const fetching = store.getState().fetchZeroShotHubData('arc_easy');
    await vi.waitFor(() => expect(release).not.toBeNull());
    expect(store.getState().zeroShot.hub.arc_easy?.status).toBe('fetching');
    store.getState().setZeroShotHubRef('arc_easy', 'other/ref@main/x.jsonl'); // the field is locked while fetching
    await store.getState().runZeroShot(); // not on the file the fetch is about to replace
    expect(store.getState().zeroShot.error?.message).toBe('Still fetching the arc_easy data from the Hub.');
    await store.getState().cancelZeroShotHubData('arc_easy');
    release!();
    await fetching;
    expect(cancelled).toEqual(['task:arc_easy']);
    const z = store.getState().zeroShot;
    expect(z.hub.arc_easy).toMatchObject({ input: REF, status: 'cancelled', error: null });
    expect(z.files.arc_easy?.file.name).toBe('arc.jsonl');
  });

  it('the share link carries the reference with the hash; opening it fills the row; links without it still open', async () => {
    const { c } = client(async (job) => got(job, ARC, true));
    const store = await studio(c);
    const old = encodeConfig({ ...store.getState().currentConfig()!, zeroShot: { tasks: [{ name: 'arc_easy', hash: sha(ARC) }] } });
    store.getState().setZeroShotHubRef('arc_easy', REF);
    await store.getState().fetchZeroShotHubData('arc_easy');
    expect(store.getState().zeroShot.files.arc_easy?.hub?.fromCache).toBe(true);
    const config = store.getState().currentConfig()!;
    expect(config.zeroShot).toEqual({ tasks: [{ name: 'arc_easy', hash: sha(ARC), hub: `hf://datasets/${REF}` }] });
    const url = store.getState().shareLink('http://studio/');
    const decoded = decodeConfig(payloadFromHash(new URL((url as { url: string }).url).hash)!);
    expect(decoded.ok && decoded.config.zeroShot).toEqual(config.zeroShot);

    const other = await studio(client(async (job) => got(job, ARC)).c);
    other.getState().openLink((url as { url: string }).url.slice('http://studio/'.length));
    expect(other.getState().zeroShot.settings.tasks).toEqual(['arc_easy']);
    expect(other.getState().zeroShot.hub.arc_easy).toMatchObject({ input: `hf://datasets/${REF}`, status: 'idle' });
    expect(other.getState().zeroShot.files.arc_easy).toBeUndefined(); // fetching is the recipient's click
    // Nothing picked yet: the link's reference and hash travel on in this studio's own link.
    expect(other.getState().currentConfig()!.zeroShot).toEqual(config.zeroShot);

    const third = await studio(client(async (job) => got(job, ARC)).c);
    third.getState().openLink(`#c=${old}`);
    expect(third.getState().share.linkError).toBeNull();
    expect(third.getState().zeroShot.hub).toEqual({});

    expect(() => encodeConfig({ ...config, zeroShot: { tasks: [{ name: 'arc_easy', hub: 'hf://datasets/allenai' }] } }))
      .toThrow(/zeroShot\.tasks\.0\.hub: "hf:\/\/datasets\/allenai" is not a Hub dataset file: it names no file/);
  });
});
